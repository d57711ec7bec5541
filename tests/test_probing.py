"""lexiplug.probing.v1 on tiny generated treebanks: the probe finds a planted signal."""

from __future__ import annotations

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError
from lexiplug.plugins.datasets.readers_conllu import read_conllu, read_treebank
from lexiplug.plugins.evaluators.probing import make_probing_evaluator
from lexiplug.vectors.vectors import Vectors

from tests.helpers import require_data

TAGS = ("NOUN", "VERB", "DET", "ADJ")


def _conllu(sentences: list[list[tuple[str, str]]]) -> str:
    blocks = []
    for number, sentence in enumerate(sentences, start=1):
        lines = [f"# sent_id = s{number}"]
        for i, (form, tag) in enumerate(sentence, start=1):
            lines.append(f"{i}\t{form}\t{form}\t{tag}\t_\t_\t0\tdep\t_\t_")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n\n"


def _world(tmp_path, seed: int = 0):
    """Word types per tag, disjoint between train and test: only geometry generalises."""
    rng = np.random.default_rng(seed)
    lexicon = {tag: [f"{tag.lower()}{i}" for i in range(40)] for tag in TAGS}
    weights = [0.4, 0.3, 0.2, 0.1]  # NOUN is the majority tag

    def sentences(half: int, n: int) -> list[list[tuple[str, str]]]:
        out = []
        for _ in range(n):
            tags = rng.choice(len(TAGS), size=rng.integers(4, 9), p=weights)
            out.append([(lexicon[TAGS[t]][half * 20 + rng.integers(0, 20)], TAGS[t])
                        for t in tags])
        return out

    (tmp_path / "toy-ud-train.conllu").write_text(_conllu(sentences(0, 150)), encoding="utf-8")
    (tmp_path / "toy-ud-test.conllu").write_text(_conllu(sentences(1, 60)), encoding="utf-8")
    words = [w for tag in TAGS for w in lexicon[tag]]
    signal = np.zeros((len(words), 16))
    for row, word in enumerate(words):
        signal[row, TAGS.index(next(t for t in TAGS if word.startswith(t.lower())))] = 2.0
    signal += rng.standard_normal(signal.shape) * 0.5
    train = read_treebank(tmp_path / "toy-ud-train.conllu", name="toy_train")
    test = read_treebank(tmp_path / "toy-ud-test.conllu", name="toy_test")
    return train, test, Vectors(words, signal.astype(np.float32))


def test_probe_beats_majority_and_random_vectors_when_vectors_carry_the_signal(tmp_path):
    train, test, vectors = _world(tmp_path)
    result = make_probing_evaluator(n_resamples=100).evaluate(vectors, (train, test))
    m = result.metrics
    assert result.primary == "accuracy" and result.n_covered == result.n_items
    assert m["majority_accuracy"] == pytest.approx(
        sum(t == "NOUN" for s in test.splits["test"] for t in s.upos) / result.n_items)
    assert m["accuracy"] > 0.95 > m["majority_accuracy"] + 0.3
    # Unseen test types get unseen random vectors: the control cannot use identity.
    assert m["random_vector_accuracy"] < m["accuracy"] - 0.3
    assert m["selectivity"] == pytest.approx(m["accuracy"] - m["random_vector_accuracy"])
    low, high = result.ci["accuracy"]
    assert low <= m["accuracy"] <= high
    assert sum(d["n_correct"] for d in result.details) == round(m["accuracy"] * result.n_items)


def test_noise_vectors_do_not_beat_the_majority_by_much(tmp_path):
    train, test, vectors = _world(tmp_path)
    noise = vectors.with_matrix(np.random.default_rng(9).standard_normal(vectors.shape)
                                .astype(np.float32))
    m = make_probing_evaluator(n_resamples=50).evaluate(noise, (train, test)).metrics
    assert m["accuracy"] < m["majority_accuracy"] + 0.15


def test_oov_tokens_are_counted_in_coverage(tmp_path):
    train, test, vectors = _world(tmp_path)
    known = [w for w in vectors.keys if not w.startswith("adj")]
    partial = vectors.subset(known)
    result = make_probing_evaluator(n_resamples=50).evaluate(partial, (train, test))
    n_adj = sum(t == "ADJ" for s in test.splits["test"] for t in s.upos)
    assert result.n_items - result.n_covered == n_adj
    assert result.extra["train_coverage"] < 1.0
    assert result.metrics["accuracy_covered"] is not None


def test_encode_tokens_model(tmp_path):
    train, test, vectors = _world(tmp_path)

    class Encoder:
        def encode_tokens(self, docs):
            return [np.stack([vectors.vector(t.text) for t in doc]) for doc in docs]

    result = make_probing_evaluator(n_resamples=50).evaluate(Encoder(), (train, test))
    assert result.metrics["accuracy"] > 0.95

    class Misaligned:
        def encode_tokens(self, docs):
            return [np.zeros((len(doc) + 1, 4)) for doc in docs]

    with pytest.raises(ConfigError, match="align"):
        make_probing_evaluator().evaluate(Misaligned(), (train, test))


def test_unknown_test_set_and_malformed_conllu(tmp_path):
    with pytest.raises(ConfigError, match="train_for"):
        make_probing_evaluator().evaluate(Vectors(["a"], np.ones((1, 2), np.float32)), "nope")
    bad = tmp_path / "bad-ud-dev.conllu"
    bad.write_text("# c\n1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n2\tB\tb\tNOUN\t_\n\n",
                   encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read_conllu(bad)
    assert f"{bad}:3" in str(error.value)
    bad.write_text("1\tA\ta\tNOUNY\t_\t_\t0\troot\t_\t_\n", encoding="utf-8")
    with pytest.raises(FormatError, match="UPOS"):
        read_conllu(bad)
    ok = tmp_path / "ok-ud-dev.conllu"
    ok.write_text("1-2\tAu\t_\t_\t_\t_\t_\t_\t_\t_\n1\tA\ta\tADP\t_\t_\t0\troot\t_\t_\n"
                  "2\tu\tu\tDET\t_\t_\t1\tdet\t_\t_\n2.1\tx\tx\tX\t_\t_\t_\t_\t_\t_\n",
                  encoding="utf-8")
    (sentence,) = read_conllu(ok)
    assert sentence.forms == ["A", "u"] and sentence.upos == ["ADP", "DET"]


@pytest.mark.data
def test_shared_treebanks_load_with_expected_sizes():
    require_data("ud_english/UD_English-PUD/en_pud-ud-test.conllu")
    require_data("ud_dutch/UD_Dutch-Alpino/nl_alpino-ud-dev.conllu")
    from lexiplug.registry import registry

    pud = registry.datasets.get("ud_en_pud")().load()
    assert len(pud.splits["test"]) == 1000 and pud.n_tokens("test") == 21180
    alpino = registry.datasets.get("ud_nl_alpino")().load()
    assert len(alpino.splits["dev"]) == 718 and alpino.n_tokens("dev") == 11541
