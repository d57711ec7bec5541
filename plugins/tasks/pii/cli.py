"""``lexiplug redact`` (the ``pii`` entry of ``lexiplug task prepare`` is ``prepare.prepare``).

Heavy imports happen inside the commands, so ``lexiplug --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def redact(
    model: str = typer.Option(..., "--model", "-m",
                              help="Pipeline folder or package with a lexiplug_pii component."),
    input: Path = typer.Argument(Path("-"), help="Text file, one post per line ('-': stdin)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Output file (default "
                                       "stdout)."),
    spans_key: str = typer.Option("pii", "--spans-key", help="doc.spans key of the PII spans."),
    batch_size: int = typer.Option(64, "--batch-size", help="Docs per nlp.pipe batch."),
) -> None:
    """Replace PII in each line with typed placeholders such as [EMAIL]."""
    import spacy

    from .redact import redact as redact_doc

    nlp = spacy.load(model)
    source = sys.stdin if str(input) == "-" else input.open(encoding="utf-8")
    lines = [line.rstrip("\n") for line in source]
    redacted = [redact_doc(doc, spans_key) for doc in nlp.pipe(lines, batch_size=batch_size)]
    text = "\n".join(redacted) + ("\n" if redacted else "")
    if output is None:
        typer.echo(text, nl=False)
        return
    from lexiplug.atomic import atomic_open

    with atomic_open(output, "w") as handle:
        handle.write(text)

