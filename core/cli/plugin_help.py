"""The help line of a plugin CLI command, read from its source without importing it.

``lexiplug --help`` lists every ``lexiplug_cli`` entry point, and importing them all would
pull in whatever each plugin imports at module top. The target is found in its module's
source with :mod:`ast`: a function's docstring, or the ``help=`` of a ``typer.Typer(...)``
assignment. Only the target's parent packages are imported (to locate the file), which a
plugin keeps light for its entry points anyway.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
from pathlib import Path


def entry_point_help(entry_point: importlib.metadata.EntryPoint) -> str | None:
    """The first paragraph of the target's help, or None when it cannot be read statically."""
    module_name, _, attribute = entry_point.value.partition(":")
    attribute = attribute.strip().split(".")[0]
    try:
        spec = importlib.util.find_spec(module_name.strip())
    except Exception:  # a broken parent package must not break --help;
        return None  # running the command reports the failure
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    text = _target_help(tree, attribute) if attribute else ast.get_docstring(tree)
    return _first_paragraph(text) if text else None


def _target_help(tree: ast.Module, name: str) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return ast.get_docstring(node)
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return _help_keyword(node.value) or _wrapped_help(tree, node.value)
    return None


def _wrapped_help(tree: ast.Module, value: ast.expr | None) -> str | None:
    """``alias = wrapper(command, ...)``: the help of ``command``, a function of the module."""
    if not isinstance(value, ast.Call) or not value.args:
        return None
    wrapped = value.args[0]
    if not isinstance(wrapped, ast.Name):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == wrapped.id:
            return ast.get_docstring(node)
    return None


def _help_keyword(value: ast.expr | None) -> str | None:
    if not isinstance(value, ast.Call):
        return None
    for keyword in value.keywords:
        if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return None


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())
