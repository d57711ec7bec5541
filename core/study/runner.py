"""Run a study: fit embedders, apply transforms, evaluate every row, write the report.

Order: corpora -> embedders -> transforms (dependency order) -> evaluators. Each step's output
is cached under :func:`~lexiplug.study.cache.step_key` of its filled config and inputs, so
re-running after adding an evaluator computes only that evaluator. Rows are named by lineage:
``glove``, ``glove+hard_debias``, ``cade[austen]``.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..contracts import Checksummed, DocVectors, EvaluatesAll, Fingerprinted
from ..errors import ConfigError, LexiplugError, TrainingError
from ..evaluation.result import Result
from ..vectors import Vectors
from .cache import StepCache, VectorsOutput, step_key
from .config import StudyConfig, load_study_config
from .outcome import Row, Scored, StepTiming, StudyOutcome
from .plan import PlannedEvaluation, PlannedStep, RowRef, StudyPlan, build_plan, located

logger = logging.getLogger(__name__)

CACHE_ENV = "LEXIPLUG_CACHE"


def run_study(
    config_path: str | Path,
    *,
    output: str | Path | None = None,
    quiet: bool = False,
    overrides: Mapping[str, Any] | None = None,
    cache_dir: str | Path | None = None,
) -> StudyOutcome:
    """Check the whole study, then run it and write results.json, report.md and plots."""
    started = time.perf_counter()
    config = load_study_config(config_path, overrides)
    if config.output:
        logger.warning("[output] is where `lexiplug train` saves the vectors; `lexiplug run` "
                       "writes its report and results to --output instead")
    out = Path(output) if output is not None else Path("runs") / config.name
    ensure_writable(out, "--output")
    cache_folder = _cache_folder(config, out, cache_dir)
    if cache_folder is not None:
        ensure_writable(cache_folder, "study.cache")
    plan = build_plan(config, quiet=quiet)  # everything is validated before any training
    runner = _Runner(plan, StepCache(cache_folder), quiet=quiet)
    from ..engine import use_engine

    with use_engine(plan.engine.obj if plan.engine is not None else None):
        runner.run()
    outcome = StudyOutcome(config, plan, out, runner.rows, runner.scored, runner.timings,
                           fits=runner.fits)
    outcome.seconds = time.perf_counter() - started
    from .write import write_outputs

    outcome.files = write_outputs(outcome, quiet=quiet)
    return outcome


def _no_state() -> None:
    """A parallel fit needs no per-worker state: everything travels with the item."""


def _fit_on_worker(plan: StudyPlan, _state: None, name: str) -> tuple[VectorsOutput, float]:
    """One embedder fitted where the engine put it; returns the vectors and the seconds."""
    start = time.perf_counter()
    output = fit_embedder(plan, plan.embedders[name])
    return output, time.perf_counter() - start


def ensure_writable(folder: Path, where: str) -> None:
    """Create ``folder`` and prove a file can be written there, or raise ConfigError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as error:
        raise ConfigError(
            f"cannot write to {str(folder)!r} ({error.strerror or error}); choose another folder",
            where=where,
        ) from None


def _cache_folder(config: StudyConfig, out: Path, explicit: str | Path | None) -> Path | None:
    setting = explicit if explicit is not None else config.study.get("cache")
    if setting is None:
        setting = os.environ.get(CACHE_ENV)
    if setting is False or setting in ("", "none", "off"):
        return None
    return Path(setting) if setting not in (None, True) else out / "cache"


class _Runner:
    def __init__(self, plan: StudyPlan, cache: StepCache, *, quiet: bool) -> None:
        self.plan = plan
        self.cache = cache
        self.quiet = quiet
        self.rows: dict[str, Row] = {}
        self.node_rows: dict[str, list[str]] = {}
        self.scored: list[Scored] = []
        self.timings: list[StepTiming] = []
        self.fits = 0
        self._corpus_checksums: dict[str, str] = {}
        from ..plugin_loader import plugin_manager

        self.hook = plugin_manager().hook

    def run(self) -> None:
        from tqdm.auto import tqdm

        steps = [*self.plan.embedders.values(), *self.plan.transforms.values(),
                 *self.plan.doc_embedders.values()]
        total = len(steps) + len(self.plan.evaluations)
        self._fit_independent_embedders_in_parallel()
        with tqdm(total=total, disable=self.quiet, desc="study", unit="step") as bar:
            for step in self.plan.embedders.values():
                bar.set_postfix_str(step.block.where)
                self._embed(step)
                bar.update()
            for step in self.plan.transforms.values():
                bar.set_postfix_str(step.block.where)
                self._transform(step)
                bar.update()
            for step in self.plan.doc_embedders.values():
                bar.set_postfix_str(step.block.where)
                self._embed_documents(step)
                bar.update()
            for evaluation in self.plan.evaluations.values():
                bar.set_postfix_str(evaluation.block.where)
                self._evaluate(evaluation)
                bar.update()

    # -- embedders -------------------------------------------------------------------------

    def _corpus_checksum(self, name: str) -> str:
        if name not in self._corpus_checksums:
            corpus = self.plan.corpora[name].obj
            checksummed = isinstance(corpus, Checksummed)
            self._corpus_checksums[name] = str(corpus.checksum()) if checksummed else ""
        return self._corpus_checksums[name]

    def _embed_key(self, step: PlannedStep) -> str:
        fingerprint = step.obj.fingerprint() if isinstance(step.obj, Fingerprinted) else None
        return step_key("embed", {
            "config": cache_relevant(step.filled),
            "corpora": {name: self._corpus_checksum(name) for name in step.corpora},
            "fingerprint": fingerprint,
            "lexiplug": __version__,
        })

    def _fit_independent_embedders_in_parallel(self) -> None:
        """On a distributed engine, fit every embedder the cache does not hold at once, one
        worker each (embedders never depend on each other); the rest of the study then
        proceeds in order as usual, taking these fits as if they were cached."""
        from ..engine import current_engine

        self._prefitted: dict[str, tuple[VectorsOutput, float]] = {}
        engine = current_engine()
        if not engine.distributed:
            return
        todo = [name for name, step in self.plan.embedders.items()
                if not self.cache.has_vectors(self._embed_key(step))]
        if len(todo) < 2:
            return
        from functools import partial

        fitted = engine.map_with_state(_no_state, partial(_fit_on_worker, self.plan), todo,
                                       desc="fitting embedders")
        self._prefitted = dict(zip(todo, fitted, strict=True))

    def _embed(self, step: PlannedStep) -> None:
        key = self._embed_key(step)
        start = time.perf_counter()
        output = self.cache.load_vectors(key)
        cached = output is not None
        fit_seconds = None
        if output is None:
            if step.name in self._prefitted:
                output, fit_seconds = self._prefitted.pop(step.name)
            else:
                output = self._fit(step)
            self.fits += 1
            if _cacheable(output):
                self.cache.save_vectors(key, output)
        seconds = time.perf_counter() - start if fit_seconds is None else fit_seconds
        self.timings.append(StepTiming(step.block.where, step.name, seconds, cached))
        logger.info("%s: %s in %.2fs", step.block.where, "cached" if cached else "fitted", seconds)
        self._add_rows(step.name, key, output, lineage=[step.block.where])
        for row_name in self.node_rows[step.name]:
            self.hook.lexiplug_after_fit(
                name=row_name, vectors=self.rows[row_name].vectors,
                config={"@embedders": step.block.function, **step.block.settings},
            )

    def _embed_documents(self, step: PlannedStep) -> None:
        """A ``[doc_embedders.*]`` row: fitted every run (its row keeps the fitted model, which
        a retrieval evaluator needs to infer its queries, and the cache holds word vectors)."""
        corpora = [self.plan.corpora[name].obj for name in step.corpora]
        start = time.perf_counter()
        try:
            output = step.obj.fit(corpora[0] if corpora else None)
        except LexiplugError as error:
            raise located(error, step.block.where, step.arguments) from None
        if not isinstance(output, DocVectors):
            raise TrainingError(f"a document embedder must return DocVectors, got "
                                f"{type(output).__name__}", where=step.block.where)
        self.fits += 1
        key = step_key("doc_embed", {
            "config": cache_relevant(step.filled),
            "corpora": {name: self._corpus_checksum(name) for name in step.corpora},
            "lexiplug": __version__,
        })
        seconds = time.perf_counter() - start
        self.timings.append(StepTiming(step.block.where, step.name, seconds, False))
        # a Row is typed for Vectors; document rows offer what reports read (len, dim, in)
        self.rows[step.name] = Row(step.name, step.name, None, key, output,  # type: ignore[arg-type]
                                   [step.block.where])
        self.node_rows[step.name] = [step.name]

    def _fit(self, step: PlannedStep) -> VectorsOutput:
        return fit_embedder(self.plan, step)

    def _add_rows(self, node: str, key: str, output: VectorsOutput, lineage: list[str]) -> None:
        names: list[str] = []
        items = output.items() if isinstance(output, dict) else [(None, output)]
        for slice_name, vectors in items:
            name = node if slice_name is None else f"{node}[{slice_name}]"
            row_key = key if slice_name is None else f"{key}[{slice_name}]"
            vectors.metadata.setdefault("name", name)
            self.rows[name] = Row(name, node, slice_name, row_key, vectors, lineage)
            names.append(name)
        self.node_rows[node] = names

    # -- transforms ------------------------------------------------------------------------

    def _select(self, ref: RowRef, where: str) -> list[str]:
        names = self.node_rows[ref.node]
        if ref.slice is None:
            return names
        wanted = [n for n in names if self.rows[n].slice == ref.slice]
        if not wanted:
            slices = sorted({s for n in names if (s := self.rows[n].slice)})
            raise ConfigError(
                f"row {ref.node}[{ref.slice}] does not exist; slices of {ref.node}: "
                f"{', '.join(slices) or '(none: it is a single row)'}", where=where,
            )
        return wanted

    def _single(self, ref: RowRef, where: str) -> Row:
        names = self._select(ref, where)
        if len(names) != 1:
            raise ConfigError(
                f"{ref.node} has several rows ({', '.join(names)}); name one, e.g. {names[0]!r}",
                where=where,
            )
        return self.rows[names[0]]

    def _transform(self, step: PlannedStep) -> None:
        assert step.input is not None
        refs = {key: self._single(ref, f"{step.block.where}.{key}")
                for key, ref in step.refs.items()}
        produced: list[str] = []
        for input_name in self._select(step.input, f"{step.block.where}.input"):
            source = self.rows[input_name]
            key = step_key("transform", {
                "config": cache_relevant(step.filled), "input": source.key,
                "refs": {k: row.key for k, row in refs.items()}, "lexiplug": __version__,
            })
            name = f"{source.name}+{step.label}"
            start = time.perf_counter()
            output = self.cache.load_vectors(key)
            cached = output is not None
            if output is None:
                try:
                    output = step.obj.apply(source.vectors,
                                            **{k: r.vectors for k, r in refs.items()})
                except LexiplugError as error:
                    raise located(error, step.block.where, step.arguments) from None
                output = _checked_output(output, step.block.where)
                if isinstance(output, dict):
                    raise TrainingError(
                        f"transform {step.block.function} returned several vector sets; "
                        "a transform must return one Vectors per input row",
                        where=step.block.where,
                    )
                if _cacheable(output):
                    self.cache.save_vectors(key, output)
            assert isinstance(output, Vectors)
            output.metadata["name"] = name
            self.rows[name] = Row(name, step.name, source.slice, key, output,
                                  [*source.lineage, step.block.where])
            produced.append(name)
            self.timings.append(StepTiming(step.block.where, name,
                                           time.perf_counter() - start, cached))
        self.node_rows[step.name] = produced

    # -- evaluators ------------------------------------------------------------------------

    def _evaluate(self, evaluation: PlannedEvaluation) -> None:
        if evaluation.rows is None:  # by default, document evaluators score document rows only
            from ..registry import registry

            documents = bool(registry.evaluators.metadata(evaluation.block.function)
                             .get("documents", False))
            row_names = [name for name, row in self.rows.items()
                         if isinstance(row.vectors, DocVectors) == documents]
        else:
            row_names = []
            for ref in evaluation.rows:
                for name in self._select(ref, f"{evaluation.block.where}.rows"):
                    if name not in row_names:
                        row_names.append(name)
        for dataset_name, spec in evaluation.datasets:
            checksum = _dataset_checksum(spec)
            for row_name in row_names:
                row = self.rows[row_name]
                key = step_key("evaluate", {
                    "config": cache_relevant(evaluation.filled), "row": row.key,
                    "dataset": dataset_name, "dataset_checksum": checksum,
                    "lexiplug": __version__,
                })
                start = time.perf_counter()
                results = self.cache.load_results(key)
                cached = results is not None
                if results is None:
                    try:
                        answer = _call_evaluator(evaluation.obj, row.vectors, dataset_name)
                    except LexiplugError as error:
                        raise located(error, evaluation.block.where,
                                      evaluation.arguments) from None
                    results = _as_results(answer, evaluation.block.where)
                    for result in results:
                        if result.dataset_checksum is None:
                            result.dataset_checksum = checksum
                    self.cache.save_results(key, results)
                seconds = time.perf_counter() - start
                where = evaluation.block.where
                label = f"{where}[{dataset_name}]" if dataset_name else where
                self.timings.append(StepTiming(label, row_name, seconds, cached))
                for result in results:
                    self.scored.append(Scored(row_name, evaluation.name,
                                              evaluation.block.function, result, key, cached,
                                              seconds))
                    self.hook.lexiplug_after_evaluate(name=row_name, evaluator=evaluation.name,
                                                      result=result)


def fit_embedder(plan: StudyPlan, step: PlannedStep) -> VectorsOutput:
    """Fit one planned embedder on its corpus (a dict of corpora for a list), errors located
    at the block (``lexiplug train`` fits its one embedder through here too)."""
    corpora = {name: plan.corpora[name].obj for name in step.corpora}
    if not corpora:
        argument: Any = None
    elif step.corpus_is_list:
        argument = corpora
    else:
        argument = next(iter(corpora.values()))
    try:
        output = step.obj.fit(argument)
    except LexiplugError as error:
        raise located(error, step.block.where, step.arguments) from None
    return _checked_output(output, step.block.where)


def cache_relevant(filled: dict[str, Any]) -> dict[str, Any]:
    """The filled config minus settings that cannot change a step's output."""
    return {key: value for key, value in filled.items() if key not in _NOT_IN_KEY}


_NOT_IN_KEY = frozenset({"progress", "verbose", "quiet"})


def _call_evaluator(evaluator: Any, vectors: Vectors, dataset: str | None) -> Any:
    """Datasets go by registered name: every evaluator resolves names itself, and some
    (probing) look up related datasets by it (the training treebank for a test set)."""
    if dataset is None and isinstance(evaluator, EvaluatesAll):
        return evaluator.evaluate_all(vectors)
    return evaluator.evaluate(vectors, dataset)


def _dataset_checksum(spec: Any) -> str | None:
    return str(spec.checksum()) if isinstance(spec, Checksummed) else None


def _checked_output(output: Any, where: str) -> VectorsOutput:
    if isinstance(output, Vectors):
        return output
    if isinstance(output, dict) and output and all(
        isinstance(k, str) and isinstance(v, Vectors) for k, v in output.items()
    ):
        return output
    raise TrainingError(
        f"expected Vectors or a dict of slice name -> Vectors, got {type(output).__name__}",
        where=where,
    )


def _cacheable(output: VectorsOutput) -> bool:
    """Only plain :class:`Vectors` answering OOV words without a live model are cached: the
    cache keeps the matrix only, so a reloaded copy of fastText's subword vectors would score
    OOV items differently, and a subclass (a plugin's ``SenseVectors`` with every sense,
    ``CompletedVectors``) would come back as its one-vector view."""
    values = output.values() if isinstance(output, dict) else [output]
    return all(type(v) is Vectors and v.oov != "subword" for v in values)


def _as_results(answer: Any, where: str) -> list[Result]:
    if isinstance(answer, Result):
        return [answer]
    if isinstance(answer, dict):
        answer = list(answer.values())
    if isinstance(answer, (list, tuple)) and all(isinstance(r, Result) for r in answer):
        return list(answer)
    raise TrainingError(
        f"an evaluator must return a Result (or a list of them), got {type(answer).__name__}",
        where=where,
    )
