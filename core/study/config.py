"""Read a study config: sections, name references and overrides, checked before any work.

A study names its parts in sections (``[corpora.*]``, ``[embedders.*]``, ``[transforms.*]``,
``[evaluate.*]``, ``[report]``, ``[study]``) and wires them by name (``corpus = "gutenberg"``,
``input = "glove"``), never by ``${...}`` interpolation, which would build an object twice.
This module turns the text into a :class:`StudyConfig` of plain blocks with their references
split off; :mod:`lexiplug.study.plan` resolves the blocks through the registry.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataNotFoundError

STEP_SECTIONS = ("corpora", "embedders", "transforms", "evaluate", "doc_embedders")
KNOWN_SECTIONS = (*STEP_SECTIONS, "report", "study", "output", "engine")
STUDY_KEYS = ("name", "seed", "cache")
OUTPUT_KEYS = ("path", "format", "checkpoint_dir", "save_state")
REGISTRY_KEY = {
    "corpora": "@corpora",
    "embedders": "@embedders",
    "encoders": "@encoders",  # not a study section: resolved by the spaCy bridge
    "transforms": "@transforms",
    "evaluate": "@evaluators",
    "engine": "@engines",
    "doc_embedders": "@doc_embedders",
}
_HEADER = re.compile(r"^\s*\[([^\]]+)\]\s*$", re.MULTILINE)


@dataclass
class Block:
    """One named section: its registry function, its own settings, and what it refers to."""

    section: str
    name: str
    function: str
    settings: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        # [engine] is a single block, not a family of named ones
        return f"{self.section}.{self.name}" if self.name else self.section


@dataclass
class StudyConfig:
    """A study config split into blocks; ``raw`` keeps the text's values for results.json."""

    path: Path
    name: str
    seed: int
    corpora: dict[str, Block]
    embedders: dict[str, Block]
    transforms: dict[str, Block]
    evaluate: dict[str, Block]
    report: dict[str, Any]
    study: dict[str, Any]
    raw: dict[str, Any]
    output: dict[str, Any] = field(default_factory=dict)  # ``lexiplug train``'s [output]
    engine: Block | None = None  # [engine]: where heavy work runs (default: this process)
    doc_embedders: dict[str, Block] = field(default_factory=dict)  # rows of DocVectors

    def blocks(self) -> list[Block]:
        return [
            *self.corpora.values(), *self.embedders.values(),
            *self.transforms.values(), *self.evaluate.values(), *self.doc_embedders.values(),
        ]


def load_study_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> StudyConfig:
    """Parse ``path`` with ``overrides`` (``{"embedders.glove.dim": 50}``) into blocks."""
    from confection import Config, ConfigValidationError

    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"config file {str(path)!r} does not exist or is not a file",
                                where="CONFIG")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"study config is not UTF-8 text ({error})", where=str(path)) from None
    text = _with_parent_sections(text)
    overrides = dict(overrides or {})
    if overrides:
        _check_override_sections(text, overrides, path)
    try:
        raw = Config().from_str(text, interpolate=True, overrides=overrides)
    except ConfigValidationError as error:
        raise ConfigError(_short(error), where=str(path)) from None
    except Exception as error:  # confection's parser raises several plain exception types
        raise ConfigError(f"cannot parse the study config: {error}", where=str(path)) from None
    return split_study_config(dict(raw), path)


def split_study_config(raw: dict[str, Any], path: Path) -> StudyConfig:
    """Check section names and split each step block into settings and references."""
    unknown = sorted(set(raw) - set(KNOWN_SECTIONS))
    if unknown:
        raise ConfigError(
            f"unknown section(s) {', '.join(unknown)};{did_you_mean(unknown[0], KNOWN_SECTIONS)}"
            f" a study config has {', '.join(f'[{s}]' for s in KNOWN_SECTIONS)}",
            where=unknown[0],
        )
    study = dict(raw.get("study") or {})
    _check_keys(study, STUDY_KEYS, "study")
    _check_cache(study.get("cache"))
    output = dict(raw.get("output") or {})
    _check_keys(output, OUTPUT_KEYS, "output")
    _check_output(output)
    seed = study.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ConfigError(f"seed must be an integer, found {seed!r}", where="study.seed")
    name = str(study.get("name") or path.stem)
    if not re.fullmatch(r"[\w.\-]+", name):
        raise ConfigError(f"study name must be letters, digits, '_', '-' or '.', found {name!r}",
                          where="study.name")
    blocks = {section: _blocks(section, raw.get(section) or {}) for section in STEP_SECTIONS}
    if not blocks["embedders"] and not blocks["doc_embedders"]:
        raise ConfigError("a study needs at least one [embedders.NAME] (or "
                          "[doc_embedders.NAME]) section", where="embedders")
    report = dict(raw.get("report") or {})
    _check_report(report)
    engine = _engine_block(raw.get("engine"))
    return StudyConfig(
        path=path, name=name, seed=seed,
        corpora=blocks["corpora"], embedders=blocks["embedders"],
        transforms=blocks["transforms"], evaluate=blocks["evaluate"],
        report=report, study=study, raw=raw, output=output, engine=engine,
        doc_embedders=blocks["doc_embedders"],
    )


def _engine_block(entry: Any) -> Block | None:
    """``[engine]``: one block naming a registered engine, or None when the section is absent."""
    if entry is None:
        return None
    if not isinstance(entry, Mapping):
        raise ConfigError(f"expected a section [engine], found a value {entry!r}", where="engine")
    settings = dict(entry)
    function = settings.pop("@engines", None)
    if not isinstance(function, str):
        raise ConfigError('expected @engines = "lexiplug.ray.v1" (or "lexiplug.local.v1") in '
                          "[engine]", where="engine")
    return Block("engine", "", function, settings)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` did you mean 'x'?`` for the closest of ``known``, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" did you mean {close[0]!r}?" if close else ""


def _check_keys(section: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    """Unknown keys are errors: a misspelt ``sed = 3`` would otherwise be silently ignored."""
    for key in section:
        if key not in known:
            raise ConfigError(
                f"unknown option {key!r};{did_you_mean(key, known)} [{where}] takes "
                f"{', '.join(known)}", where=f"{where}.{key}",
            )


def _check_output(output: dict[str, Any]) -> None:
    """``lexiplug train``'s [output]: paths are strings, the format one we can write."""
    from ..vectors.formats import canonical_format

    for key in ("path", "checkpoint_dir"):
        value = output.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise ConfigError(f"expected a path (a string), found {value!r}",
                              where=f"output.{key}")
    if "format" in output:
        try:
            canonical_format(str(output["format"]))
        except ConfigError as error:
            raise ConfigError(error.message, where="output.format") from None


def _check_cache(cache: Any) -> None:
    """``cache`` is true, false or a folder; anything else would fail only after training."""
    if cache is None or isinstance(cache, bool):
        return
    if isinstance(cache, str) and (cache == "" or (cache.isprintable() and cache.strip())):
        return
    raise ConfigError(
        f"expected true, false or a folder path (a string), found {cache!r}",
        where="study.cache",
    )


def _check_override_sections(text: str, overrides: Mapping[str, Any], path: Path) -> None:
    """An override must name an existing section; a misspelt one gets a did-you-mean.

    confection's own message ("not a section value that can be overridden") names neither
    the close match nor what exists; keys inside an existing section are checked against the
    factory's arguments later, by :mod:`lexiplug.study.plan`.
    """
    from confection import Config

    try:
        sections = _section_paths(dict(Config().from_str(text, interpolate=False)))
    except Exception:  # a broken config is reported by the full parse that follows
        return
    for key in overrides:
        section = key.rpartition(".")[0]
        if section and section not in sections:
            raise ConfigError(
                f"override --{key}: the config has no section [{section}];"
                f"{did_you_mean(section, sections)} sections: {', '.join(sorted(sections))}",
                where=f"--{key}",
            )


def _section_paths(config: Mapping[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for name, value in config.items():
        if isinstance(value, Mapping):
            full = f"{prefix}{name}"
            paths.append(full)
            paths.extend(_section_paths(value, f"{full}."))
    return paths


def _check_report(report: dict[str, Any]) -> None:
    """The [report] options, checked now so a typo cannot fail a study after training."""
    known = {"projection", "plots", "word_groups", "professions", "bootstrap_resamples"}
    unknown = sorted(set(report) - known)
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]!r}; [report] takes "
                          f"{', '.join(sorted(known))}", where=f"report.{unknown[0]}")
    projection = str(report.get("projection", "pca")).lower()
    if projection not in ("pca", "tsne"):
        raise ConfigError(f"projection must be 'pca' or 'tsne', found {projection!r}",
                          where="report.projection")
    groups = report.get("word_groups", {})
    if not isinstance(groups, dict) or not all(
        isinstance(words, list) and all(isinstance(w, str) for w in words)
        for words in groups.values()
    ):
        raise ConfigError("word_groups must be a section of name = [\"word\", ...] lines",
                          where="report.word_groups")
    professions = report.get("professions", [])
    if not isinstance(professions, list) or not all(isinstance(w, str) for w in professions):
        raise ConfigError("professions must be a list of words", where="report.professions")
    resamples = report.get("bootstrap_resamples", 1000)
    if not isinstance(resamples, int) or isinstance(resamples, bool) or resamples < 100:
        raise ConfigError(f"bootstrap_resamples must be an integer >= 100, found {resamples!r}",
                          where="report.bootstrap_resamples")


def _blocks(section: str, entries: Mapping[str, Any]) -> dict[str, Block]:
    key = REGISTRY_KEY[section]
    blocks: dict[str, Block] = {}
    for name, entry in entries.items():
        where = f"{section}.{name}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"expected a section [{where}], found a value {entry!r}",
                              where=where)
        if not re.fullmatch(r"[\w\-]+", name):
            raise ConfigError(f"section names must be letters, digits, '_' or '-', found {name!r}",
                              where=where)
        settings = dict(entry)
        function = settings.pop(key, None)
        if not isinstance(function, str):
            raise ConfigError(f'expected {key} = "registered.name.v1" in [{where}]', where=where)
        blocks[name] = Block(section, name, function, settings)
    return blocks


def _with_parent_sections(text: str) -> str:
    """Declare the parent sections confection wants (``[embedders]`` before ``[embedders.x]``).

    Users write only the sections that hold something; the headers are added at the top so
    the user's line numbers shift by the same amount everywhere.
    """
    present = {match.group(1).strip() for match in _HEADER.finditer(text)}
    missing: list[str] = []
    for header in present:
        parts = header.split(".")
        for depth in range(1, len(parts)):
            parent = ".".join(parts[:depth])
            if parent not in present and parent not in missing:
                missing.append(parent)
    if not missing:
        return text
    return "".join(f"[{parent}]\n" for parent in sorted(missing, key=len)) + "\n" + text


def _short(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return "; ".join(lines) or type(error).__name__
