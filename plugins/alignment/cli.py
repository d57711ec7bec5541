"""``lexiplug shift CONFIG``: train the config's CADE embedder and print how words moved.

The config is a study config (``[corpora.*]`` + an ``[embedders.*]`` block using
``lexiplug.cade.v1`` with ``corpus = [...]`` slices). Prints, per slice pair, the words that
moved most and least and the median cosine of the 1,000 most frequent shared words; for each
``--word``, its cosines and LNCS2 across slices and its neighbours per slice, with a PNG of
those neighbours in the shared space.
"""

from __future__ import annotations

from pathlib import Path

import typer
from lexiplug.cli.errors_boundary import user_errors

CADE = "lexiplug.cade.v1"


@user_errors
def shift(
    config: Path = typer.Argument(..., help="Study config with a lexiplug.cade.v1 embedder."),
    word: list[str] = typer.Option([], "--word", "-w", help="Word to inspect (repeatable)."),
    embedder: str | None = typer.Option(None, "--embedder", "-e",
                                        help="Embedder section name (default: the CADE one)."),
    top: int = typer.Option(20, "--top", help="Words listed as moved most / least."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Folder for plots (default runs/<config>/shift)."),
) -> None:
    """Train CADE slices from CONFIG and show the words that moved most and least."""
    from lexiplug.errors import ConfigError
    from lexiplug.study.config import load_study_config
    from lexiplug.study.plan import build_plan

    from .shift import shift_report
    from .shift_plot import plot_neighbours

    plan = build_plan(load_study_config(config), quiet=True)
    candidates = [s for s in plan.embedders.values() if s.block.function == CADE]
    if embedder is not None:
        candidates = [s for s in plan.embedders.values() if s.name == embedder]
    if not candidates:
        raise ConfigError(f"expected an [embedders.*] block with @embedders = {CADE!r}"
                          + (f" named {embedder!r}" if embedder else ""), where="embedders")
    step = candidates[0]
    slices = step.obj.fit({name: plan.corpora[name].obj for name in step.corpora})
    report = shift_report(slices, top_n=top, words=word)
    typer.echo(report.to_text())
    folder = output or Path("runs") / plan.config.name / "shift"
    for item in word:
        png = plot_neighbours(slices, item, folder / f"{item}.png")
        if png is not None:
            typer.echo(f"plot: {png}")
