"""The wheel ships every module: ``core/`` -> ``lexiplug``, ``plugins/`` -> ``lexiplug.plugins``.

With a package-dir mapping, setuptools ships only the packages listed in pyproject; a missing
entry still imports fine in the editable install, so only a real wheel shows the hole. The
fast check compares the listing with the folders; the slow one builds the wheel (from a copy,
so the checkout gets no build/ or egg-info) and compares its files with the source tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="Python >= 3.11")

REPO = Path(__file__).resolve().parents[1]
PACKAGE_ROOTS = {"core": "lexiplug", "plugins": "lexiplug/plugins"}
IGNORED_PARTS = {"__pycache__"}
IGNORED_SUFFIXES = {".pyc", ".pyo"}


def source_files(repo: Path = REPO) -> dict[str, Path]:
    """Every file under core/ and plugins/, keyed by its path inside the wheel."""
    files = {}
    for folder, target in PACKAGE_ROOTS.items():
        for path in sorted((repo / folder).rglob("*")):
            relative = path.relative_to(repo / folder)
            if path.is_dir() or IGNORED_PARTS & set(relative.parts):
                continue
            if path.suffix in IGNORED_SUFFIXES:
                continue
            files[f"{target}/{relative.as_posix()}"] = path
    return files


def unlisted_packages(pyproject: dict, repo: Path = REPO) -> list[str]:
    """Folders holding .py files that pyproject's ``packages`` does not list."""
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    needed = set()
    for wheel_path in source_files(repo):
        if wheel_path.endswith(".py"):
            needed.add(wheel_path.rsplit("/", 1)[0].replace("/", "."))
    return sorted(needed - listed)


def read_pyproject(repo: Path = REPO) -> dict:
    return tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_folder_with_modules_is_listed_in_pyproject() -> None:
    missing = unlisted_packages(read_pyproject())
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_the_listing_check_catches_a_missing_entry() -> None:
    pyproject = read_pyproject()
    packages = pyproject["tool"]["setuptools"]["packages"]
    pyproject["tool"]["setuptools"]["packages"] = [p for p in packages if p != "lexiplug.cli"]
    assert "lexiplug.cli" in unlisted_packages(pyproject)


def test_package_dir_mapping_matches_the_layout() -> None:
    mapping = read_pyproject()["tool"]["setuptools"]["package-dir"]
    assert mapping == {"lexiplug": "core", "lexiplug.plugins": "plugins"}
    assert (REPO / "core" / "py.typed").is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build", reason="needs the 'build' package (dev extra)")
    copy = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in PACKAGE_ROOTS:
        shutil.copytree(REPO / name, copy / name, ignore=ignore)
    for path in REPO.iterdir():
        if path.is_file() and (path.name in {"pyproject.toml", "README.md"}
                               or path.name.startswith(("LICENSE", "LICENCE"))):
            shutil.copy2(path, copy / path.name)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=copy, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"wheel build failed:\n{result.stdout[-3000:]}\n{result.stderr}"
    (built,) = out.glob("lexiplug-*.whl")
    return built


@pytest.mark.slow
def test_wheel_ships_exactly_the_source_modules(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {name for name in names if name.startswith("lexiplug/") and name.endswith(".py")}
    expected = {name for name in source_files() if name.endswith(".py")}
    assert sorted(expected - shipped) == [], "modules missing from the wheel"
    assert sorted(shipped - expected) == [], "wheel modules with no source file"


@pytest.mark.slow
def test_wheel_ships_data_files_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "lexiplug/py.typed" in names
    data = {name for name in source_files() if not name.endswith(".py")}
    assert sorted(data - names) == [], "package data missing: add it to package-data"
    outside = {n for n in names if not n.startswith(("lexiplug/", "lexiplug-"))}
    assert outside == set(), "the wheel ships files outside the lexiplug package"


@pytest.mark.slow
def test_wheel_declares_the_builtin_plugins_and_the_script(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    (entry_points_file,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
    text = archive.read(entry_points_file).decode()
    declared = read_pyproject()["project"]["entry-points"]["lexiplug"]
    assert "[lexiplug]" in text and "[console_scripts]" in text
    for name, module in declared.items():
        assert f"{name} = {module}" in text
        module_file = module.replace(".", "/") + ".py"
        assert module_file in archive.namelist(), f"entry point {name} names a missing module"
    assert "lexiplug = lexiplug.cli.main:main" in text
