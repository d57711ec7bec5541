"""``lexiplug data list``: every registered dataset, and where (or whether) it was found."""

from __future__ import annotations

import json
import os
from typing import Any

import typer

from ..errors import LexiplugError
from ..registry import registry

data_app = typer.Typer(help="Registered datasets and where the data resolver finds them.",
                       no_args_is_help=True)

_COLUMNS = (("name", 24), ("kind", 11), ("found", 5), ("where", 0))


def dataset_rows() -> list[dict[str, Any]]:
    rows = []
    for name in registry.datasets.names():
        spec = registry.datasets.get(name)()
        try:
            paths = [str(p) for p in spec.paths()]
            found = all(os.path.exists(p) for p in paths)
        except LexiplugError as error:
            paths, found = [], False
            where = error.message
        else:
            where = paths[0] if paths else ""
        rows.append({
            "name": name, "kind": spec.kind, "available": found, "where": where,
            "license": spec.license, "files": list(spec.files),
        })
    return rows


def root_lines() -> list[str]:
    """Where the resolver looks, in order, each folder labelled with where it came from."""
    from ..data.resolver import DATA_ENV, gensim_data_dir, labelled_data_roots

    lines = ["Data roots, searched in order:"]
    if not os.environ.get(DATA_ENV, "").strip():
        lines.append(f"  {DATA_ENV}: not set")
    for origin, root in labelled_data_roots():
        state = "" if root.is_dir() else "  (missing)"
        lines.append(f"  {origin}: {root}{state}")
    bundled = gensim_data_dir()
    lines.append(f"  gensim's bundled test data: {bundled if bundled else 'gensim not installed'}")
    return lines


@data_app.command("list")
def list_data(
    as_json: bool = typer.Option(False, "--json/--no-json", help="Print JSON."),
) -> None:
    """List datasets with their kind, availability and location."""
    rows = dataset_rows()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for line in root_lines():
        typer.echo(line)
    typer.echo("")
    typer.echo(_table_line({name: name for name, _ in _COLUMNS}))
    for row in rows:
        typer.echo(_table_line({
            "name": row["name"], "kind": row["kind"],
            "found": "yes" if row["available"] else "no",
            "where": row["where"] if row["available"] else "missing",
        }))


def _table_line(cells: dict[str, str]) -> str:
    return " ".join(f"{cells[name]:<{width}}" if width else cells[name]
                    for name, width in _COLUMNS).rstrip()
