"""PII task: GCN layer, BIO decoding, pattern recogniser, label mapping, redaction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lexiplug.plugins.tasks.pii.bio import (
    is_well_formed,
    spans_from_tags,
    tags_from_spans,
    viterbi_decode,
)
from lexiplug.plugins.tasks.pii.labels import PII_LABELS, bio_tags, labels_annotated_by, map_label
from lexiplug.plugins.tasks.pii.patterns import find_patterns, iban_checksum_ok, luhn_ok

TAGS = bio_tags(PII_LABELS)


def test_gcn_layer_matches_hand_computed_graph() -> None:
    torch = pytest.importorskip("torch")
    import spacy
    from lexiplug.plugins.tasks.pii.features import dependency_edges
    from lexiplug.plugins.tasks.pii.model import GCNLayer
    from spacy.tokens import Doc

    # path graph 0 <- 1 -> 2 (token 1 is the root), plus an isolated-root doc of one token
    doc = Doc(spacy.blank("en").vocab, words=["a", "b", "c"], heads=[1, 1, 1],
              deps=["x", "ROOT", "y"])
    edges = torch.from_numpy(dependency_edges(doc))
    layer = GCNLayer(2, 2)
    with torch.no_grad():
        layer.linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
        layer.bias.copy_(torch.tensor([0.5, -10.0]))
    h = torch.tensor([[1.0, 1.0], [2.0, 0.0], [4.0, -1.0]])
    # W h = [[1,2],[2,0],[4,-2]]; Ã rows: 0:{0,1} 1:{0,1,2} 2:{1,2}; d = [2,3,2]
    expected = torch.tensor([
        [(1 + 2) / 2 + 0.5, max((2 + 0) / 2 - 10.0, 0.0)],
        [(1 + 2 + 4) / 3 + 0.5, 0.0],
        [(2 + 4) / 2 + 0.5, 0.0],
    ])
    out = layer(h, edges)
    assert torch.allclose(out, expected)


def test_linear_chain_fallback_without_parse() -> None:
    import spacy
    from lexiplug.plugins.tasks.pii.features import dependency_edges

    doc = spacy.blank("en")("one two three")
    pairs = {tuple(p) for p in dependency_edges(doc).T.tolist()}
    assert pairs == {(0, 0), (1, 1), (2, 2), (0, 1), (1, 0), (1, 2), (2, 1)}
    assert dependency_edges(doc, linear_fallback=False).shape[1] == 3  # self loops only


@settings(max_examples=60)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6),
       st.integers(min_value=0, max_value=2**32 - 1))
def test_viterbi_output_is_always_well_formed(lengths: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = [rng.normal(size=(n, len(TAGS))) * 5 for n in lengths]
    # push I- tags to win greedily, so the constraint has work to do
    for s in scores:
        s[:, 2::2] += 3.0
    paths = viterbi_decode(scores, TAGS, max_cells=64)
    assert [len(p) for p in paths] == lengths
    for path in paths:
        assert is_well_formed(path, TAGS)


def test_viterbi_picks_best_legal_path() -> None:
    tags = ("O", "B-X", "I-X")
    log_probs = np.log(np.array([[0.1, 0.2, 0.7], [0.1, 0.1, 0.8]]))
    (path,) = viterbi_decode([log_probs], tags)
    assert path.tolist() == [1, 2]  # I-X cannot start; B-X I-X beats O I-X (illegal)


def test_tags_spans_round_trip() -> None:
    spans = [(0, 2, "PERSON"), (3, 4, "EMAIL"), (5, 8, "ADDRESS")]
    ids = tags_from_spans(9, spans, TAGS)
    assert spans_from_tags(ids, TAGS) == spans
    assert is_well_formed(ids, TAGS)


@pytest.mark.parametrize(("text", "expected"), [
    ("mail me: jan.de-vries+pii@mail.example.nl.", [("jan.de-vries+pii@mail.example.nl",
                                                    "EMAIL")]),
    ("ping @real_user but not foo@bar.com", [("@real_user", "USERNAME"),
                                              ("foo@bar.com", "EMAIL")]),
    ("see (https://example.org/a?b=1).", [("https://example.org/a?b=1", "URL")]),
    ("bel +31 6 12345678 of 020-1234567", [("+31 6 12345678", "PHONE"),
                                           ("020-1234567", "PHONE")]),
    ("call +1 (415) 555-0132 now", [("+1 (415) 555-0132", "PHONE")]),
    ("IBAN NL91 ABNA 0417 1643 00 ok", [("NL91 ABNA 0417 1643 00", "ID_NUMBER")]),
    ("card 4111-1111-1111-1111!", [("4111-1111-1111-1111", "ID_NUMBER")]),
    ("born 12/03/1990 at 10:30", [("12/03/1990", "DATE")]),
    ("bel 0490 75 40 81 of 467-3395", [("0490 75 40 81", "PHONE"), ("467-3395", "PHONE")]),
    ("at 370 3911 Fourth Ave, ssn 123-45-6789, ip 10.1.12.200", []),
    ("seen 1978-07-13 07:00:28; not 13/13/1990, 2024-13-01 or 1/2/90", [
        ("1978-07-13 07:00:28", "DATE")]),
    ("bad iban NL91ABNA0417164301, bad card 4111 1111 1111 1112", []),
    ("just an @ sign and 2024", []),
])
def test_pattern_recogniser_tricky_cases(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(text[h.start:h.end], h.label) for h in find_patterns(text)] == expected


def test_checksums() -> None:
    assert iban_checksum_ok("GB82 WEST 1234 5698 7654 32")
    assert not iban_checksum_ok("GB82 WEST 1234 5698 7654 33")
    assert luhn_ok("4012888888881881") and not luhn_ok("4012888888881882")


def test_label_mapping_is_documented_and_total() -> None:
    assert map_label("presidio", "STREET_ADDRESS") == "ADDRESS"
    assert map_label("presidio", "IBAN_CODE") == "ID_NUMBER"
    assert map_label("presidio", "AGE") is None
    assert map_label("wnut17", "person") == "PERSON"
    assert map_label("btc", "ORG") == "ORGANIZATION"
    assert map_label("wnut16", "geo-loc") == "ADDRESS"
    assert set(labels_annotated_by("btc")) == {"PERSON", "ADDRESS", "ORGANIZATION", "USERNAME"}
    from lexiplug.errors import ConfigError

    with pytest.raises(ConfigError):
        map_label("nope", "PERSON")


def test_redact_replaces_spans_with_typed_placeholders() -> None:
    import spacy
    from lexiplug.plugins.tasks.pii import redact
    from spacy.tokens import Span

    doc = spacy.blank("en")("Mail anna@example.com or call Anna Smith today")
    doc.spans["pii"] = [Span(doc, 1, 2, label="EMAIL"), Span(doc, 4, 6, label="PERSON")]
    assert redact(doc) == "Mail [EMAIL] or call [PERSON] today"
    empty = spacy.blank("en")("")
    empty.spans["pii"] = []
    assert redact(empty) == ""


def test_date_like_soft_recogniser() -> None:
    from lexiplug.plugins.tasks.pii.patterns import find_date_like

    text = "born 7/14/1995 on Thursday, 1978-07-13 07:00:28, in 2014; call 555-1234 mayor 12345"
    found = [text[s:e] for s, e in find_date_like(text)]
    assert found == ["7/14/1995", "Thursday", "1978-07-13", "07:00:28", "2014"]


def test_lexicon_flags_mark_first_names_and_date_tokens() -> None:
    import spacy
    from lexiplug.plugins.tasks.pii.features import (
        DATE_LIKE_FLAG,
        FIRST_NAME_FLAG,
        token_lexicon_flags,
    )
    from spacy.strings import hash_string

    doc = spacy.blank("en")("ANNA met Bob on 12/03/1990 in Utrecht")
    names = np.array(sorted(hash_string(n) for n in ("anna", "bob")), dtype=np.uint64)
    flags = token_lexicon_flags(doc, names)
    expected = np.zeros(len(doc), dtype=np.int64)
    expected[[0, 2]] = FIRST_NAME_FLAG
    expected[4] = DATE_LIKE_FLAG
    assert flags.tolist() == expected.tolist()
    assert token_lexicon_flags(doc, None)[[0, 2]].tolist() == [0, 0]


@pytest.mark.data
def test_first_name_gazetteer_reads_the_shared_lists() -> None:
    from lexiplug.plugins.tasks.pii.gazetteer import FIRST_NAMES_DIR, first_name_hashes
    from spacy.strings import hash_string

    from tests.helpers import require_data

    require_data(FIRST_NAMES_DIR)
    hashes = set(first_name_hashes())
    assert hash_string("aaron") in hashes and hash_string("utrecht") not in hashes
    assert len(hashes) > 5000


def test_presidio_spans_past_the_text_are_a_clean_error(tmp_path) -> None:
    """#27 item 6: a span past the end of full_text raised IndexError in prepare."""
    import json

    from lexiplug.errors import FormatError
    from lexiplug.plugins.tasks.pii.prepare import read_presidio

    path = tmp_path / "synth.json"
    path.write_text(json.dumps([{"full_text": "hi Jan", "template_id": 1, "spans": [
        {"entity_type": "PERSON", "start_position": 3, "end_position": 40}]}]), "utf-8")
    with pytest.raises(FormatError, match=r"sample 0: span 0: .*found 3\.\.40"):
        read_presidio(path)
    path.write_bytes(b'[{"full_text": "caf\xe9"}]')
    with pytest.raises(FormatError, match="UTF-8"):
        read_presidio(path)


WNUT_FILE = ("Going\tO\nto\tO\nParis\tB-location\nwith\tO\nAnna\tB-person\nSmith\tI-person\n"
             "\n@bob\tO\nhi\tO\n")
BTC_FILE = "Met\tO\nAnna\tB-PER\nin\tO\nLeeds\tB-LOC\n\n"


@pytest.mark.parametrize(("text", "scheme", "expected"), [
    (WNUT_FILE, "wnut17", {("Paris", "ADDRESS"), ("Anna Smith", "PERSON"), ("@bob", "USERNAME")}),
    (BTC_FILE, "btc", {("Anna", "PERSON"), ("Leeds", "ADDRESS")}),
])
def test_held_out_conll_files_are_read_in_their_own_scheme(tmp_path, text, scheme, expected
                                                           ) -> None:
    """A WNUT-17 file read with the BTC mapping lost every entity (the bench then scored
    only @handles); the scheme now comes from the file's own tags."""
    import spacy
    from lexiplug.plugins.tasks.pii.prepare import conll_eval_docs

    path = tmp_path / "eval.conll"
    path.write_text(text, encoding="utf-8")
    used, docs = conll_eval_docs(spacy.blank("en"), path)
    assert used == scheme
    assert {(s.text, s.label_) for d in docs for s in d.spans["pii"]} == expected


def test_held_out_conll_tags_outside_the_scheme_are_refused_with_their_line(tmp_path) -> None:
    import spacy
    from lexiplug.errors import FormatError
    from lexiplug.plugins.tasks.pii.prepare import conll_eval_docs

    mixed = tmp_path / "mixed.conll"
    mixed.write_text("Anna\tB-person\nLeeds\tB-LOC\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"mixed\.conll:2.*'LOC'"):
        conll_eval_docs(spacy.blank("en"), mixed)
    wnut = tmp_path / "wnut.conll"
    wnut.write_text(WNUT_FILE, encoding="utf-8")
    with pytest.raises(FormatError, match=r"wnut\.conll:3.*'location' is not in the btc scheme"):
        conll_eval_docs(spacy.blank("en"), wnut, scheme="btc")


def test_extra_presidio_records_never_share_a_held_out_template() -> None:
    """generated_large.json numbers its templates its own way; the split must go by text."""
    from lexiplug.plugins.tasks.pii.prepare import records_from_unseen_templates, template_key

    assert template_key("Call {{person}} at  {{phone_number}}") == \
        template_key("call {{first_name}} at {{phone}}")
    held_out = [{"masked": "Call {{person}} at {{phone}}", "template_id": 3}]
    extra = [{"masked": "CALL {{name}} at {{number}}", "template_id": 100},
             {"masked": "Visit {{url}}", "template_id": 3}]
    kept, dropped = records_from_unseen_templates(extra, held_out)
    assert [r["masked"] for r in kept] == ["Visit {{url}}"] and dropped == 1


def test_flag_options_take_json_booleans_only() -> None:
    from lexiplug.errors import ConfigError
    from lexiplug.plugins.tasks.inputs import flag_option

    assert flag_option(True, "presidio_large") is True
    with pytest.raises(ConfigError) as error:
        flag_option(1, "presidio_large")
    assert error.value.where == "presidio_large"
