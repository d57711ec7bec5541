"""Third-party plugins installed for real: pip-install the examples into a throw-away venv.

The venv sees this environment's packages (lexiplug, numpy, ...) through a ``.pth`` file that
calls ``site.addsitedir`` (so lexiplug's editable-install hook runs there too), while the
plugins are pip-installed into the venv's own site-packages with ``--no-deps
--no-build-isolation``: seconds instead of the minutes a full install with torch would take,
and nothing leaks into the environment running the tests. Everything is checked in
subprocesses with the venv's python, through the registry and through the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "lexiplug-example-plugin"
BROKEN = REPO / "examples" / "broken-plugin"
EMBEDDER = "example.random_projection.v1"
EVALUATOR = "example.norm_stats.v1"


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEXIPLUG_", "PYTHON"))}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _make_venv(root: Path, projects: list[Path]) -> Path:
    """A venv that sees this environment's packages and has ``projects`` installed into it."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = _venv_python(venv)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    ours = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    lines = [f"import site; site.addsitedir({path!r})" for path in dict.fromkeys(ours)]
    Path(purelib, "_lexiplug_host_env.pth").write_text("\n".join(lines) + "\n")
    sources = []
    for project in projects:  # build from a copy: setuptools writes build/ and *.egg-info
        copy = root / project.name
        shutil.copytree(project, copy, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        sources.append(str(copy))
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-cache-dir", "--disable-pip-version-check", *sources],
        check=True, env=_clean_env(), capture_output=True, text=True,
    )
    return python


def _run(python: Path, *args: str, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(python), *args], capture_output=True, text=True, env=env or _clean_env(),
        cwd=cwd, timeout=120,
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _plugins_json(python: Path, env: dict[str, str] | None = None) -> dict[str, dict]:
    out = _run(python, "-m", "lexiplug.cli.main", "plugins", "list", "--json", env=env).stdout
    return {record["name"]: record for record in json.loads(out)}


REGISTRY_CHECK = f"""
import json
from lexiplug import registry
from lexiplug.plugin_loader import plugin_records
embedder = registry.embedders.get({EMBEDDER!r})(dim=16, window=2, seed=1)
vectors = embedder.fit(["the cat eats grass", "the dog eats grass", "the car drives fast"] * 20)
result = registry.evaluators.get({EVALUATOR!r})().evaluate(vectors, None)
print(json.dumps({{
    "embedders": registry.embedders.names(),
    "evaluators": registry.evaluators.names(),
    "shape": list(vectors.shape),
    "mean_norm": result.score,
    "records": [r.as_dict() for r in plugin_records()],
}}))
"""


@pytest.fixture(scope="module")
def example_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_venv(tmp_path_factory.mktemp("example"), [EXAMPLE])


@pytest.fixture(scope="module")
def broken_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_venv(tmp_path_factory.mktemp("broken"), [EXAMPLE, BROKEN])


def test_host_environment_does_not_see_the_example_plugin() -> None:
    # guards the test's premise: the plugins below come from the venv alone
    from importlib.metadata import entry_points

    assert "example" not in {ep.name for ep in entry_points(group="lexiplug")}


def test_registry_finds_and_runs_the_installed_plugin(example_python: Path) -> None:
    report = json.loads(_run(example_python, "-c", REGISTRY_CHECK).stdout)
    assert EMBEDDER in report["embedders"]
    assert EVALUATOR in report["evaluators"]
    assert report["shape"][1] == 16 and report["shape"][0] == 8  # 8 distinct lower-cased words
    assert report["mean_norm"] > 0
    example = next(r for r in report["records"] if r["name"] == "example")
    assert example["status"] == "loaded"
    assert example["distribution"] == "lexiplug-example-plugin"
    assert f"embedders:{EMBEDDER}" in example["registered"]
    assert f"evaluators:{EVALUATOR}" in example["registered"]


def test_cli_lists_the_installed_plugin(example_python: Path) -> None:
    records = _plugins_json(example_python)
    example = records["example"]
    assert example["status"] == "loaded" and example["error"] is None
    assert (example["distribution"], example["version"]) == ("lexiplug-example-plugin", "0.1.0")
    assert f"embedders:{EMBEDDER}" in example["registered"]
    text = _run(example_python, "-m", "lexiplug.cli.main", "plugins", "list").stdout
    assert "example" in text and "lexiplug-example-plugin" in text and EVALUATOR in text


def test_cli_shows_and_runs_the_plugin_commands(example_python: Path, tmp_path: Path) -> None:
    pytest.importorskip("lexiplug.vectors.io")
    help_text = _run(example_python, "-m", "lexiplug.cli.main", "--help").stdout
    assert "example-norms" in help_text  # from the lexiplug_cli entry point's metadata
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat eats grass\nthe dog eats grass\nthe car drives fast\n" * 20)
    output = tmp_path / "vectors.txt"
    fitted = _run(example_python, "-m", "lexiplug.cli.main", "example-fit", str(corpus),
                  str(output), "--dim", "8")  # from the lexiplug_cli_commands hook
    assert "8 x 8" in fitted.stdout and output.exists()
    norms = _run(example_python, "-m", "lexiplug.cli.main", "example-norms", str(output),
                 "--json")
    result = json.loads(norms.stdout)
    assert result["evaluator"] == EVALUATOR and result["n_covered"] == 8


def test_disabled_plugin_is_listed_and_its_names_are_unknown(example_python: Path) -> None:
    env = {**_clean_env(), "LEXIPLUG_DISABLE_PLUGINS": "example"}
    assert _plugins_json(example_python, env)["example"]["status"] == "disabled"
    code = f"from lexiplug import registry; print(registry.embedders.has({EMBEDDER!r}))"
    assert _run(example_python, "-c", code, env=env).stdout.strip() == "False"


def test_broken_plugin_is_reported_and_the_rest_still_works(broken_python: Path) -> None:
    records = _plugins_json(broken_python)
    assert records["broken_import"]["status"] == "failed"
    assert "fails at import on purpose" in records["broken_import"]["error"]
    assert records["broken_register"]["status"] == "failed"
    assert "lexiplug_register fails on purpose" in records["broken_register"]["error"]
    assert records["broken_import"]["distribution"] == "lexiplug-broken-plugin"
    # sys.exit at import is a failed plugin, not the end of every command
    assert records["broken_exit"]["status"] == "failed"
    assert records["broken_exit"]["error"].startswith("SystemExit: ")
    # the name registered before the hook raised is gone, so nothing fails at run time
    assert records["broken_register"]["registered"] == []
    assert "broken.half_registered.v1" in records["broken_register"]["error"]
    # the working third-party plugin and the built-ins are unaffected by the broken ones
    assert records["example"]["status"] == "loaded"
    builtin_status = {r["name"]: r["status"] for r in _plugins_json(_host_python()).values()}
    for name, status in builtin_status.items():
        assert records[name]["status"] == status, name
    report = json.loads(_run(broken_python, "-c", REGISTRY_CHECK).stdout)
    assert EMBEDDER in report["embedders"] and report["mean_norm"] > 0
    assert "broken.half_registered.v1" not in report["embedders"]
    text = _run(broken_python, "-m", "lexiplug.cli.main", "plugins", "list").stdout
    assert "failed" in text and "fails at import on purpose" in text


def test_unknown_name_error_names_the_broken_plugins(broken_python: Path) -> None:
    code = (
        "from lexiplug import registry\n"
        "from lexiplug.errors import RegistryError\n"
        "try:\n"
        "    registry.embedders.get('example.random_projection.v2')\n"
        "except RegistryError as error:\n"
        "    print(error)\n"
    )
    message = _run(broken_python, "-c", code).stdout
    assert EMBEDDER in message  # the available names, with the close match
    assert all(name in message for name in ("broken_exit", "broken_import", "broken_register"))


def test_trace_env_reports_each_plugin_on_stderr(broken_python: Path) -> None:
    env = {**_clean_env(), "LEXIPLUG_TRACE_PLUGINS": "1"}
    code = "from lexiplug import registry; registry.embedders.names()"
    stderr = _run(broken_python, "-c", code, env=env).stderr
    assert "example: loaded" in stderr
    assert "broken_register: FAILED" in stderr and "RuntimeError" in stderr


def _host_python() -> Path:
    return Path(sys.executable)
