"""The folder axis holds: core never imports a plugin, and plugin families form no import cycle.

Read from the source with ``ast`` (nothing is imported), so a lazy import inside a function
counts as much as one at the top: either one would tie core to a plugin family or let two
families load each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = {"lexiplug": ROOT / "core", "lexiplug.plugins": ROOT / "plugins"}


def module_name(path: Path) -> str:
    """``core/study/plan.py`` -> ``lexiplug.study.plan``; ``plugins/bias/weat.py`` ->
    ``lexiplug.plugins.bias.weat`` (``__init__`` names its package)."""
    for package, folder in sorted(PACKAGE_DIRS.items(), key=lambda item: -len(item[0])):
        if folder in path.parents:
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join([package, *parts])
    raise ValueError(f"{path} is outside core/ and plugins/")


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved, at any depth of the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> set[str]:
    """The modules ``source`` (a module of ``package``) imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # ``from . import x`` and ``from lexiplug.plugins import bias`` import submodules
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "build" not in path.parts)


def family_of(module: str) -> str | None:
    """The plugin family (``bias``, ``static``, ``tasks``...) a module belongs to, if any."""
    parts = module.split(".")
    if parts[:2] == ["lexiplug", "plugins"] and len(parts) > 2:
        return parts[2]
    return None


def family_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in python_files(ROOT / "plugins"):
        source = family_of(module_name(path))
        if source is None:
            continue
        targets = {family_of(module) for module in imported_modules(path)}
        graph.setdefault(source, set()).update(t for t in targets if t and t != source)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path ``[a, b, ..., a]``, or None when it is acyclic."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target):], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_core_never_imports_a_plugin() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "core")
        for module in sorted(imported_modules(path))
        if module == "lexiplug.plugins" or module.startswith("lexiplug.plugins.")
    ]
    assert offenders == [], "core/ must reach plugins only through the registry and hooks"


def test_plugin_families_import_each_other_without_cycles() -> None:
    graph = family_graph()
    assert {"bias", "alignment", "retrofit", "static", "evaluators", "datasets"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between plugin families: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_find_cycle_sees_cycles(graph: dict[str, set[str]], expected: list[str] | None) -> None:
    assert find_cycle(graph) == expected


def test_relative_imports_are_resolved() -> None:
    # The check is only as good as the import resolution: ``from ..bias import x`` inside
    # plugins/evaluators/ must read as an import of the bias family.
    source = "def f():\n    from ..bias.direction import gender_direction\nfrom . import common\n"
    modules = imports_in(source, "lexiplug.plugins.evaluators")
    assert "lexiplug.plugins.bias.direction" in modules
    assert "lexiplug.plugins.evaluators.common" in modules


def test_report_writers_do_not_import_the_runner() -> None:
    # the runner imports write.py to write its outcome; the types they share live in
    # study/outcome.py, so no writer needs the runner back (not even for type hints)
    study = ROOT / "core" / "study"
    runner_users = [
        path.name for path in python_files(study)
        if path.name != "runner.py" and "lexiplug.study.runner" in imported_modules(path)
    ]
    assert runner_users == []


def test_benches_share_the_harness_without_sys_path_preambles() -> None:
    # ``python bench/NAME.py`` already has bench/ on sys.path: ``from _harness import ...``
    # needs no per-file preamble
    bench = ROOT / "bench"
    copies = [path.name for path in sorted(bench.glob("*.py"))
              if "sys.path.insert(0, str(Path(__file__)" in path.read_text(encoding="utf-8")]
    assert copies == []
    users = [path.name for path in sorted(bench.glob("[a-z]*.py"))
             if "_harness" in imported_modules_anywhere(path)]
    assert len(users) >= 10


def imported_modules_anywhere(path: Path) -> set[str]:
    return imports_in(path.read_text(encoding="utf-8"), "")


def test_code_refers_to_documents_inside_the_repository() -> None:
    # design and paper notes outside the repository are gone for a reader of a clone:
    # comments point to docs/ (docs/architecture.md for the design)
    outside = ("DESIGN §", "DESIGN.md", "PAPERS §", "PAPERS.md", "design notes")
    offenders = [
        f"{path.relative_to(ROOT)}: {marker}"
        for folder in ("core", "plugins", "bench", "tests", "configs")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".cfg", ".toml") and path.name != "test_layout.py"
        for marker in outside if marker in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
    assert (ROOT / "docs" / "architecture.md").is_file()
