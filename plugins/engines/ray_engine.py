"""``lexiplug.ray.v1``: shardable work on a Ray cluster, from a laptop to many machines.

Without an ``address`` the engine starts an embedded local cluster (``ray.init()``), so the
same config runs with no set-up; with ``address = "HOST:PORT"`` it joins a running cluster
(``ray start --head`` there). Ray is imported only when the engine first runs work.

Results are exact by construction rather than by luck: every shard is a pure function of
its inputs, a shard whose worker dies is re-run by Ray's task retries (``max_retries``), and
the reduction adds integer tables, so neither retries nor the order in which shards finish
can change a bit of the result.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lexiplug.errors import ConfigError, EngineError, LexiplugError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

logger = logging.getLogger(__name__)

NAME = "lexiplug.ray.v1"
# What a shard of ours imports: a fresh worker process spends about a second on these, which
# was most of Ray's overhead on a single 20M-token count (bench/results/scale.md).
WARM_MODULES = ("numpy", "scipy.sparse", "lexiplug.corpus.cooccurrence")


@dataclass
class RaySettings:
    """Where the Ray cluster is and what to ask of it.

    ``address``: empty for an embedded local cluster, ``"auto"`` for the cluster this
    machine belongs to, ``"HOST:PORT"`` (or ``"ray://HOST:PORT"``) for a remote one.
    ``num_cpus`` / ``num_gpus`` / ``object_store_memory_mb`` size the embedded cluster only
    (a remote cluster has its own). ``max_in_flight`` bounds the shards submitted at once
    (default: twice the cluster's CPUs), which bounds the memory of results waiting to be
    reduced. ``warm_modules`` are imported in every worker as soon as the engine connects,
    while the driver goes on (an empty list turns the warm-up off).
    """

    address: str = ""
    num_cpus: int = 0
    num_gpus: int = 0
    object_store_memory_mb: int = 0
    max_retries: int = 3
    connect_timeout_s: float = 30.0
    max_in_flight: int = 0
    warm_modules: list[str] = field(default_factory=lambda: list(WARM_MODULES))

    def __post_init__(self) -> None:
        for key in ("num_cpus", "num_gpus", "object_store_memory_mb", "max_in_flight"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"expected a non-negative integer (0: Ray's default); "
                                  f"found {value!r}", where=key)
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) \
                or self.max_retries < 0:
            raise ConfigError(f"expected a non-negative integer; found {self.max_retries!r}",
                              where="max_retries")
        if not self.connect_timeout_s > 0:
            raise ConfigError(f"expected a positive number of seconds; found "
                              f"{self.connect_timeout_s!r}", where="connect_timeout_s")
        if not isinstance(self.warm_modules, (list, tuple)) or not all(
                isinstance(m, str) and m for m in self.warm_modules):
            raise ConfigError(f"expected a list of module names; found {self.warm_modules!r}",
                              where="warm_modules")
        if self.address and self.address != "auto":
            _split_address(self.address)
        if self.address and (self.num_cpus or self.num_gpus or self.object_store_memory_mb):
            raise ConfigError("num_cpus, num_gpus and object_store_memory_mb size an embedded "
                              "cluster; a cluster at an address has its own resources",
                              where="address")


class RayEngine:
    """Runs :meth:`map_reduce` as Ray tasks with retries and a tree reduction."""

    name = NAME
    distributed = True

    def __init__(self, settings: RaySettings) -> None:
        self.settings = settings
        self._started_here = False
        self._workers: int | None = None
        self._warming: list[Any] = []

    # -- cluster --------------------------------------------------------------------------

    def _ray(self) -> Any:
        try:
            import ray
        except ImportError:
            raise EngineError("the Ray engine needs ray: pip install 'lexiplug[ray]'",
                              where="engine") from None
        if not ray.is_initialized():
            self._connect(ray)
        return ray

    def _connect(self, ray: Any) -> None:
        s = self.settings
        options: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                                   "ignore_reinit_error": True}
        if s.address:
            if s.address != "auto":
                check_reachable(s.address, s.connect_timeout_s)
            options["address"] = s.address
        else:
            options.update({k: v for k, v in (
                ("num_cpus", s.num_cpus or None), ("num_gpus", s.num_gpus or None),
                ("object_store_memory", s.object_store_memory_mb * 2**20 or None),
            ) if v is not None})
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError, TimeoutError) as error:
            raise EngineError(f"cannot start or join the Ray cluster "
                              f"({s.address or 'embedded'}): {error}", where="engine.address"
                              ) from None
        self._started_here = True
        self._warm_up(ray)

    def _warm_up(self, ray: Any) -> None:
        """One import task per CPU, not waited for: the workers load what shards need while
        the driver reads its corpus, instead of inside the first shard."""
        modules = tuple(self.settings.warm_modules)
        if not modules:
            return
        task = ray.remote(max_retries=self.settings.max_retries)(import_modules)
        self._warming = [task.remote(modules) for _ in range(self.workers)]

    def wait_ready(self) -> list[int]:
        """Block until the workers have imported ``warm_modules``; the warmed workers' pids.

        Benches use it to time start-up apart from work; ordinary calls need not: shards
        queue behind the warm-up tasks.
        """
        warming, self._warming = self._warming, []
        return list(_get(self._ray(), warming, "warming the Ray workers")) if warming else []

    @property
    def workers(self) -> int:
        """CPUs of the cluster: how many shards run at once."""
        if self._workers is None:
            resources = self._ray().cluster_resources()
            self._workers = max(1, int(resources.get("CPU", 1)))
        return self._workers

    def close(self) -> None:
        """Shut down the cluster if this engine started or joined it (not a caller's)."""
        if self._started_here:
            import ray

            ray.shutdown()
            self._started_here = False
            self._workers = None
            self._warming = []

    # -- work -----------------------------------------------------------------------------

    def map_reduce(
        self,
        function: Callable[..., Any],
        items: Sequence[Any],
        combine: Callable[[Any, Any], Any],
        *,
        shared: Mapping[str, Any] | None = None,
        desc: str = "",
    ) -> Any:
        """``function(item, **shared)`` as one Ray task per item, folded pairwise with
        ``combine`` as results arrive (a tree, so no worker ever holds more than two partial
        results); at most ``max_in_flight`` tasks are queued at once."""
        if not items:
            raise ValueError("map_reduce needs at least one item")
        ray = self._ray()
        from tqdm.auto import tqdm

        retries = self.settings.max_retries
        mapper = ray.remote(max_retries=retries)(function)
        reducer = ray.remote(max_retries=retries)(combine)
        shared_refs = {key: ray.put(value) for key, value in (shared or {}).items()}
        limit = self.settings.max_in_flight or 2 * self.workers
        waiting = list(reversed(range(len(items))))
        in_flight: dict[Any, bool] = {}  # ref -> is a map task (else a reduction)
        ready: list[Any] = []
        with tqdm(total=len(items), desc=desc or "shards", unit="shard", disable=None) as bar:
            while waiting or in_flight:
                while waiting and len(in_flight) < limit:
                    ref = mapper.remote(items[waiting.pop()], **shared_refs)
                    in_flight[ref] = True
                done, _ = ray.wait(list(in_flight), num_returns=1)
                for ref in done:  # a failed task fails its reduction, and so the final get
                    if in_flight.pop(ref):
                        bar.update()
                    ready.append(ref)
                while len(ready) >= 2:
                    in_flight[reducer.remote(ready.pop(), ready.pop())] = False
        return _get(ray, ready[0], desc)

    def map_with_state(
        self,
        setup: Callable[[], Any],
        function: Callable[[Any, Any], Any],
        items: Sequence[Any],
        *,
        desc: str = "",
    ) -> list[Any]:
        """Ray Data ``map_batches`` over the items with a pool of actors, one per CPU (one
        per GPU when the cluster has GPUs), each holding ``setup()``'s state; an actor that
        dies is restarted and its item re-run (items must be idempotent: ours write their
        output atomically)."""
        if not items:
            return []
        ray = self._ray()
        import numpy as np
        from ray import data as ray_data

        gpus = int(ray.cluster_resources().get("GPU", 0))
        actors = max(1, min(len(items), gpus or self.workers))
        records = [{"index": i, "item": item} for i, item in enumerate(items)]
        dataset = ray_data.from_items(records, override_num_blocks=len(records))
        mapped = dataset.map_batches(
            _StatefulBatch, fn_constructor_kwargs={"setup": setup, "function": function},
            batch_size=1, concurrency=actors, num_gpus=1 if gpus else 0,
            max_restarts=-1, max_task_retries=self.settings.max_retries,
        )  # (Ray 2.60 warns these restart settings will move; they still apply)
        try:
            rows = mapped.take_all()
        except Exception as error:  # Ray Data wraps what a worker raised
            raise _engine_error(error, desc) from None
        ordered = sorted(rows, key=lambda row: int(row["index"]))
        for row in ordered:
            if row["error"] is not None:
                raise row["error"]
        if len(ordered) != len(items):  # pragma: no cover - Ray Data lost a row
            raise EngineError(f"{desc or 'map'}: {len(items)} items in, {len(ordered)} out")
        return [row["result"].item() if isinstance(row["result"], np.ndarray) else row["result"]
                for row in ordered]

    def __repr__(self) -> str:
        return f"RayEngine(address={self.settings.address or 'embedded'!r})"


class _StatefulBatch:
    """A Ray Data actor: builds the state once, then applies the function to each row."""

    def __init__(self, setup: Callable[[], Any], function: Callable[[Any, Any], Any]) -> None:
        self.state = setup()
        self.function = function

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        results = np.empty(len(batch["index"]), dtype=object)
        errors = np.empty(len(batch["index"]), dtype=object)
        for position, item in enumerate(batch["item"]):
            try:
                results[position] = self.function(self.state, item)
            except LexiplugError as error:  # a clear error travels as data: Ray Data would
                errors[position] = error     # wrap it and drop its type on the way back
        return {"index": batch["index"], "result": results, "error": errors}


def import_modules(modules: Sequence[str]) -> int:
    """Import ``modules`` in this worker; its pid (which worker was warmed)."""
    import importlib
    import os

    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise EngineError(f"a Ray worker cannot import {module!r} ({error}); install it "
                              "on every node or drop it from warm_modules",
                              where="engine.warm_modules") from None
    return os.getpid()


def _get(ray: Any, ref: Any, desc: str) -> Any:
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as error:
        raise _engine_error(error, desc) from None


def _engine_error(error: BaseException, desc: str) -> BaseException:
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:  # Ray wraps the worker's error
        if isinstance(cause, LexiplugError):
            return cause  # a clear error inside a shard (a missing file): raise it as it is
        seen.add(id(cause))
        cause = getattr(cause, "cause", None) or cause.__cause__
    kind = type(error).__name__
    return EngineError(f"{desc or 'a shard'} failed on the Ray cluster after its retries "
                       f"({kind}): {str(error).splitlines()[0] if str(error) else kind}")


def _split_address(address: str) -> tuple[str, int]:
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"expected HOST:PORT (e.g. 10.0.0.5:6379), 'auto' or empty; "
                          f"found {address!r}", where="address")
    return host, int(port)


def check_reachable(address: str, timeout_s: float) -> None:
    """Fail within ``timeout_s`` with the address named, instead of Ray's long retry loop."""
    host, port = _split_address(address)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as error:
        raise EngineError(
            f"cannot reach the Ray cluster at {address!r} within {timeout_s:g} s "
            f"({error.strerror or error}); start it there with `ray start --head --port "
            f"{port}` or fix the address", where="engine.address",
        ) from None


ray_v1 = settings_factory(RayEngine, RaySettings, name="ray_v1")


def register(registry: Registries) -> None:
    registry.engines.register(NAME, func=ray_v1)
