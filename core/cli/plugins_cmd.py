"""``lexiplug plugins list``: what loaded, what failed and why, what each registered."""

from __future__ import annotations

import json

import typer

from ..plugin_loader import plugin_records

plugins_app = typer.Typer(help="Inspect installed lexiplug plugins.", no_args_is_help=True)


@plugins_app.command("list")
def list_plugins(
    as_json: bool = typer.Option(False, "--json/--no-json", help="Print machine-readable JSON."),
) -> None:
    """List every plugin found through the `lexiplug` entry points."""
    records = plugin_records()
    if as_json:
        typer.echo(json.dumps([record.as_dict() for record in records], indent=2))
        return
    if not records:
        typer.echo("No lexiplug plugins found.")
        return
    for record in records:
        origin = f"{record.distribution} {record.version}" if record.distribution else "?"
        typer.echo(f"{record.name:<14} {record.status:<9} {origin:<28} {record.module}")
        if record.error:
            typer.echo(f"    error: {record.error}")
        for name in record.registered:
            typer.echo(f"    {name}")
