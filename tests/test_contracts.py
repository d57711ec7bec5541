"""Every registered function returns an object of its section's contract (core/contracts.py).

Checked on the class each factory returns, by signature: a method the contract calls must
accept the contract's arguments (positionally where the contract passes them so), and may add
only parameters with defaults. An optional capability the class offers (a ``fingerprint``,
``evaluate_all``...) must have the capability's signature too, since callers find it by
``isinstance``. Classes behind lazy shims (factories that import torch only when called) are
found through the shim's own import, without calling it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import typing
from collections.abc import Callable
from typing import Any

import pytest
from lexiplug import contracts
from lexiplug.registry import SECTION_NAMES, registry


def returned_class(factory: Callable[..., Any]) -> type | None:
    """The class ``factory`` returns: its return annotation, or for a lazy shim annotated
    ``Any``, the class it imports inside its body and returns a call of."""
    hint = typing.get_type_hints(factory).get("return")
    if inspect.isclass(hint) and hint is not Any:
        return hint
    tree = ast.parse(textwrap.dedent(inspect.getsource(factory)))
    imported: dict[str, tuple[str, int]] = {}
    returned: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                imported[alias.asname or alias.name] = (node.module or "", node.level)
        elif (isinstance(node, ast.Return) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name)):
            returned.add(node.value.func.id)
    names = [name for name in returned if name in imported]
    if len(names) != 1:
        return None
    module_name, level = imported[names[0]]
    package = factory.__module__.rsplit(".", level)[0] if level else None
    target = ("." * level + module_name) if level else module_name
    return getattr(importlib.import_module(target, package), names[0])  # type: ignore[no-any-return]


def _parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    parameters = list(inspect.signature(function).parameters.values())
    return parameters[1:] if parameters and parameters[0].name == "self" else parameters


def signature_problems(implementation: Callable[..., Any], contract: Callable[..., Any]
                       ) -> list[str]:
    """Why ``implementation`` cannot be called the way ``contract`` says; empty when it can."""
    problems = []
    given = _parameters(implementation)
    takes_args = any(p.kind is p.VAR_POSITIONAL for p in given)
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in given)
    positional = [p for p in given if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    by_name = {p.name: p for p in given}
    used: set[str] = set()
    index = 0
    for wanted in _parameters(contract):
        if wanted.kind is wanted.POSITIONAL_OR_KEYWORD:
            if index < len(positional):
                used.add(positional[index].name)
                index += 1
            elif not takes_args:
                problems.append(f"takes no positional argument for {wanted.name!r}")
        elif wanted.kind is wanted.KEYWORD_ONLY:
            if wanted.name in by_name:
                used.add(wanted.name)
            elif not takes_kwargs:
                problems.append(f"takes no keyword {wanted.name!r}")
        # *args / **refs in a contract: the implementation names what it takes
    for parameter in given:
        if (parameter.name not in used and parameter.default is parameter.empty
                and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)):
            problems.append(f"requires {parameter.name!r}, which the contract never passes")
    return problems


def contract_problems(cls: type, protocol: type, *, required: bool) -> list[str]:
    problems = []
    members = [name for name in protocol.__dict__ if not name.startswith("_")]
    members += [name for name in getattr(protocol, "__annotations__", {})]
    for member in dict.fromkeys(members):
        contract = protocol.__dict__.get(member)
        present = hasattr(cls, member) or member in _fields(cls)
        if not present:
            if required:
                problems.append(f"{protocol.__name__}.{member} is missing")
            continue
        if callable(contract):
            implementation = getattr(cls, member)
            problems += [f"{protocol.__name__}.{member}: {p}"
                         for p in signature_problems(implementation, contract)]
    return problems


def _fields(cls: type) -> set[str]:
    names = set(getattr(cls, "__dataclass_fields__", {}))
    for klass in cls.__mro__:
        names |= set(getattr(klass, "__annotations__", {}))
    return names


def offers(cls: type, capability: type) -> bool:
    """The class has every member of ``capability`` (then it must match its signatures)."""
    members = [name for name in capability.__dict__ if not name.startswith("_")]
    members += list(getattr(capability, "__annotations__", {}))
    return all(hasattr(cls, m) or m in _fields(cls) for m in members)


def registered() -> list[tuple[str, str, Callable[..., Any]]]:
    return [(section, name, factory) for section in SECTION_NAMES
            for name, factory in registry.section(section).get_all().items()]


def test_every_section_has_a_contract() -> None:
    assert set(contracts.SECTION_CONTRACTS) == set(SECTION_NAMES)


@pytest.mark.parametrize(("section", "name", "factory"), registered(),
                         ids=[f"{s}:{n}" for s, n, _ in registered()])
def test_registered_object_keeps_its_contract(section: str, name: str,
                                              factory: Callable[..., Any]) -> None:
    cls = returned_class(factory)
    assert cls is not None, f"{name}: the factory names no class it returns (annotate it)"
    problems = contract_problems(cls, contracts.SECTION_CONTRACTS[section], required=True)
    for capability in contracts.CAPABILITIES:
        if offers(cls, capability):
            problems += contract_problems(cls, capability, required=False)
    assert problems == [], f"{name} -> {cls.__qualname__}"


class _GoodTransform:
    def apply(self, vectors: Any, target: Any = None) -> Any: ...


class _TwoRequired:
    def evaluate(self, model: Any, dataset: Any, split: str) -> Any: ...


class _NoDataset:
    def evaluate(self, model: Any) -> Any: ...


class _BadFingerprint:
    def fit(self, corpus: Any) -> Any: ...

    def fingerprint(self, deep: bool) -> object: ...


def test_signature_check_catches_what_isinstance_misses() -> None:
    # each of these passes isinstance(): the methods exist
    assert isinstance(_TwoRequired(), contracts.Evaluator)
    assert isinstance(_NoDataset(), contracts.Evaluator)
    assert contract_problems(_GoodTransform, contracts.Transform, required=True) == []
    assert contract_problems(_TwoRequired, contracts.Evaluator, required=True) == [
        "Evaluator.evaluate: requires 'split', which the contract never passes"]
    assert contract_problems(_NoDataset, contracts.Evaluator, required=True) == [
        "Evaluator.evaluate: takes no positional argument for 'dataset'"]
    assert offers(_BadFingerprint, contracts.Fingerprinted)
    assert contract_problems(_BadFingerprint, contracts.Fingerprinted, required=False) == [
        "Fingerprinted.fingerprint: requires 'deep', which the contract never passes"]
    assert contract_problems(object, contracts.Embedder, required=True) == [
        "Embedder.fit is missing"]


@pytest.mark.parametrize("page", ["architecture.md", "plugins.md"])
def test_docs_list_every_contract(page: str) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / page).read_text(encoding="utf-8")
    names = [p.__name__ for p in (*contracts.SECTION_CONTRACTS.values(), *contracts.CAPABILITIES)]
    assert [name for name in names if f"`{name}`" not in text] == []
