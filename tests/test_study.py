"""The study runner on tiny configs with fake plugins: wiring, caching, lineage, errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lexiplug.data.spec import DatasetSpec
from lexiplug.errors import ConfigError, RegistryError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.hookspecs import hookimpl
from lexiplug.registry import registry
from lexiplug.study.compare import compare
from lexiplug.study.runner import run_study
from lexiplug.vectors import Vectors

FITS: Counter[str] = Counter()
APPLIES: Counter[str] = Counter()
EVALUATIONS: Counter[str] = Counter()
WORDS = [f"w{i}" for i in range(40)]


class FakeCorpus:
    def __init__(self, text: str) -> None:
        self.text = text
        self.name = text[:10]

    def iter_sentences(self) -> Any:
        for line in self.text.splitlines():
            yield line.split()

    def checksum(self) -> str:
        return str(abs(hash(self.text)) % 10**12)


def fake_corpus(text: str = "w0 w1 w2") -> FakeCorpus:
    return FakeCorpus(text)


class RicherVectors(Vectors):
    """Stands for a plugin's Vectors subclass with more than a matrix (SenseVectors)."""


class FakeEmbedder:
    """Vectors from a seeded generator: a row 'knows' gold similarity with strength ``skill``."""

    def __init__(self, dim: int, skill: float, seed: int, tag: str, richer: bool) -> None:
        self.dim, self.skill, self.seed, self.tag = dim, skill, seed, tag
        self.richer = richer

    def fit(self, corpus: Any) -> Vectors | dict[str, Vectors]:
        FITS[self.tag] += 1
        if isinstance(corpus, dict):
            return {name: self._vectors(i) for i, name in enumerate(corpus)}
        assert isinstance(corpus, FakeCorpus)
        return self._vectors(0)

    def _vectors(self, offset: int) -> Vectors:
        rng = np.random.default_rng(self.seed + offset)
        matrix = rng.standard_normal((len(WORDS), self.dim)).astype(np.float32)
        kind = RicherVectors if self.richer else Vectors
        return kind(WORDS, matrix, metadata={"tag": self.tag})


def fake_embedder(dim: int = 4, skill: float = 0.0, seed: int = 0,
                  tag: str = "plain", richer: bool = False) -> FakeEmbedder:
    return FakeEmbedder(dim, skill, seed, tag, richer)


class Scale:
    def __init__(self, factor: float) -> None:
        self.factor = factor

    def apply(self, vectors: Vectors) -> Vectors:
        APPLIES["scale"] += 1
        return vectors.with_matrix(vectors.matrix * self.factor)


def fake_scale(factor: float = 2.0) -> Scale:
    return Scale(factor)


class AlignTo:
    def apply(self, vectors: Vectors, target: Vectors) -> Vectors:
        APPLIES["align"] += 1
        assert isinstance(target, Vectors)
        return vectors.with_matrix(np.asarray(target.matrix))


def fake_align() -> AlignTo:
    return AlignTo()


class PairEvaluator:
    """Spearman of cosine vs gold; per-item details the way real evaluators give them."""

    def __init__(self, skip: int) -> None:
        self.skip = skip

    def evaluate(self, vectors: Vectors, dataset: str) -> Result:
        EVALUATIONS[dataset] += 1
        spec = registry.datasets.get(dataset)()
        pairs = spec.load()
        details = []
        for i, (a, b, gold) in enumerate(pairs):
            covered = a in vectors and b in vectors and i >= self.skip
            details.append({"word1": a, "word2": b, "gold": gold, "covered": covered,
                            "predicted": vectors.similarity(a, b) if covered else None})
        kept = [d for d in details if d["covered"]]
        from scipy.stats import spearmanr

        rho = float(spearmanr([d["gold"] for d in kept], [d["predicted"] for d in kept])[0])
        items = [ItemRecord(i, d["predicted"], d["covered"], d["gold"])
                 for i, d in enumerate(details)]
        return Result("test_study.pairs.v1", spec.name, {"spearman": rho}, "spearman",
                      n_items=len(details), n_covered=len(kept), details=details,
                      items=items, item_statistic="spearman")


def fake_pairs(skip: int = 0) -> PairEvaluator:
    return PairEvaluator(skip)


def read_pairs(path: Path) -> list[tuple[str, str, float]]:
    rows = [line.split() for line in path.read_text().splitlines()]
    return [(a, b, float(s)) for a, b, s in rows]


@pytest.fixture(scope="module", autouse=True)
def fake_plugins(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(7)
    lines = [f"{WORDS[i]} {WORDS[i + 1]} {rng.uniform(0, 10):.2f}" for i in range(0, 38)]
    (folder / "pairs.txt").write_text("\n".join(lines) + "\n")
    spec = DatasetSpec("test_study_pairs", "similarity", (str(folder / "pairs.txt"),),
                       reader=read_pairs)
    registry.corpora.register("test_study.corpus.v1", func=fake_corpus)
    registry.embedders.register("test_study.embedder.v1", func=fake_embedder)
    registry.transforms.register("test_study.scale.v1", func=fake_scale)
    registry.transforms.register("test_study.align.v1", func=fake_align)
    registry.evaluators.register("test_study.pairs.v1", func=fake_pairs)
    registry.datasets.register("test_study_pairs", func=lambda: spec)


@pytest.fixture(autouse=True)
def reset_counters() -> None:
    FITS.clear()
    APPLIES.clear()
    EVALUATIONS.clear()


BASE = """
[study]
name = "tiny"
seed = 3

[corpora.small]
@corpora = "test_study.corpus.v1"
text = "w0 w1 w2"

[corpora.other]
@corpora = "test_study.corpus.v1"
text = "w3 w4 w5"

[embedders.alpha]
@embedders = "test_study.embedder.v1"
corpus = "small"
tag = "alpha"

[embedders.beta]
@embedders = "test_study.embedder.v1"
corpus = "small"
dim = 8
tag = "beta"

[embedders.sliced]
@embedders = "test_study.embedder.v1"
corpus = ["small", "other"]
tag = "sliced"

[transforms.scaled]
@transforms = "test_study.scale.v1"
input = "alpha"

[evaluate.pairs]
@evaluators = "test_study.pairs.v1"
datasets = ["test_study_pairs"]

[report]
bootstrap_resamples = 200
"""

SECOND_EVALUATOR = """
[evaluate.pairs_skipping]
@evaluators = "test_study.pairs.v1"
datasets = ["test_study_pairs"]
skip = 5
rows = ["alpha", "sliced[other]"]
"""


def write_config(folder: Path, text: str, name: str = "tiny.cfg") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_wiring_and_lineage(tmp_path: Path) -> None:
    outcome = run_study(write_config(tmp_path, BASE), output=tmp_path / "out", quiet=True)
    assert list(outcome.rows) == ["alpha", "beta", "sliced[small]", "sliced[other]",
                                  "alpha+scale"]
    assert FITS == Counter({"alpha": 1, "beta": 1, "sliced": 1})
    scaled = outcome.rows["alpha+scale"].vectors.matrix
    np.testing.assert_allclose(scaled, 2 * outcome.rows["alpha"].vectors.matrix)
    assert outcome.rows["alpha+scale"].lineage == ["embedders.alpha", "transforms.scaled"]
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {r["row"] for r in document["results"]} == set(outcome.rows)
    assert all(r["metrics"]["spearman"] is not None for r in document["results"])
    assert document["seed"] == 3
    assert document["datasets"]["test_study_pairs"]["checksum"]
    assert {"numpy", "gensim", "torch", "spacy", "lexiplug"} <= set(document["versions"])
    resolved = document["config"]["resolved"]["embedders"]["alpha"]
    assert resolved["seed"] == 3 and resolved["dim"] == 4 and resolved["corpus"] == "small"
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## pairs — test_study_pairs" in report
    assert "sliced[other]" in report
    assert (tmp_path / "out" / "plots" / "scores_pairs.png").stat().st_size > 1000


def test_rerun_with_one_more_evaluator_recomputes_only_that(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_study(write_config(tmp_path, BASE), output=out, quiet=True)
    FITS.clear()
    APPLIES.clear()
    EVALUATIONS.clear()
    outcome = run_study(write_config(tmp_path, BASE + SECOND_EVALUATOR), output=out, quiet=True)
    assert FITS == Counter() and APPLIES == Counter() and outcome.fits == 0
    assert EVALUATIONS == Counter({"test_study_pairs": 2})  # the new evaluator, two rows
    fresh = {(s.evaluation, s.row) for s in outcome.scored if not s.cached}
    assert fresh == {("pairs_skipping", "alpha"), ("pairs_skipping", "sliced[other]")}
    first = json.loads((out / "results.json").read_text())
    assert sum(1 for r in first["results"] if r["evaluation"] == "pairs_skipping") == 2


def test_a_vectors_subclass_is_refit_not_reloaded_as_plain_vectors(tmp_path: Path) -> None:
    config = write_config(tmp_path, BASE + """
[embedders.rich]
@embedders = "test_study.embedder.v1"
corpus = "small"
tag = "rich"
richer = true
""")
    for _ in range(2):
        outcome = run_study(config, output=tmp_path / "out", quiet=True)
        assert type(outcome.rows["rich"].vectors) is RicherVectors
    assert FITS["rich"] == 2 and FITS["alpha"] == 1  # plain rows come from the cache


def test_changed_setting_recomputes_the_step_and_what_reads_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, BASE)
    run_study(config, output=tmp_path / "out", quiet=True)
    FITS.clear()
    APPLIES.clear()
    outcome = run_study(config, output=tmp_path / "out", quiet=True,
                        overrides={"embedders.alpha.dim": 6})
    assert FITS == Counter({"alpha": 1})
    assert APPLIES == Counter({"scale": 1})
    assert outcome.rows["alpha+scale"].vectors.dim == 6
    assert outcome.rows["beta"].vectors.dim == 8


def test_transform_refs_and_slice_inputs(tmp_path: Path) -> None:
    text = BASE + """
[transforms.aligned]
@transforms = "test_study.align.v1"
input = "sliced[small]"
target = "beta"
"""
    outcome = run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)
    row = outcome.rows["sliced[small]+align"]
    np.testing.assert_array_equal(row.vectors.matrix, outcome.rows["beta"].vectors.matrix)
    assert row.slice == "small"


def test_unknown_row_reference_lists_known_names_before_any_fit(tmp_path: Path) -> None:
    text = BASE.replace('input = "alpha"', 'input = "alpah"')
    with pytest.raises(ConfigError) as caught:
        run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)
    message = str(caught.value)
    assert "unknown row 'alpah'; known: alpha, beta, scaled, sliced" in message
    assert "transforms.scaled.input" in message
    assert FITS == Counter()


def test_unknown_corpus_and_unknown_function_names(tmp_path: Path) -> None:
    text = BASE.replace('corpus = "small"\ntag = "alpha"', 'corpus = "smal"\ntag = "alpha"')
    with pytest.raises(ConfigError, match="unknown corpus 'smal'; known: other, small"):
        run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)
    text = BASE.replace('"test_study.scale.v1"', '"test_study.scael.v1"')
    with pytest.raises(RegistryError) as caught:
        run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)
    assert "test_study.scale.v1" in str(caught.value)  # did-you-mean / available names
    assert "transforms.scaled.@transforms" in str(caught.value)
    assert FITS == Counter()


def test_bad_settings_fail_before_training(tmp_path: Path) -> None:
    text = BASE.replace("dim = 8", 'dim = "eight"')
    with pytest.raises(ConfigError, match=r"embedders\.beta"):
        run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)
    text = BASE.replace("[report]", '[report]\nprojection = "umap"')
    with pytest.raises(ConfigError, match=r"report\.projection"):
        run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)
    text = BASE + '\n[evaluate.more]\n@evaluators = "test_study.pairs.v1"\ndatasets = ["nope"]\n'
    with pytest.raises(RegistryError, match=r"evaluate\.more\.datasets"):
        run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)
    assert FITS == Counter()


def test_transform_cycle_is_a_config_error(tmp_path: Path) -> None:
    text = BASE + """
[transforms.one]
@transforms = "test_study.scale.v1"
input = "two"

[transforms.two]
@transforms = "test_study.scale.v1"
input = "one"
"""
    with pytest.raises(ConfigError, match="cycle"):
        run_study(write_config(tmp_path, text), output=tmp_path / "out", quiet=True)


def test_unwritable_output_fails_before_training(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="--output"):
        run_study(write_config(tmp_path, BASE), output=blocker / "out", quiet=True)
    assert FITS == Counter()


def test_hooks_are_called(tmp_path: Path) -> None:
    from lexiplug.plugin_loader import plugin_manager

    seen: dict[str, list[Any]] = {"fit": [], "evaluate": []}

    class Listener:
        @hookimpl
        def lexiplug_after_fit(self, name: str, vectors: Any, config: dict[str, Any]) -> None:
            seen["fit"].append(name)

        @hookimpl
        def lexiplug_after_evaluate(self, name: str, evaluator: str, result: Any) -> None:
            seen["evaluate"].append((name, evaluator))

        @hookimpl
        def lexiplug_report_sections(self, results: dict[str, Any]) -> list[tuple[str, str]]:
            return [("From a plugin", f"{len(results['results'])} results seen")]

    listener = Listener()
    manager = plugin_manager()
    manager.register(listener, name="test_study_listener")
    try:
        run_study(write_config(tmp_path, BASE), output=tmp_path / "out", quiet=True)
    finally:
        manager.unregister(name="test_study_listener")
    assert seen["fit"] == ["alpha", "beta", "sliced[small]", "sliced[other]"]
    assert ("alpha+scale", "pairs") in seen["evaluate"]
    assert "## From a plugin\n\n5 results seen" in (tmp_path / "out" / "report.md").read_text()


def _result(predicted: list[float | None], gold: list[float]) -> Result:
    pairs = enumerate(zip(predicted, gold, strict=True))
    items = [ItemRecord(i, p, p is not None, g) for i, (p, g) in pairs]
    return Result("sim", "set", {"spearman": 0.0}, "spearman", n_items=len(gold),
                  n_covered=sum(p is not None for p in predicted), items=items,
                  item_statistic="spearman")


def test_comparison_uses_shared_items_and_marks_best_only_when_separated() -> None:
    rng = np.random.default_rng(0)
    gold = list(rng.uniform(0, 10, 200))
    good = [g + rng.normal(0, 1) for g in gold]
    poor = [rng.normal() for _ in gold]
    # the poor row skips half the items; the comparison must use the other half only
    poor_partial = [p if i % 2 else None for i, p in enumerate(poor)]
    table = compare("sim", {"good": _result(good, gold), "poor": _result(poor_partial, gold)},
                    n_resamples=300)
    assert table.n_shared == 100
    assert table.best == "good" and table.p_value is not None and table.p_value < 0.05
    noisy = [g + rng.normal(0, 1) for g in gold]
    tied = compare("sim", {"one": _result(good, gold), "two": _result(noisy, gold)},
                   n_resamples=300)
    assert tied.n_shared == 200
    assert tied.best is None and any("not separated" in n for n in tied.notes)


def test_pretrained_vectors_row_is_keyed_by_file_content(tmp_path: Path) -> None:
    from lexiplug.vectors.io import save_vectors

    rng = np.random.default_rng(1)
    path = tmp_path / "vecs.txt"
    save_vectors(Vectors(WORDS, rng.standard_normal((40, 5)).astype(np.float32)), path,
                 format="word2vec-text")
    text = f"""
[embedders.loaded]
@embedders = "lexiplug.pretrained.v1"
path = "{path}"

[evaluate.pairs]
@evaluators = "test_study.pairs.v1"
datasets = ["test_study_pairs"]
"""
    config = write_config(tmp_path, text, "pretrained.cfg")
    first = run_study(config, output=tmp_path / "out", quiet=True)
    assert first.rows["loaded"].vectors.dim == 5 and first.fits == 1
    assert run_study(config, output=tmp_path / "out", quiet=True).fits == 0
    save_vectors(Vectors(WORDS, rng.standard_normal((40, 5)).astype(np.float32)), path,
                 format="word2vec-text")
    assert run_study(config, output=tmp_path / "out", quiet=True).fits == 1


def test_projection_plots(tmp_path: Path) -> None:
    from lexiplug.study import plots

    rng = np.random.default_rng(2)
    words = ["he", "she", "man", "woman", "nurse", "engineer", "teacher", "doctor",
             "one", "two", "three", "red", "blue", "green"]
    vectors = Vectors(words, rng.standard_normal((len(words), 6)).astype(np.float32))
    groups = {"numbers": ["one", "two", "three"], "colours": ["red", "blue", "green"]}
    for method in ("pca", "tsne"):
        path = plots.word_group_projection({"a": vectors}, groups, tmp_path, method=method)
        assert path is not None and path.stat().st_size > 1000
    assert plots.word_group_projection({"a": vectors}, {"x": ["zzz"]}, tmp_path) is None
