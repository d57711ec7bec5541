"""``lexiplug.ray.v1`` on a real local Ray: exact counts, a killed worker retried, a study
through ``[engine]``, an unreachable address, and a two-node cluster on loopback (slow)."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from lexiplug.corpus.cooccurrence import CountSpec, count_cooccurrences, sharded_cooccurrence_counts
from lexiplug.errors import ConfigError, EngineError

ray = pytest.importorskip(
    "ray", reason="the Ray engine's tests need ray (pip install 'lexiplug[ray]')")

from lexiplug.plugins.engines.ray_engine import RayEngine, RaySettings  # noqa: E402

from . import ray_faults  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    """One in-process cluster for the module (starting Ray costs seconds)."""
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING",
                 runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).parents[1])}})
    yield
    if started:
        ray.shutdown()


def corpus(seed: int = 0, n_sentences: int = 3000, vocab: int = 300):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 25, size=n_sentences)
    ids = (rng.zipf(1.2, size=int(lengths.sum())) % vocab).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return ids, offsets, vocab


def assert_same_bits(left, right) -> None:
    assert np.array_equal(left.indptr, right.indptr)
    assert np.array_equal(left.indices, right.indices)
    assert left.data.tobytes() == right.data.tobytes()


def test_ray_counts_equal_the_local_counts(local_ray) -> None:
    ids, offsets, vocab = corpus()
    options = {"window": 5, "weighting": "harmonic", "dynamic_window": True, "seed": 3,
               "chunk_tokens": 2000}
    local = count_cooccurrences(ids, offsets, vocab, **options)
    spec = CountSpec.for_corpus(ids, vocab, **options)
    engine = RayEngine(RaySettings(max_in_flight=3))
    assert engine.workers == 2
    sharded = sharded_cooccurrence_counts(ids, offsets, spec, engine, tokens_per_shard=4000)
    assert_same_bits(sharded, local)
    engine.close()
    assert ray.is_initialized()  # the fixture's cluster is not the engine's to stop


def test_a_worker_killed_mid_shard_is_retried_and_the_result_stays_exact(local_ray, tmp_path
                                                                        ) -> None:
    ids, offsets, vocab = corpus(1)
    spec = CountSpec.for_corpus(ids, vocab, window=4, chunk_tokens=1000)
    marker = tmp_path / "killed"
    engine = RayEngine(RaySettings(max_retries=2))
    from lexiplug.corpus.cooccurrence import add_counts, finish_counts, sentence_shards

    shards = sentence_shards(offsets, 5000)
    totals = engine.map_reduce(ray_faults.count_or_die, shards, add_counts,
                               shared={"ids": ids, "offsets": offsets, "spec": spec,
                                       "marker": str(marker), "victim": shards[1]})
    assert marker.exists(), "the worker was never killed: the test proves nothing"
    assert_same_bits(finish_counts(totals, spec),
                     count_cooccurrences(ids, offsets, vocab, window=4))


def test_a_shard_that_keeps_failing_is_a_named_error(local_ray, tmp_path) -> None:
    engine = RayEngine(RaySettings(max_retries=0))
    with pytest.raises(ray_faults.ShardFileMissing, match=r"shard-2\.txt"):
        engine.map_reduce(ray_faults.read_shard, [1, 2, 3], ray_faults.add,
                          shared={"folder": str(tmp_path)})


def test_a_study_runs_on_the_engine_named_in_its_config(local_ray, tmp_path) -> None:
    from lexiplug.study.runner import run_study

    text = tmp_path / "text.txt"
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    text.write_text("\n".join(" ".join(rng.choice(words, 12)) for _ in range(400)))
    config = tmp_path / "study.cfg"
    config.write_text(f"""
[corpora.text]
@corpora = "lexiplug.text_file.v1"
path = "{text}"

[embedders.ppmi]
@embedders = "lexiplug.ppmi_svd.v1"
corpus = "text"
vector_size = 8
window = 3

[embedders.ppmi_wide]
@embedders = "lexiplug.ppmi_svd.v1"
corpus = "text"
vector_size = 8
window = 6

[engine]
@engines = "lexiplug.ray.v1"
""")
    outcome = run_study(config, output=tmp_path / "run", quiet=True, cache_dir=False)
    config.write_text(config.read_text().split("[engine]")[0])
    local = run_study(config, output=tmp_path / "run2", quiet=True, cache_dir=False)
    for name in ("ppmi", "ppmi_wide"):  # fitted in parallel on the cluster, each counted there
        assert np.array_equal(np.asarray(outcome.rows[name].vectors.matrix),
                              np.asarray(local.rows[name].vectors.matrix))


def test_an_unreachable_cluster_is_a_clear_error_within_the_timeout() -> None:
    """Checked before ray.init, whose own retries would take minutes."""
    from lexiplug.plugins.engines.ray_engine import check_reachable

    port = free_port()  # nobody listens there
    started = time.perf_counter()
    with pytest.raises(EngineError, match=rf"127\.0\.0\.1:{port}.*ray start --head"):
        check_reachable(f"127.0.0.1:{port}", 5)
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize(("settings", "key"), [
    ({"address": "no-port"}, "address"), ({"num_cpus": -1}, "num_cpus"),
    ({"address": "h:1", "num_cpus": 2}, "address"), ({"connect_timeout_s": 0}, "connect_timeout_s"),
])
def test_bad_settings_name_their_argument(settings, key) -> None:
    with pytest.raises(ConfigError) as error:
        RaySettings(**settings)
    assert error.value.where == key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_two_node_cluster_on_loopback_counts_exactly(tmp_path) -> None:
    """A head and a second node (separate `ray start` processes with their own CPUs),
    joined by address; the counts equal the local ones."""
    ray_cli = str(Path(sys.executable).with_name("ray"))
    port = free_port()
    # a cluster of its own token, as a real one has (Ray authenticates every client)
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": os.urandom(16).hex()}
    env.pop("RAY_AUTH_TOKEN_PATH", None)
    common = ["--block", "--disable-usage-stats", "--num-cpus", "1"]
    import tempfile

    # Ray's socket paths must stay short: pytest's tmp_path is too deep for them
    temp_dir = tempfile.mkdtemp(prefix="lxray", dir="/tmp")
    head = subprocess.Popen([ray_cli, "start", "--head", f"--port={port}", "--temp-dir",
                             temp_dir, "--include-dashboard=false", *common],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    nodes = [head]
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(1)
        nodes.append(subprocess.Popen([ray_cli, "start", f"--address=127.0.0.1:{port}",
                                       *common], env=env, start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        script = f"""
import numpy as np, time, ray
from lexiplug.corpus.cooccurrence import CountSpec, count_cooccurrences, sharded_cooccurrence_counts
from lexiplug.plugins.engines.ray_engine import RayEngine, RaySettings
engine = RayEngine(RaySettings(address="127.0.0.1:{port}"))
engine._ray()
deadline = time.time() + 120
while ray.cluster_resources().get("CPU", 0) < 2 and time.time() < deadline:
    time.sleep(1)
assert len([n for n in ray.nodes() if n["Alive"]]) == 2, ray.nodes()
rng = np.random.default_rng(0)
lengths = rng.integers(1, 25, size=3000)
ids = (rng.zipf(1.2, size=int(lengths.sum())) % 300).astype(np.int32)
offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
spec = CountSpec.for_corpus(ids, 300, window=5)
got = sharded_cooccurrence_counts(ids, offsets, spec, engine, tokens_per_shard=3000)
want = count_cooccurrences(ids, offsets, 300, window=5)
assert got.data.tobytes() == want.data.tobytes() and np.array_equal(got.indices, want.indices)
engine.close()
print("OK two nodes")
"""
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                text=True, timeout=300)
        assert "OK two nodes" in result.stdout, result.stderr[-3000:]
    finally:
        for process in reversed(nodes):  # each node's raylet, GCS and workers: its group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_encoding_on_ray_data_equals_local_encoding(local_ray, tmp_path) -> None:
    pytest.importorskip("transformers", reason="the tiny BERT encoder needs transformers")
    from lexiplug.engine import LocalEngine
    from lexiplug.plugins.contextual.testing import build_tiny_bert
    from lexiplug.sharded_encode import encode_files, load_encoded

    model = build_tiny_bert(tmp_path / "bert")
    text = tmp_path / "texts.txt"
    text.write_text("\n".join(["the cat sat", "a dog", "hello world", "the king", ""] * 4))
    settings = {"model_path": str(model)}
    encode_files("lexiplug.transformer.v1", settings, [text], tmp_path / "local",
                 shard_lines=5, engine=LocalEngine())
    engine = RayEngine(RaySettings())
    encode_files("lexiplug.transformer.v1", settings, [text], tmp_path / "ray", shard_lines=5,
                 engine=engine)
    local, local_origins = load_encoded(tmp_path / "local")
    on_ray, ray_origins = load_encoded(tmp_path / "ray")
    assert ray_origins == local_origins
    assert float(np.abs(local - on_ray).max()) <= 1e-5


def test_an_input_removed_mid_run_is_named_through_ray(local_ray, tmp_path) -> None:
    from lexiplug.errors import DataNotFoundError
    from lexiplug.sharded_encode import TextShard, encode_shard

    engine = RayEngine(RaySettings(max_retries=0))
    shard = TextShard(0, str(tmp_path / "gone.txt"), 0, 3)
    with pytest.raises(DataNotFoundError, match="gone"):
        engine.map_with_state(dict, functools.partial(encode_shard, output=str(tmp_path),
                                                      text_field="text"), [shard])


def test_workers_import_what_shards_need_when_the_engine_connects(local_ray) -> None:
    engine = RayEngine(RaySettings())
    engine._warm_up(ray)  # what connecting does (the module's cluster is already up)
    pids = engine.wait_ready()
    assert len(pids) == 2 and all(isinstance(pid, int) for pid in pids)
    assert engine.wait_ready() == []  # waited once


def test_a_warm_module_no_worker_has_is_named(local_ray) -> None:
    engine = RayEngine(RaySettings(warm_modules=["lexiplug_no_such_module"]))
    engine._warm_up(ray)
    with pytest.raises(EngineError, match="lexiplug_no_such_module") as caught:
        engine.wait_ready()
    assert caught.value.where == "engine.warm_modules"


def test_warm_modules_must_be_module_names() -> None:
    with pytest.raises(ConfigError, match="module names") as caught:
        RaySettings(warm_modules="numpy")  # type: ignore[arg-type]
    assert caught.value.where == "warm_modules"
