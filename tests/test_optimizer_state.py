"""Adam's state of a spaCy pipeline, keyed by parameter position, for exact resumes."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from lexiplug.errors import TrainingError
from lexiplug.optimizer_state import optimizer_state, restore_optimizer_state
from spacy.training import Example


def _trained(architecture: str, updates: int) -> tuple[spacy.Language, object]:
    nlp = spacy.blank("en")
    model = {"@architectures": architecture, "exclusive_classes": True, "ngram_size": 1,
             "no_output_layer": False, "length": 1024}
    nlp.add_pipe("textcat", config={"model": model})
    examples = [Example.from_dict(nlp.make_doc(text), {"cats": {"A": float(a), "B": float(not a)}})
                for text, a in (("good fine", True), ("bad awful", False))]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(updates):
        nlp.update(examples, sgd=optimizer)
    return nlp, optimizer


def test_state_moves_to_another_process_layout_of_the_same_pipeline() -> None:
    nlp, optimizer = _trained("spacy.TextCatBOW.v3", 3)
    state, arrays = optimizer_state(optimizer, nlp)
    assert state["nr_update"] and all(n == 3 for n in state["nr_update"].values())
    fresh, fresh_optimizer = _trained("spacy.TextCatBOW.v3", 0)  # other node ids
    restore_optimizer_state(fresh_optimizer, fresh, state, arrays)
    again_state, again_arrays = optimizer_state(fresh_optimizer, fresh)
    assert again_state == state
    assert sorted(again_arrays) == sorted(arrays)
    for key, value in arrays.items():
        assert np.array_equal(again_arrays[key], value), key


def test_a_state_of_another_pipeline_is_refused() -> None:
    nlp, optimizer = _trained("spacy.TextCatBOW.v3", 1)
    state, arrays = optimizer_state(optimizer, nlp)
    other = spacy.blank("en")
    other.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatReduce.v1", "exclusive_classes": True,
        "use_reduce_first": False, "use_reduce_last": False, "use_reduce_max": False,
        "use_reduce_mean": True,
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
                    "width": 8, "depth": 1, "embed_size": 100, "window_size": 1,
                    "maxout_pieces": 2, "subword_features": False}}})
    other.initialize(lambda: [Example.from_dict(other.make_doc("x"), {"cats": {"A": 1.0,
                                                                               "B": 0.0}})])
    with pytest.raises(TrainingError, match="another pipeline") as caught:
        restore_optimizer_state(other.create_optimizer(), other, state, arrays)
    assert caught.value.where == "optimizer state"


def test_a_pipeline_starting_with_a_rule_component_round_trips() -> None:
    nlp, optimizer = _trained("spacy.TextCatBOW.v3", 2)
    state, arrays = optimizer_state(optimizer, nlp)
    fresh, fresh_optimizer = _trained("spacy.TextCatBOW.v3", 0)
    fresh.add_pipe("sentencizer", first=True)  # no model: the state must not need one there
    restore_optimizer_state(fresh_optimizer, fresh, state, arrays)
    assert optimizer_state(fresh_optimizer, fresh)[0] == state
