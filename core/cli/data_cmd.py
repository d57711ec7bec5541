"""``lexiplug data list``: every registered dataset, and where (or whether) it was found."""

from __future__ import annotations

import json
from typing import Any

import typer

from ..errors import LexiplugError
from ..registry import registry

data_app = typer.Typer(help="Registered datasets and where the data resolver finds them.",
                       no_args_is_help=True)


def dataset_rows() -> list[dict[str, Any]]:
    rows = []
    for name in registry.datasets.names():
        spec = registry.datasets.get(name)()
        try:
            paths = [str(p) for p in spec.paths()]
            found = all(__import__("os").path.exists(p) for p in paths)
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


@data_app.command("list")
def list_data(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List datasets with their kind, availability and location."""
    rows = dataset_rows()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from ..data.resolver import DATA_ENV, data_roots

    typer.echo(f"Data roots ({DATA_ENV} first): " + "; ".join(str(r) for r in data_roots()))
    for row in rows:
        mark = "yes" if row["available"] else "no "
        where = row["where"] if row["available"] else "missing"
        typer.echo(f"{row['name']:<24} {row['kind']:<11} {mark} {where}")
