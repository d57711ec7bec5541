"""Turn a :class:`StudyConfig` into a checked plan: objects built, references and data found.

Everything that can be wrong with a study is found here, before any training starts: unknown
section references (the error lists the known names), unknown registered names (the
registry's error), arguments a factory rejects, missing datasets, and reference cycles.
"""

from __future__ import annotations

import copy
import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from ..contracts import Dataset, ListsDatasets
from ..errors import ConfigError, LexiplugError, RegistryError
from ..registry import registry
from .config import REGISTRY_KEY, Block, StudyConfig, did_you_mean

_SLICE = re.compile(r"^(?P<base>[\w\-]+)\[(?P<slice>[^\]]+)\]$")
_REGISTRY_SECTION = {"corpora": "corpora", "embedders": "embedders", "encoders": "encoders",
                     "transforms": "transforms", "evaluate": "evaluators",
                     "engine": "engines", "doc_embedders": "doc_embedders"}
_EVALUATE_KEYS = ("datasets", "dataset", "rows")


@dataclass
class RowRef:
    """A reference to rows: a whole node (``glove``) or one slice of it (``cade[austen]``)."""

    node: str
    slice: str | None = None


@dataclass
class PlannedStep:
    """A block with its built object, its filled config and the nodes it reads."""

    block: Block
    obj: Any
    filled: dict[str, Any]
    arguments: frozenset[str] = frozenset()  # the factory's parameter names
    corpora: list[str] = field(default_factory=list)  # embedders
    corpus_is_list: bool = False
    input: RowRef | None = None  # transforms
    refs: dict[str, RowRef] = field(default_factory=dict)  # transforms
    label: str = ""  # transforms: the lineage suffix, e.g. "hard_debias"

    @property
    def name(self) -> str:
        return self.block.name


@dataclass
class PlannedEvaluation:
    block: Block
    obj: Any
    filled: dict[str, Any]
    datasets: list[tuple[str | None, Any]]  # (name, DatasetSpec); (None, None) = no dataset
    rows: list[RowRef] | None
    arguments: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.block.name


@dataclass
class StudyPlan:
    config: StudyConfig
    corpora: dict[str, PlannedStep]
    embedders: dict[str, PlannedStep]
    transforms: dict[str, PlannedStep]  # in dependency order
    evaluations: dict[str, PlannedEvaluation]
    engine: PlannedStep | None = None  # [engine]; None runs everything in this process
    doc_embedders: dict[str, PlannedStep] = field(default_factory=dict)

    def node_names(self) -> list[str]:
        return [*self.embedders, *self.transforms, *self.doc_embedders]


def build_plan(config: StudyConfig, *, quiet: bool = False) -> StudyPlan:
    """Resolve every block and reference of ``config``; raise on the first problem."""
    duplicate = sorted(set(config.embedders) & set(config.transforms))
    duplicate += sorted(set(config.doc_embedders) & {*config.embedders, *config.transforms})
    if duplicate:
        raise ConfigError(
            f"{duplicate[0]!r} names two rows (embedder, doc embedder or transform); row names "
            "must be unique",
            where=f"transforms.{duplicate[0]}",
        )
    corpora = {name: resolve_block(block, config.seed, quiet)
               for name, block in config.corpora.items()}
    embedders = {name: _plan_embedder(config, block, quiet)
                 for name, block in config.embedders.items()}
    doc_embedders = {name: _plan_embedder(config, block, quiet)
                     for name, block in config.doc_embedders.items()}
    known_nodes = [*config.embedders, *config.transforms, *config.doc_embedders]
    transforms = _plan_transforms(config, known_nodes, quiet)
    evaluations = {
        name: _plan_evaluation(block, config.seed, known_nodes, quiet)
        for name, block in config.evaluate.items()
    }
    engine = None if config.engine is None else resolve_block(config.engine, config.seed, quiet)
    return StudyPlan(config, corpora, embedders, transforms, evaluations, engine,
                     doc_embedders)


def _plan_embedder(config: StudyConfig, block: Block, quiet: bool) -> PlannedStep:
    """An ``[embedders.*]`` or ``[doc_embedders.*]`` block: its object and its corpus."""
    name = block.name
    settings = dict(block.settings)
    corpus = settings.pop("corpus", None)
    names = _corpus_names(corpus, block, list(config.corpora))
    block.refs = {"corpus": corpus} if corpus is not None else {}
    step = resolve_block(Block(block.section, name, block.function, settings), config.seed,
                         quiet)
    step.block = block
    if corpus is None and _needs_corpus(step.obj):
        raise ConfigError(
            f'{block.function} trains on a corpus: expected corpus = "NAME"; corpora: '
            f"{', '.join(sorted(config.corpora)) or '(none: add a [corpora.NAME] section)'}",
            where=f"{block.where}.corpus",
        )
    step.corpora = names
    step.arguments = step.arguments | {"corpus"}
    step.corpus_is_list = isinstance(corpus, list)
    return step


# -- references ------------------------------------------------------------------------------


def parse_row_ref(value: Any, where: str, known_nodes: list[str]) -> RowRef:
    """``"glove"`` or ``"cade[austen]"`` -> :class:`RowRef`; unknown names list the known."""
    if not isinstance(value, str):
        raise ConfigError(f"expected the name of a row (a string), found {value!r}", where=where)
    match = _SLICE.match(value)
    node, slice_name = (match["base"], match["slice"]) if match else (value, None)
    if node not in known_nodes:
        raise ConfigError(
            f"unknown row {value!r}; known: {', '.join(sorted(known_nodes)) or '(none)'}",
            where=where,
        )
    return RowRef(node, slice_name)


def _corpus_names(corpus: Any, block: Block, known: list[str]) -> list[str]:
    if corpus is None:
        return []
    names = corpus if isinstance(corpus, list) else [corpus]
    for name in names:
        if not isinstance(name, str) or name not in known:
            raise ConfigError(
                f"unknown corpus {name!r}; known: {', '.join(sorted(known)) or '(none)'}",
                where=f"{block.where}.corpus",
            )
    return list(names)


def _plan_transforms(
    config: StudyConfig, known_nodes: list[str], quiet: bool
) -> dict[str, PlannedStep]:
    planned: dict[str, PlannedStep] = {}
    for name, block in config.transforms.items():
        settings = dict(block.settings)
        if "input" not in settings:
            raise ConfigError(
                f'a transform needs input = "ROW"; rows: {", ".join(sorted(known_nodes))}',
                where=f"{block.where}.input",
            )
        input_ref = parse_row_ref(settings.pop("input"), f"{block.where}.input", known_nodes)
        explicit = settings.pop("refs", {}) or {}
        if not isinstance(explicit, dict):
            raise ConfigError("refs must be a section of name = \"ROW\" lines",
                              where=f"{block.where}.refs")
        factory = _factory(block)
        accepted, open_kwargs = _parameters(factory)
        implicit = {
            key: value for key, value in settings.items()
            if not open_kwargs and key not in accepted and isinstance(value, str)
        }
        for key in implicit:
            settings.pop(key)
        refs = {
            key: parse_row_ref(value, f"{block.where}.{key}", known_nodes)
            for key, value in {**implicit, **explicit}.items()
        }
        block.refs = {"input": block.settings["input"], **{k: v for k, v in {
            **implicit, **explicit}.items()}}
        step = resolve_block(Block(block.section, name, block.function, settings), config.seed,
                             quiet)
        step.block = block
        step.input = input_ref
        step.refs = refs
        step.arguments = step.arguments | set(block.refs)
        planned[name] = step
    _assign_labels(planned)
    return {name: planned[name] for name in _transform_order(planned)}


def _assign_labels(transforms: dict[str, PlannedStep]) -> None:
    """Lineage suffix: the registered name's short form, or the section name on a clash."""
    short = {name: _short_function(step.block.function) for name, step in transforms.items()}
    for name, step in transforms.items():
        clash = sum(1 for other in short.values() if other == short[name]) > 1
        step.label = name if clash else short[name]


def _short_function(function: str) -> str:
    parts = function.split(".")
    if len(parts) >= 3 and re.fullmatch(r"v\d+", parts[-1]):
        parts = parts[1:-1]
    return "_".join(parts)


def _transform_order(transforms: dict[str, PlannedStep]) -> list[str]:
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join([*trail[trail.index(name):], name])
            raise ConfigError(f"transforms refer to each other in a cycle: {cycle}",
                              where=f"transforms.{name}")
        state[name] = "visiting"
        step = transforms[name]
        for ref in [step.input, *step.refs.values()]:
            if ref is not None and ref.node in transforms:
                visit(ref.node, [*trail, name])
        state[name] = "done"
        order.append(name)

    for name in transforms:
        visit(name, [])
    return order


def _plan_evaluation(block: Block, seed: int, known_nodes: list[str],
                     quiet: bool) -> PlannedEvaluation:
    settings = dict(block.settings)
    # the study wires datasets and rows itself, even for evaluators that also take them
    taken = {key: settings.pop(key) for key in _EVALUATE_KEYS if key in settings}
    names = taken.get("datasets", taken.get("dataset"))
    if isinstance(names, str):
        names = [names]
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(n, str) for n in names)
    ):
        raise ConfigError(f"datasets must be a list of dataset names, found {names!r}",
                          where=f"{block.where}.datasets")
    step = resolve_block(Block(block.section, block.name, block.function, settings), seed, quiet)
    if names is None:  # the evaluator's own default list, when it has one
        default = step.obj.datasets if isinstance(step.obj, ListsDatasets) else None
        names = list(default) if isinstance(default, (list, tuple)) else []
    datasets = [(name, _dataset_spec(name, f"{block.where}.datasets")) for name in names]
    rows = taken.get("rows")
    row_refs = None
    if rows is not None:
        if isinstance(rows, str):
            rows = [rows]
        row_refs = [parse_row_ref(r, f"{block.where}.rows", known_nodes) for r in rows]
    block.refs = dict(taken)
    return PlannedEvaluation(block, step.obj, step.filled, datasets or [(None, None)], row_refs,
                             step.arguments | set(_EVALUATE_KEYS))


def _dataset_spec(name: str, where: str) -> Any:
    try:
        spec = registry.datasets.get(name)()
    except RegistryError as error:
        raise RegistryError(error.message, where=where) from None
    paths = spec.paths() if isinstance(spec, Dataset) else []
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        from ..errors import DataNotFoundError

        raise DataNotFoundError(f"dataset {name!r} is missing {', '.join(missing)}", where=where)
    return spec


# -- resolving one block ---------------------------------------------------------------------


def _factory(block: Block) -> Any:
    section = registry.section(_REGISTRY_SECTION[block.section])
    try:
        return section.get(block.function)
    except RegistryError as error:
        raise RegistryError(error.message,
                            where=f"{block.where}.{REGISTRY_KEY[block.section]}") from None


def _parameters(factory: Any) -> tuple[set[str], bool]:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return set(), True
    names = {p.name for p in parameters if p.kind is not inspect.Parameter.VAR_KEYWORD}
    return names, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def resolve_block(block: Block, seed: int, quiet: bool = False) -> PlannedStep:
    """Build the block's object through confection, with the study seed where it takes one.

    Every error comes out located at ``<section>.<name>.<argument>`` (see :func:`located`).
    """
    from confection import Config, ConfigValidationError

    from ..registry import config_registry

    factory = _factory(block)
    accepted, _ = _parameters(factory)
    settings = dict(block.settings)
    if "seed" in accepted and "seed" not in settings:
        settings["seed"] = seed
    if "progress" in accepted and "progress" not in settings:
        settings["progress"] = not quiet
    config = Config({"step": {REGISTRY_KEY[block.section]: block.function, **settings}})
    reg: Any = config_registry()
    try:
        filled = reg.fill(config, validate=True)
        resolved = reg.resolve(filled, validate=True)
    except ConfigValidationError as error:
        raise _validation_error(error, block, accepted) from None
    except LexiplugError as error:
        raise located(error, block.where, accepted) from None
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{block.function} rejected its settings: {error}",
                          where=block.where) from None
    return PlannedStep(block=block, obj=resolved["step"], filled=dict(filled["step"]),
                       arguments=frozenset(accepted))


def located(error: LexiplugError, block_where: str, arguments: set[str] | frozenset[str]
            ) -> LexiplugError:
    """``error`` with the block path added: ``window`` becomes ``embedders.glove.window``.

    A factory (and the object it builds) names only its own argument; the block path is known
    only here. Errors located in a file (``corpus.txt:3``) or already carrying a full path
    keep their ``where``; one without a location gets the block's.
    """
    where = error.where
    if where is None:
        where = block_where
    elif where.split(".", 1)[0] in arguments:
        where = f"{block_where}.{where}"
    else:
        return error
    moved = copy.copy(error)
    moved.where = where
    moved.args = (f"[{error.code}] {where}: {error.message}",)
    return moved


def _needs_corpus(obj: Any) -> bool:
    """Whether ``obj.fit`` has a corpus parameter without a default (pretrained rows do not)."""
    try:
        parameters = list(inspect.signature(obj.fit).parameters.values())
    except (AttributeError, TypeError, ValueError):
        return False
    return bool(parameters) and parameters[0].default is inspect.Parameter.empty


def _validation_error(error: Exception, block: Block, accepted: set[str]) -> ConfigError:
    """confection's error, located at the first offending argument, with a did-you-mean."""
    errors = getattr(error, "errors", None) or []
    if not errors:
        message = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        return ConfigError(message, where=block.where)
    parts = []
    for item in errors:
        loc = ".".join(str(p) for p in item.get("loc", [])[1:])
        message = str(item.get("msg"))
        if loc and loc not in accepted and "unexpected argument" in message:
            message += (f";{did_you_mean(loc, accepted)} {block.function} takes "
                        f"{', '.join(sorted(accepted))}")
        parts.append(f"{loc}: {message}" if loc and len(errors) > 1 else message)
    first = ".".join(str(p) for p in errors[0].get("loc", [])[1:])
    return ConfigError("; ".join(parts), where=f"{block.where}.{first}" if first else block.where)
