"""Installing lexiplug must not make spaCy, ``import lexiplug`` or ``lexiplug --help`` heavy.

spaCy imports the module of every ``spacy_*`` entry point in the environment, with no error
handling, whenever it builds a pipeline; lexiplug's spaCy entry points therefore point at tiny
modules that import torch, gensim, transformers and model code only inside functions
(docs/architecture.md). thinc imports torch by itself when torch is installed, so "torch is in
sys.modules" cannot tell who imported it: the checks below watch *which module* executes each
heavy import statement, and which lexiplug modules get loaded at all.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "gensim", "transformers", "sentence_transformers", "sklearn", "tensorflow")
HEAVY_LEXIPLUG_PARTS = ("model", "models", "train", "training", "engine", "gensim_engine")

# Runs in a fresh interpreter: records heavy imports made by lexiplug code, then reports.
PROBE = r"""
import builtins, json, sys, types
HEAVY = set(json.loads(sys.argv[1]))
blamed = []
real_import = builtins.__import__

def watching_import(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "") or ""
    if level == 0 and name.partition(".")[0] in HEAVY and importer.startswith("lexiplug"):
        blamed.append(f"{importer} imports {name}")
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = watching_import

def heavy_references():
    # a lexiplug module holding a heavy module/class at top level imported it at import time
    found = []
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("lexiplug") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            origin = value.__name__ if isinstance(value, types.ModuleType) else getattr(
                value, "__module__", None)
            if isinstance(origin, str) and origin.partition(".")[0] in HEAVY:
                found.append(f"{module_name}.{attribute} -> {origin}")
    return found

def report(step):
    return {
        "step": step,
        "blamed": list(blamed),
        "heavy_references": heavy_references(),
        "lexiplug_modules": sorted(m for m in sys.modules if m.startswith("lexiplug")),
        "heavy_loaded": sorted(m for m in HEAVY if m in sys.modules),
    }

steps = []
exec(sys.argv[2])
print(json.dumps(steps))
"""


def run_probe(code: str) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEXIPLUG_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), code],
        capture_output=True, text=True, timeout=180, env=env,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_hygienic(step: dict) -> None:
    assert step["blamed"] == [], f"{step['step']}: heavy imports by lexiplug code"
    assert step["heavy_references"] == [], f"{step['step']}: heavy names at module top level"
    heavy_modules = [
        name for name in step["lexiplug_modules"]
        if name.startswith("lexiplug.plugins.") and name.rsplit(".", 1)[-1] in HEAVY_LEXIPLUG_PARTS
    ]
    assert heavy_modules == [], f"{step['step']}: lexiplug model code loaded"


def lexiplug_spacy_entry_points() -> list[tuple[str, str, str]]:
    from importlib.metadata import distribution

    return [
        (ep.group, ep.name, ep.value)
        for ep in distribution("lexiplug").entry_points
        if ep.group.startswith("spacy_")
    ]


def test_lexiplug_declares_spacy_entry_points() -> None:
    # guards the test below: it is only meaningful while spaCy can see our entry points
    assert ("spacy_misc", "lexiplug.vectors.v1", "lexiplug.spacy_bridge:lexiplug_vectors") in (
        lexiplug_spacy_entry_points()
    )


def test_spacy_blank_and_our_spacy_entry_points_stay_light() -> None:
    pytest.importorskip("spacy")
    code = (
        "import spacy\n"
        "nlp = spacy.blank('en')\n"
        "steps.append(report('spacy.blank'))\n"
        "from importlib.metadata import distribution\n"
        "for ep in distribution('lexiplug').entry_points:\n"
        "    if ep.group.startswith('spacy_'):\n"
        "        ep.load()\n"  # what spacy train / spacy.load do for a config that uses them
        "spacy.registry.misc.get('lexiplug.vectors.v1')\n"
        "steps.append(report('every lexiplug spaCy entry point'))\n"
    )
    blank, loaded = run_probe(code)
    assert_hygienic(blank)
    assert_hygienic(loaded)
    assert "lexiplug.spacy_bridge" in loaded["lexiplug_modules"]  # the probe saw our modules


def test_import_lexiplug_imports_nothing_heavy() -> None:
    (step,) = run_probe("import lexiplug\nsteps.append(report('import lexiplug'))\n")
    assert_hygienic(step)
    assert step["heavy_loaded"] == []
    assert not any(m.startswith("lexiplug.plugins") for m in step["lexiplug_modules"])
    out = subprocess.run(
        [sys.executable, "-c", "import sys, lexiplug; print(sorted(m for m in "
         "('spacy', 'thinc', 'confection', 'numpy') if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "[]"


def test_cli_help_imports_nothing_heavy() -> None:
    code = (
        "from lexiplug.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
        "steps.append(report('lexiplug --help'))\n"
    )
    (step,) = run_probe(code)
    assert_hygienic(step)
    assert step["heavy_loaded"] == []


def _help_command() -> list[str]:
    script = Path(sys.executable).with_name("lexiplug")
    return [str(script), "--help"] if script.exists() else [
        sys.executable, "-m", "lexiplug.cli.main", "--help"]


@pytest.mark.slow
def test_cli_help_is_fast() -> None:
    # CPU seconds of the child, not wall time: on a shared, loaded machine the wall clock
    # measures the other jobs (it failed at load 20), while the import work stays the same.
    command = _help_command()
    timings = []
    for _ in range(3):  # best of three
        before = _children_cpu_s()
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        timings.append(_children_cpu_s() - before)
        assert result.returncode == 0, result.stderr
        assert "plugins" in result.stdout
    assert min(timings) < 1.5, (f"`lexiplug --help` used {min(timings):.2f} CPU s "
                                "(best of 3)")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
