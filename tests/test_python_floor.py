"""The code keeps the promise of ``requires-python`` (3.10): no 3.11-only syntax or names.

The wheels this project tests with exist for 3.11 only, so the suite itself runs on 3.11;
these checks catch what would break an install on 3.10: the syntax (compiled by a real 3.10
interpreter when one is installed) and standard-library names added in 3.11 or later that are
used at run time (under ``if TYPE_CHECKING:`` they are fine).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("core", "plugins", "bench", "tests", "examples")

# module -> names it gained in 3.11+ (what this code base could plausibly reach for)
NEWER_NAMES = {
    "typing": {"Self", "Never", "LiteralString", "TypeVarTuple", "Unpack", "Required",
               "NotRequired", "assert_never", "assert_type", "reveal_type",
               "dataclass_transform", "override", "TypeAliasType", "get_overloads",
               "clear_overloads", "ReadOnly", "TypeIs"},
    "datetime": {"UTC"},
    "enum": {"StrEnum", "ReprEnum", "verify", "member", "nonmember", "global_enum"},
    "asyncio": {"TaskGroup", "timeout", "Runner"},
    "itertools": {"batched"},
    "hashlib": {"file_digest"},
}
NEWER_MODULES = {"tomllib", "wsgiref.types"}
# tests may use 3.11 modules: they run on 3.11 only (see the module docstring)
TEST_ONLY = ("tests",)


def python_files() -> list[Path]:
    files = []
    for folder in SOURCES:
        files += [p for p in (ROOT / folder).rglob("*.py")
                  if not {"build", ".venv", "out"} & set(p.parts)]
    return sorted(files)


def runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node outside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def newer_imports(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in runtime_nodes(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            newer = NEWER_NAMES.get(node.module, set())
            found += [f"{node.module}.{a.name}" for a in node.names if a.name in newer]
            if node.module in NEWER_MODULES:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name in NEWER_MODULES]
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.attr in NEWER_NAMES.get(node.value.id, set())):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_requires_python_is_the_floor_checked_here() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.10"


def test_no_runtime_use_of_names_newer_than_3_10() -> None:
    offenders = {
        str(path.relative_to(ROOT)): names
        for path in python_files()
        if path.relative_to(ROOT).parts[0] not in TEST_ONLY and (names := newer_imports(path))
    }
    assert offenders == {}


def test_the_check_sees_typing_self_but_not_under_type_checking(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from typing import TYPE_CHECKING, Self\n"
                     "if TYPE_CHECKING:\n    from typing import Never\n"
                     "import datetime\nwhen = datetime.UTC\n", encoding="utf-8")
    assert newer_imports(probe) == ["typing.Self", "datetime.UTC"]


def _python310() -> str | None:
    """A working 3.10 interpreter (a pyenv shim on PATH may point at another version)."""
    candidates = [os.environ.get("LEXIPLUG_PYTHON310"), shutil.which("python3.10"),
                  *map(str, sorted(Path("/root/.pyenv/versions").glob("3.10.*/bin/python3.10")))]
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "(3, 10)":
            return candidate
    return None


def test_python_3_10_compiles_every_module(tmp_path: Path) -> None:
    python = _python310()
    if python is None:
        pytest.skip("no python3.10 found (set LEXIPLUG_PYTHON310 to check the syntax floor)")
    files = [str(p) for p in python_files() if p.relative_to(ROOT).parts[0] not in TEST_ONLY]
    code = ("import sys, py_compile\n"
            "bad = []\n"
            "for f in sys.argv[1:]:\n"
            "    try:\n"
            "        py_compile.compile(f, cfile=sys.argv[0] + '.pyc', doraise=True)\n"
            "    except py_compile.PyCompileError as e:\n"
            "        bad.append(str(e))\n"
            "print('\\n'.join(bad))\n")
    script = tmp_path / "check.py"
    script.write_text(code, encoding="utf-8")
    out = subprocess.run([python, str(script), *files], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.strip() == ""
