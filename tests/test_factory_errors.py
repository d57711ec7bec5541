"""One rule for error locations, checked for every registered factory.

A factory names only its own argument (``where="window"``); the code that resolves the block
(here the study planner) adds the block path, so a user reads exactly
``<section>.<name>.<argument>``: never ``embedders.glove.embedder.window``. The cases are
generated from the registry: every argument of every registered corpus reader, embedder,
encoder, transform and evaluator gets values of the wrong type or out of range, and each
rejection must be located at that argument.
"""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lexiplug.errors import LexiplugError
from lexiplug.registry import registry
from lexiplug.study.config import Block, split_study_config
from lexiplug.study.plan import build_plan, resolve_block
from lexiplug.vectors import Vectors

SECTIONS = {"corpora": "corpora", "embedders": "embedders", "encoders": "encoders",
            "transforms": "transforms", "evaluators": "evaluate"}
# Wrong for every annotation but Any: a string no choice matches, a negative number, a
# nested list; one of them must be refused by each typed argument.
BAD_VALUES: tuple[Any, ...] = ("not-a-valid-value", -7, [["nested"]])
NAME = "x"


def registered() -> list[tuple[str, str]]:
    return [(section, name) for section in SECTIONS
            for name in registry.section(section).names()
            if not name.startswith("test_")]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("factory_errors")
    text = folder / "corpus.txt"
    text.write_text("the cat sat on the mat\nthe dog sat\n", encoding="utf-8")
    words = ["the", "cat", "sat", "on", "mat", "dog"]
    vectors = folder / "vectors.txt"
    Vectors(words, np.eye(len(words), dtype=np.float32)).save(vectors, format="word2vec-text")
    found = {"text": str(text), "vectors": str(vectors)}
    try:  # a saved (untrained) word-pooled LM for lexiplug.lm_word_vectors.v1
        from lexiplug.plugins.lm.model import LanguageModel
        from lexiplug.plugins.lm.schemes import WordPooledBytesScheme
        from lexiplug.plugins.lm.settings import LMSettings

        settings = LMSettings(output="", dim=8, layers=1, heads=2, context=8)
        scheme = WordPooledBytesScheme(max_word_bytes=4, filters=4, hidden=8, decoder_dim=4)
        found["lm_model"] = str(LanguageModel(settings, scheme).prepare("the cat")
                                .save(folder / "lm"))
    except ImportError:  # torch is not installed
        pass
    try:
        from lexiplug.plugins.contextual.testing import build_tiny_bert

        found["model"] = str(build_tiny_bert(folder / "bert"))
    except ImportError:  # the contextual extra is not installed
        pass
    return found


def required_values(function: Any, files: dict[str, str]) -> dict[str, Any]:
    """Valid values for the arguments without a default (files built by the fixture)."""
    by_name = {"path": files["text"], "paths": [files["text"]]}
    if "pretrained" in getattr(function, "__module__", ""):
        by_name["path"] = files["vectors"]
    if ".plugins.lm." in getattr(function, "__module__", "") and "lm_model" in files:
        by_name["path"] = files["lm_model"]
    if "table" in inspect.signature(function).parameters:  # visual features: one source
        by_name["table"] = files["vectors"]
    # decoder-LM encoders refuse an encoder model (by design): give them a causal one
    model = "causal_model" if "decoders" in getattr(function, "__module__", "") else "model"
    for name in ("model", "model_path"):
        if model in files:
            by_name[name] = files[model]
    values = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.default is inspect.Parameter.empty or parameter.name == "table":
            if parameter.name not in by_name:
                pytest.skip(f"no valid value known for required argument {parameter.name!r}")
            values[parameter.name] = by_name[parameter.name]
    return values


def typed_arguments(function: Any) -> list[str]:
    hints = typing.get_type_hints(function)
    return [name for name in inspect.signature(function).parameters
            if hints.get(name, Any) is not Any and name not in ("progress", "verbose")]


def resolve(section: str, function_name: str, settings: dict[str, Any],
            files: dict[str, str]) -> None:
    """Resolve one block the way the study does (the encoder as the planner's own block)."""
    block_section = SECTIONS[section]
    if section == "encoders":
        resolve_block(Block("encoders", NAME, function_name, settings), seed=0, quiet=True)
        return
    key = {"corpora": "@corpora", "embedders": "@embedders", "transforms": "@transforms",
           "evaluate": "@evaluators"}[block_section]
    raw: dict[str, Any] = {
        "corpora": {"tiny": {"@corpora": "lexiplug.text_file.v1", "path": files["text"]}},
        "embedders": {"base": {"@embedders": "lexiplug.pretrained.v1",
                               "path": files["vectors"]}},
    }
    block = {key: function_name, **settings}
    if block_section == "embedders":
        block.setdefault("corpus", "tiny")
    elif block_section == "transforms":
        block.setdefault("input", "base")
    elif block_section == "evaluate":
        block.setdefault("datasets", [])
    raw.setdefault(block_section, {})[NAME] = block
    build_plan(split_study_config(raw, Path("factory_errors.cfg")), quiet=True)


@pytest.mark.parametrize(("section", "function_name"), registered())
def test_every_bad_argument_is_located_at_section_name_argument(
    section: str, function_name: str, files: dict[str, str]
) -> None:
    function = registry.section(section).get(function_name)
    base = required_values(function, files)
    resolve(section, function_name, dict(base), files)  # the base settings are valid
    problems = []
    for argument in typed_arguments(function):
        expected = f"{SECTIONS[section]}.{NAME}.{argument}"
        refused = []
        for value in BAD_VALUES:
            try:
                resolve(section, function_name, {**base, argument: value}, files)
            except LexiplugError as error:
                refused.append(value)
                if error.where != expected:
                    problems.append(f"{argument}={value!r} located at {error.where!r}: {error}")
        if not refused:
            problems.append(f"{argument}: every bad value was accepted")
    assert not problems, f"{function_name}, expected {SECTIONS[section]}.{NAME}.<argument>:\n" \
        + "\n".join(problems)


def test_the_spacy_bridge_locates_encoder_errors_at_its_options(files: dict[str, str]) -> None:
    from lexiplug.spacy_bridge import lexiplug_embedder

    if "model" not in files:
        pytest.skip("the contextual extra (transformers) is not installed")
    build = lexiplug_embedder("lexiplug.transformer.v1",
                              {"model_path": files["model"], "pooling": "sideways"})
    with pytest.raises(LexiplugError) as caught:
        build()
    assert caught.value.where == "lexiplug.embedder.v1.options.pooling"
