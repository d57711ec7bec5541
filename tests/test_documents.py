"""Documents family: the 20 Newsgroups reader, DocumentVectors, Hamming and ranking kernels,
doc2vec, the retrieval evaluator and the [doc_embedders] study section."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError, LexiplugError, TrainingError
from lexiplug.plugins.documents import newsgroups as ng
from lexiplug.plugins.documents.corpus import newsgroups_v1, tokenised_documents
from lexiplug.plugins.documents.doc2vec import doc2vec_v1
from lexiplug.plugins.documents.doc_vectors import (
    DocumentVectors,
    check_bits,
    load_doc_vectors,
    pack_codes,
)
from lexiplug.plugins.documents.evaluator import DocRetrievalEvaluator
from lexiplug.plugins.documents.hamming import (
    HammingBall,
    hamming_distances,
    hamming_reference,
)
from lexiplug.plugins.documents.ranking import ranking_metrics, ranking_metrics_reference

from tests.documents_helpers import TOPICS, planted_archive
from tests.helpers import require_data

POST = """From: a@b.c
Subject: Re: test
Organization: Somewhere

In article <123@x.y> someone writes:
> quoted line
| another quote
The real content is here.
More content.

--
John Doe  | my signature
"""


def test_stripping_matches_scikit_learn() -> None:
    from sklearn.datasets import _twenty_newsgroups as sk

    for text in (POST, "no header at all", "a\n\nb\n-----\nsig", "x\n\n\n\n"):
        assert ng.strip_header(text) == sk.strip_newsgroup_header(text)
        assert ng.strip_footer(text) == sk.strip_newsgroup_footer(text)
        assert ng.strip_quotes(text) == sk.strip_newsgroup_quoting(text)
    cleaned = ng.clean_text(POST, ng.REMOVABLE)
    assert "real content" in cleaned and "quoted" not in cleaned
    assert "signature" not in cleaned and "Subject" not in cleaned


def test_reader_reads_the_archive_and_its_options(tmp_path: Path) -> None:
    archive = planted_archive(tmp_path / "train.tar.gz", per_group=5)
    docs = ng.read_newsgroups(archive)
    assert len(docs) == 20 and {d.label for d in docs} == set(TOPICS)
    assert docs[0].key == "comp.graphics/1000"
    assert "From:" not in docs[0].text and "quoted" not in docs[0].text
    raw = ng.read_newsgroups(archive, remove=())
    assert raw[0].text.startswith("From:")
    major = ng.read_newsgroups(archive, subset="major4")
    assert {d.label for d in major} == {"comp", "rec", "politics"}  # sci.* is not in the four
    with pytest.raises(ConfigError, match="headers"):
        ng.read_newsgroups(archive, remove=("header",))


def test_corrupt_or_wrong_archives_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a gzip file at all")
    with pytest.raises(FormatError, match=r"broken\.tar\.gz"):
        ng.read_newsgroups(broken)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(planted_archive(tmp_path / "ok.tar.gz").read_bytes()[:2000])
    with pytest.raises(FormatError, match=r"truncated\.tar\.gz"):
        ng.read_newsgroups(truncated)
    flat = tmp_path / "flat.tar.gz"
    with tarfile.open(flat, "w:gz") as archive:
        info = tarfile.TarInfo("message.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"abc"))
    with pytest.raises(FormatError, match="20news-bydate"):
        ng.read_newsgroups(flat)
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    with pytest.raises(FormatError, match="no messages"):
        ng.read_newsgroups(empty)
    assert gzip  # the module is what a real .tar.gz goes through


def test_dev_split_is_stratified_seeded_and_disjoint(tmp_path: Path) -> None:
    archive = planted_archive(tmp_path / "train.tar.gz", per_group=20)
    train = ng.read_newsgroups_split(archive, split="train", dev_fraction=0.25, seed=3)
    dev = ng.read_newsgroups_split(archive, split="dev", dev_fraction=0.25, seed=3)
    assert len(dev) == 20 and len(train) == 60
    assert {d.key for d in train}.isdisjoint(d.key for d in dev)
    assert all(sum(d.label == g for d in dev) == 5 for g in TOPICS)
    again = ng.read_newsgroups_split(archive, split="dev", dev_fraction=0.25, seed=3)
    assert [d.key for d in again] == [d.key for d in dev]
    with pytest.raises(ConfigError, match="dev_fraction"):
        ng.dev_mask(["a", "b"], 1.5, 0)


def test_doc_vectors_round_trip_and_bad_shapes(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    codes = pack_codes(rng.integers(0, 2, size=(5, 32)))
    rows = DocumentVectors([f"d{i}" for i in range(5)], list("aabbc"),
                           vectors=rng.normal(size=(5, 3)), codes=codes, bits=32,
                           metadata={"model": "x"})
    rows.save(tmp_path / "rows")
    loaded = load_doc_vectors(tmp_path / "rows")
    assert loaded.keys == rows.keys and loaded.labels == rows.labels and loaded.bits == 32
    assert np.array_equal(loaded.codes, codes) and np.allclose(loaded.vectors, rows.vectors)
    assert sorted(p.name for p in (tmp_path / "rows").iterdir()) == [
        "codes.npy", "meta.json", "vectors.npy"]
    with pytest.raises(ConfigError, match="multiple of 8"):
        check_bits(12)
    with pytest.raises(ConfigError, match="multiple of 8"):
        pack_codes(np.zeros((2, 20)))
    with pytest.raises(ConfigError, match="packed codes"):
        DocumentVectors(["a"], None, codes=np.zeros((1, 3), np.uint8), bits=32)
    meta = tmp_path / "rows" / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "keys": ["only-one"]}))
    with pytest.raises(FormatError, match="do not fit"):
        load_doc_vectors(tmp_path / "rows")


@pytest.mark.parametrize("bits", [8, 24, 32, 64, 128])
def test_hamming_popcount_matches_the_reference(bits: int) -> None:
    rng = np.random.default_rng(bits)
    q = pack_codes(rng.integers(0, 2, size=(7, bits)))
    db = pack_codes(rng.integers(0, 2, size=(50, bits)))
    assert np.array_equal(hamming_distances(q, db), hamming_reference(q, db))


@pytest.mark.parametrize("bits", [8, 32, 64, 128])
def test_hamming_kernel_ranks_like_a_stable_argsort(bits: int) -> None:
    from lexiplug.plugins.documents.hamming import hamming_ranking

    rng = np.random.default_rng(bits)
    q = pack_codes(rng.integers(0, 2, size=(6, bits)))
    db = pack_codes(rng.integers(0, 2, size=(80, bits)))
    expected = np.argsort(hamming_reference(q, db), axis=1, kind="stable")
    assert np.array_equal(hamming_ranking(q, db), expected)
    assert np.array_equal(hamming_ranking(q, db, k=7), expected[:, :7])


def test_hamming_ball_finds_exactly_the_codes_within_the_radius() -> None:
    rng = np.random.default_rng(1)
    db = pack_codes(rng.integers(0, 2, size=(300, 16)))
    ball = HammingBall(db, 16)
    query = db[:1] ^ np.array([[0b00000001, 0]], dtype=np.uint8)
    distances = hamming_distances(query, db)[0]
    for radius in (0, 1, 2, 3):
        found = ball.within(query[0], radius)
        assert sorted(i for _, i in found) == sorted(np.flatnonzero(distances <= radius))
        assert all(distances[i] == d for d, i in found)
    with pytest.raises(ConfigError, match="at most 32"):
        HammingBall(pack_codes(np.zeros((2, 64))), 64)


def test_ranking_metrics_match_the_definitions() -> None:
    rng = np.random.default_rng(2)
    db_labels = list(rng.choice(list("abc"), size=150))
    query_labels = list(rng.choice(list("abcd"), size=30))  # "d": no relevant document
    order = np.stack([rng.permutation(150) for _ in range(30)])
    fast = ranking_metrics(order, db_labels, query_labels)
    slow = ranking_metrics_reference(order, db_labels, query_labels)
    for key in ("ap", "ndcg10", "p100"):
        assert np.allclose(fast[key], slow[key]), key
    assert fast["pr"].shape == (30, 11) and np.all(np.diff(fast["pr"], axis=1) <= 1e-12)
    perfect = np.argsort([label != "a" for label in db_labels], kind="stable")[None]
    best = ranking_metrics(perfect, db_labels, ["a"])
    assert best["ap"][0] == pytest.approx(1.0) and best["ndcg10"][0] == pytest.approx(1.0)


def _planted_docs(tmp_path: Path, per_group: int = 30) -> tuple[list[ng.Document], Path]:
    archive = planted_archive(tmp_path / "train.tar.gz", per_group=per_group)
    return ng.read_newsgroups(archive), archive


def test_doc2vec_is_seeded_and_retrieves_planted_topics(tmp_path: Path) -> None:
    docs, _ = _planted_docs(tmp_path)
    settings = {"dim": 16, "min_count": 1, "epochs": 15, "seed": 4, "sample": 0.0}
    first = doc2vec_v1(**settings)
    rows = first.fit(docs)
    again = doc2vec_v1(**settings).fit(docs)
    assert np.array_equal(rows.vectors, again.vectors)
    assert rows.labels == [d.label for d in docs] and rows.keys[0] == "comp.graphics/1000"
    queries = ng.read_newsgroups(planted_archive(tmp_path / "q.tar.gz", per_group=5, seed=9))
    result = DocRetrievalEvaluator(n_resamples=200).evaluate(rows, queries)
    assert result.metrics["map"] > 0.8, result.metrics
    assert result.extra["ranking"] == "cosine" and len(result.items) == 20
    assert set(result.ci) == {"map", "ndcg10", "p100"}
    assert np.array_equal(first.infer(["pixel render shader"]),
                          first.infer(["pixel render shader"]))


def test_doc2vec_bad_input_is_named() -> None:
    with pytest.raises(TrainingError, match="no words"):
        doc2vec_v1(min_count=1).fit(["a real text", "  ... ,,, "])
    with pytest.raises(TrainingError, match="at least one document"):
        tokenised_documents([])
    embedder = doc2vec_v1(dim=8, min_count=1, epochs=2)
    embedder.fit(["alpha beta gamma", "beta gamma delta"])
    with pytest.raises(TrainingError, match="no word the model knows"):
        embedder.infer(["alpha", "zzz qqq"])
    with pytest.raises(ConfigError, match="mode"):
        doc2vec_v1(mode="cbow")
    with pytest.raises(LexiplugError, match="min_count"):
        doc2vec_v1(min_count=50).fit(["alpha beta", "beta gamma"])


def test_retrieval_rejects_missing_labels(tmp_path: Path) -> None:
    embedder = doc2vec_v1(dim=8, min_count=1, epochs=2)
    unlabelled = embedder.fit(["alpha beta gamma", "beta gamma delta"])
    query = [ng.Document("q", "alpha beta", "x")]
    with pytest.raises(TrainingError, match="no labels"):
        DocRetrievalEvaluator().evaluate(unlabelled, query)
    docs = [ng.Document("a", "alpha beta", "x"), ng.Document("b", "beta gamma", None)]
    with pytest.raises(TrainingError, match="no label"):
        embedder.fit(docs)
    labelled = embedder.fit([ng.Document("a", "alpha beta", "x"),
                             ng.Document("b", "beta gamma", "y")])
    with pytest.raises(TrainingError, match="no label"):
        DocRetrievalEvaluator().evaluate(labelled, [ng.Document("q", "alpha", None)])


def test_newsgroups_corpus_streams_documents(tmp_path: Path) -> None:
    archive = planted_archive(tmp_path / "train.tar.gz", per_group=10)
    corpus = newsgroups_v1(path=str(archive), split="train", dev_fraction=0.2)
    triples = list(corpus.iter_documents())
    assert len(triples) == 32 and all(tokens for _, tokens, _ in triples)
    assert next(corpus.iter_sentences()) == triples[0][1]
    assert corpus.checksum() != newsgroups_v1(path=str(archive), split="dev").checksum()
    with pytest.raises(ConfigError, match="split"):
        newsgroups_v1(split="test")


@pytest.mark.data
@pytest.mark.slow
def test_study_compares_doc_embedders_on_20_newsgroups(tmp_path: Path) -> None:
    require_data(ng.TRAIN_FILE)
    from lexiplug.study.runner import run_study

    config = tmp_path / "docs.cfg"
    config.write_text("""
[study]
name = "docs"

[corpora.news]
@corpora = "lexiplug.newsgroups.v1"
split = "train"
max_docs = 400

[doc_embedders.dbow]
@doc_embedders = "lexiplug.doc2vec.v1"
corpus = "news"
dim = 16
epochs = 3
min_count = 3

[evaluate.retrieval]
@evaluators = "lexiplug.doc_retrieval.v1"
datasets = ["newsgroups_dev"]
n_resamples = 100

[report]
plots = false
""")
    outcome = run_study(config, output=tmp_path / "out", quiet=True)
    assert [s.row for s in outcome.scored] == ["dbow"]
    result = outcome.scored[0].result
    assert result.n_items > 1000 and 0.0 < result.metrics["map"] < 1.0
    assert (tmp_path / "out" / "report.md").exists()


@pytest.mark.slow
def test_study_runs_doc_embedders_on_a_planted_archive(tmp_path: Path) -> None:
    from functools import partial

    import catalogue
    from lexiplug.data.spec import DatasetSpec
    from lexiplug.registry import NAMESPACE, registry
    from lexiplug.study.runner import run_study

    train = planted_archive(tmp_path / "train.tar.gz", per_group=15)
    queries = planted_archive(tmp_path / "queries.tar.gz", per_group=3, seed=5)

    def planted_queries() -> DatasetSpec:
        from lexiplug.plugins.documents.datasets import read_labelled_documents

        spec = DatasetSpec(name="planted_queries", kind="documents", files=(str(queries),),
                           reader=partial(read_labelled_documents, split="all"))
        return spec

    registry.datasets.register("planted_queries", func=planted_queries)
    config = tmp_path / "docs.cfg"
    config.write_text(f"""
[corpora.news]
@corpora = "lexiplug.newsgroups.v1"
path = "{train}"
split = "all"

[doc_embedders.dbow]
@doc_embedders = "lexiplug.doc2vec.v1"
corpus = "news"
dim = 16
min_count = 1
sample = 0.0

[doc_embedders.codes]
@doc_embedders = "lexiplug.pv_sign.v1"
corpus = "news"
bits = 16
dim = 16
min_count = 1
sample = 0.0

[evaluate.retrieval]
@evaluators = "lexiplug.doc_retrieval.v1"
datasets = ["planted_queries"]
n_resamples = 100

[report]
plots = false
""")
    try:
        outcome = run_study(config, output=tmp_path / "out", quiet=True)
    finally:
        del catalogue.REGISTRY[(NAMESPACE, "datasets", "planted_queries")]
    scored = {s.row: s.result for s in outcome.scored}
    assert set(scored) == {"dbow", "codes"}
    assert scored["dbow"].metrics["map"] > 0.8 and scored["codes"].extra["ranking"] == "hamming"
    assert "dbow" in (tmp_path / "out" / "report.md").read_text()


def test_filter_rerank_keeps_every_tie_at_the_cut() -> None:
    """Regression: the Real-Binary filter took exactly ``candidates`` codes, so documents as
    near as the last one were cut by their database order (on 20 Newsgroups, the order of the
    groups) rather than re-ranked; now the whole Hamming ball at that distance is re-ranked."""
    from lexiplug.plugins.documents.ranking import filter_rerank

    one_bit = [0b1, 0b10, 0b100, 0b1000]
    database_codes = np.array([[c] for c in one_bit] + [[0xFE], [0xFF]], dtype=np.uint8)
    query_codes = np.zeros((1, 1), dtype=np.uint8)
    database_vectors = np.eye(6, dtype=np.float32)
    query_vectors = database_vectors[[3]] + 0.1 * database_vectors[[2]]
    order = filter_rerank(query_codes, database_codes, query_vectors, database_vectors, 2)
    assert order[0].tolist()[:2] == [3, 2]  # the four tied at distance 1 were all re-ranked
    assert sorted(order[0].tolist()[:4]) == [0, 1, 2, 3] and order[0].tolist()[4:] == [4, 5]


def test_filter_rerank_by_radius_reranks_exactly_that_ball() -> None:
    """A radius filter re-ranks every code within the radius and leaves the rest in Hamming
    order; radius 0 here holds nothing, so the order is the Hamming order."""
    from lexiplug.plugins.documents.hamming import hamming_ranking
    from lexiplug.plugins.documents.ranking import filter_rerank

    database_codes = np.array([[0b1], [0b11], [0b111], [0b1111]], dtype=np.uint8)
    query_codes = np.zeros((1, 1), dtype=np.uint8)
    database_vectors = np.eye(4, dtype=np.float32)
    query_vectors = database_vectors[[2]] + 0.1 * database_vectors[[1]]
    by_radius = filter_rerank(query_codes, database_codes, query_vectors, database_vectors,
                              candidates=1, radius=3)
    assert by_radius[0].tolist() == [2, 1, 0, 3]  # distances 1, 2, 3 re-ranked; 4 stays last
    assert (filter_rerank(query_codes, database_codes, query_vectors, database_vectors,
                          candidates=4, radius=0)
            == hamming_ranking(query_codes, database_codes)).all()
