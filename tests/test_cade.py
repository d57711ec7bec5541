"""CADE on planted slices: shared words align, a word that changes meaning moves; Procrustes
recovers a rotation; bad input (one slice, no shared vocabulary) is refused."""

from __future__ import annotations

import numpy as np
import pytest
from lexiplug.errors import ConfigError, TrainingError

pytest.importorskip("numba")

from lexiplug.plugins.alignment.cade import cade_v1
from lexiplug.plugins.alignment.procrustes import procrustes_v1
from lexiplug.plugins.alignment.shift import lncs2, median_shared_cosine, shift_report
from lexiplug.vectors import Vectors

TOPICS = {
    "river": ["water", "boat", "fish", "shore", "stream", "swim", "wet", "flow"],
    "money": ["cash", "loan", "account", "deposit", "coin", "pay", "price", "debt"],
    "sky": ["sun", "cloud", "rain", "wind", "storm", "blue", "star", "moon"],
}


def slice_sentences(bank_topic: str, seed: int, n: int = 1500) -> list[list[str]]:
    """Sentences of 8 words from one topic; "bank" joins the ``bank_topic`` sentences."""
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    sentences = []
    for _ in range(n):
        topic = names[rng.integers(len(names))]
        words = list(rng.choice(TOPICS[topic], size=8))
        if topic == bank_topic:
            words[rng.integers(8)] = "bank"
        sentences.append(words)
    return sentences


@pytest.fixture(scope="module")
def fitted() -> tuple[object, dict[str, Vectors]]:
    embedder = cade_v1(vector_size=20, window=3, min_count=5, negative=5, sample=0.0,
                       compass_epochs=5, slice_epochs=5, workers=1, seed=3)
    out = embedder.fit({"old": slice_sentences("river", 1), "new": slice_sentences("money", 2)})
    return embedder, out


def test_slices_are_aligned_and_the_changed_word_moves(fitted) -> None:
    embedder, out = fitted
    old, new = out["old"], out["new"]
    assert set(old.keys) == set(new.keys)
    assert median_shared_cosine(old, new) > 0.6
    stable = [w for w in old.keys if w != "bank"]
    bank = old.unit_matrix[old.key_to_index["bank"]] @ new.unit_matrix[new.key_to_index["bank"]]
    others = np.einsum("ij,ij->i", old.unit_matrix[[old.key_to_index[w] for w in stable]],
                       new.unit_matrix[[new.key_to_index[w] for w in stable]])
    assert bank < np.percentile(others, 5)
    report = shift_report(out, top_n=3, words=["bank"], min_count=1)
    assert report.pairs[0].jumpers[0][0] == "bank"
    assert lncs2("bank", old, new) < lncs2("water", old, new)
    assert "bank" in report.to_text()
    assert old.most_similar("bank", topn=3)[0][0] in TOPICS["river"]
    assert new.most_similar("bank", topn=3)[0][0] in TOPICS["money"]
    assert embedder.compass is not None and len(embedder.compass) == len(old)


def test_same_seed_one_worker_is_reproducible(fitted) -> None:
    _, out = fitted
    again = cade_v1(vector_size=20, window=3, min_count=5, negative=5, sample=0.0,
                    compass_epochs=5, slice_epochs=5, workers=1, seed=3).fit(
        {"old": slice_sentences("river", 1), "new": slice_sentences("money", 2)})
    assert np.array_equal(again["old"].matrix, out["old"].matrix)


def test_skip_gram_and_threads_run() -> None:
    out = cade_v1(vector_size=10, window=2, min_count=2, sg=1, compass_epochs=1,
                  slice_epochs=1, workers=2).fit(
        {"a": slice_sentences("river", 4, 200), "b": slice_sentences("sky", 5, 200)})
    assert all(np.isfinite(v.matrix).all() for v in out.values())


def test_bad_slices_are_refused() -> None:
    with pytest.raises(ConfigError, match="two or more slices"):
        cade_v1(min_count=1).fit({"only": [["a", "b"]] * 5})
    with pytest.raises(TrainingError, match="shares no vocabulary"):
        cade_v1(min_count=1).fit({"a": [["x", "y"]] * 5, "b": [["p", "q"]] * 5})
    with pytest.raises(ConfigError, match="init_mode"):
        cade_v1(init_mode="copy")
    with pytest.raises(ConfigError, match="list of corpora"):
        cade_v1().fit([["a"]])


def test_procrustes_recovers_a_rotation() -> None:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    target = Vectors(words, rng.normal(size=(50, 8)).astype(np.float32))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    source = Vectors(words, (target.unit_matrix @ rotation.T).astype(np.float32))
    aligned = procrustes_v1().apply(source, target=target)
    assert median_shared_cosine(aligned, target) > 0.999
    assert median_shared_cosine(source, target) < 0.9
    assert aligned.metadata["procrustes"]["n_anchors"] == 50


def test_procrustes_bad_input() -> None:
    a = Vectors(["x", "y"], np.eye(2, dtype=np.float32))
    b = Vectors(["p", "q"], np.eye(2, dtype=np.float32))
    with pytest.raises(TrainingError, match="share 0 anchor"):
        procrustes_v1().apply(a, target=b)
    with pytest.raises(ConfigError, match="target"):
        procrustes_v1().apply(a)
    with pytest.raises(ConfigError, match="anchor"):
        procrustes_v1(anchors=[])


def test_shift_command_prints_movers_and_plots(tmp_path) -> None:
    from lexiplug.cli.main import main

    for name, topic in (("old", "river"), ("new", "money")):
        lines = [" ".join(s) for s in slice_sentences(topic, 7, 600)]
        (tmp_path / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "shift.cfg"
    config.write_text(f"""
[study]
name = "shift_test"

[corpora.old]
@corpora = "lexiplug.text_file.v1"
path = "{tmp_path / 'old.txt'}"

[corpora.new]
@corpora = "lexiplug.text_file.v1"
path = "{tmp_path / 'new.txt'}"

[embedders.cade]
@embedders = "lexiplug.cade.v1"
corpus = ["old", "new"]
vector_size = 20
window = 3
negative = 5
sample = 0.0
""", encoding="utf-8")
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
        main(["shift", str(config), "--word", "bank", "--top", "3",
              "--output", str(tmp_path / "plots")])
    text = buffer.getvalue()
    assert "old vs new" in text and "moved most:  bank" in text
    assert (tmp_path / "plots" / "bank.png").stat().st_size > 1000
