"""``lexiplug task redact``: replace PII in text, one post per line.

With ``--model`` the trained ``lexiplug_pii`` pipeline (folder or installed package) finds
the spans; with ``--patterns-only`` the component's checksum-validated pattern layer alone
does, so redaction works before any model is trained. ``lexiplug redact`` is the old name,
kept as an alias for one release. Heavy imports happen inside the command, so
``lexiplug --help`` stays fast; errors name files and lines, never the text.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from lexiplug.cli.errors_boundary import user_errors
from lexiplug.errors import ConfigError, FormatError

from ..aliases import deprecated_alias
from .labels import PII_LABELS


def read_posts(input: Path) -> list[str]:
    """The lines of ``input`` ('-': stdin) without their newlines, as UTF-8."""
    from ..inputs import open_binary, text_lines

    if str(input) == "-":
        source = sys.stdin.buffer.read()
        try:
            return source.decode("utf-8").splitlines()
        except UnicodeDecodeError as error:
            line = source[:error.start].count(b"\n") + 1
            raise FormatError(f"expected UTF-8 text ({error.reason})", path="<stdin>",
                              line=line) from None
    if not input.is_file():
        raise FormatError("expected a text file, one post per line", path=str(input))
    with open_binary(input) as handle:
        return [line.rstrip("\r\n") for line in text_lines(input, handle)]


def patterns_only_docs(lines: list[str], spans_key: str, batch_size: int) -> Iterator[Any]:
    """Docs of a blank tokenizer whose ``spans[spans_key]`` are the pattern hits."""
    import spacy

    from .patterns import pattern_spans

    nlp = spacy.blank("xx")  # language-neutral tokenizer: hits are widened to tokens anyway
    for doc in nlp.pipe(lines, batch_size=batch_size):
        doc.spans[spans_key] = pattern_spans(doc, PII_LABELS)
        yield doc


def model_docs(model: str, lines: list[str], spans_key: str, batch_size: int) -> Iterator[Any]:
    from ..pipelines import load_task_pipeline

    nlp = load_task_pipeline(model, "lexiplug_pii")
    return nlp.pipe(lines, batch_size=batch_size)


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    from lexiplug.atomic import atomic_open

    try:
        with atomic_open(output, "w") as handle:
            handle.write(text)
    except OSError as error:
        raise ConfigError(f"cannot write the output ({error.strerror or error})",
                          where=f"--output {output}") from None


@user_errors
def redact(
    model: str | None = typer.Option(
        None, "--model", "-m", help="Pipeline folder or installed package with a "
        "lexiplug_pii component."),
    input: Path = typer.Argument(Path("-"), help="Text file, one post per line ('-': stdin)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Output file (default "
                                       "stdout)."),
    patterns_only: bool = typer.Option(
        False, "--patterns-only", help="No model: redact only what the pattern layer finds "
        "(emails, URLs, handles, phones, IBANs, cards, full dates)."),
    spans_key: str = typer.Option("pii", "--spans-key", help="doc.spans key of the PII spans."),
    batch_size: int = typer.Option(64, "--batch-size", help="Docs per nlp.pipe batch."),
) -> None:
    """Replace PII in each line with typed placeholders such as [EMAIL]."""
    from .redact import redact as redact_doc

    if patterns_only == (model is not None):
        raise ConfigError("give either --model PIPELINE or --patterns-only",
                          where="lexiplug task redact")
    if batch_size < 1:
        raise ConfigError(f"expected a positive batch size, found {batch_size}",
                          where="--batch-size")
    if model is not None:  # the model is checked before any input is read
        from ..pipelines import component_with_factory, resolve_pipeline

        component_with_factory(resolve_pipeline(model), "lexiplug_pii")
    lines = read_posts(input)
    docs = (patterns_only_docs(lines, spans_key, batch_size) if model is None
            else model_docs(model, lines, spans_key, batch_size))
    redacted = [redact_doc(doc, spans_key) for doc in docs]
    write_output("\n".join(redacted) + ("\n" if redacted else ""), output)


redact_alias = deprecated_alias(redact, "redact")
