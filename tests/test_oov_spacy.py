"""The spaCy side of plugins/oov: ``lexiplug_embed`` with static vectors and a byte encoder
gives every token a vector and flags the inferred ones in ``token._.lexiplug_inferred``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

spacy = pytest.importorskip("spacy")

from tests.test_oov import planted_split, trained_on_planted  # noqa: E402


@pytest.fixture
def pipeline(tmp_path: Path):  # type: ignore[no-untyped-def]
    table = planted_split()[0]
    vectors_path = table.save(tmp_path / "table", format="native")
    encoder_path = trained_on_planted().save(tmp_path / "encoder")
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_embed", config={"source": {
        "@misc": "lexiplug.vectors.v1", "name_or_path": str(vectors_path),
        "oov_encoder": str(encoder_path)}})
    return nlp


def test_every_token_gets_a_vector_and_inferred_ones_are_flagged(pipeline) -> None:  # type: ignore[no-untyped-def]
    table = planted_split()[0]
    known, unknown = table.keys[0], planted_split()[1][0]
    doc = pipeline(f"{known} {unknown} ")
    assert [t._.lexiplug_inferred for t in doc] == [False, True]
    assert all(t.has_vector for t in doc)
    np.testing.assert_array_equal(doc[0].vector, table.vector(known))
    np.testing.assert_allclose(doc[1].vector, trained_on_planted().encode([unknown])[0],
                               rtol=1e-6)


def test_the_encoder_travels_with_the_saved_pipeline(pipeline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    unknown = planted_split()[1][0]
    before = pipeline(unknown)[0].vector
    pipeline.to_disk(tmp_path / "nlp")
    for folder in ("table", "encoder"):  # the original paths are gone
        for file in (tmp_path / folder).iterdir():
            file.unlink()
    loaded = spacy.load(tmp_path / "nlp")
    doc = loaded(unknown)
    assert doc[0]._.lexiplug_inferred
    np.testing.assert_array_equal(doc[0].vector, before)


def test_without_an_encoder_nothing_is_flagged(tmp_path: Path) -> None:
    vectors_path = planted_split()[0].save(tmp_path / "table", format="native")
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_embed", config={"source": {
        "@misc": "lexiplug.vectors.v1", "name_or_path": str(vectors_path)}})
    doc = nlp("zzzz abc")
    assert not doc[0]._.lexiplug_inferred and not doc[0].has_vector
