"""``lexiplug vectors info|convert|query``: look at and convert vector files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .errors_boundary import user_errors
from .progress import reading, spinner

vectors_app = typer.Typer(help="Inspect, convert and query word-vector files.",
                          no_args_is_help=True)

FORMAT_HELP = "native, word2vec-text, word2vec-binary, glove, fasttext-vec, spacy"


@vectors_app.command("info")
@user_errors
def info(
    path: Path = typer.Argument(..., help="Vectors file or folder."),
    format: str = typer.Option("auto", "--format", "-f", help=f"auto, {FORMAT_HELP}."),
    as_json: bool = typer.Option(False, "--json/--no-json", help="Print JSON."),
) -> None:
    """Size, dimension, format and norm statistics of a vectors file."""
    import numpy as np

    from ..vectors.io import load_vectors

    with reading(path):
        vectors = load_vectors(path, format=format)
    norms = np.linalg.norm(np.asarray(vectors.matrix), axis=1)
    summary = {
        "path": str(path),
        "format": vectors.metadata.get("source_format", format),
        "words": len(vectors),
        "dim": vectors.dim,
        "has_counts": vectors.counts is not None,
        "norm_mean": float(norms.mean()) if len(norms) else None,
        "norm_min": float(norms.min()) if len(norms) else None,
        "norm_max": float(norms.max()) if len(norms) else None,
        "zero_rows": int((norms == 0).sum()),
        "first_words": vectors.keys[:10],
        "checksum": vectors.checksum(),
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for key, value in summary.items():
        typer.echo(f"{key:<12} {value}")


@vectors_app.command("convert")
@user_errors
def convert(
    source: Path = typer.Argument(..., help="Input vectors file or folder."),
    target: Path = typer.Argument(..., help="Output path."),
    to: str = typer.Option(..., "--to", help=f"Output format: {FORMAT_HELP}."),
    source_format: str = typer.Option("auto", "--from", help="Input format (default: detect)."),
) -> None:
    """Convert between vector formats (the output is written atomically)."""
    from ..vectors.io import load_vectors, save_vectors

    with reading(source):
        vectors = load_vectors(source, format=source_format)
    with spinner(f"writing {len(vectors)} x {vectors.dim} vectors to {target} ({to})"):
        written = save_vectors(vectors, target, format=to)
    typer.echo(f"wrote {len(vectors)} x {vectors.dim} vectors to {written} ({to})")


@vectors_app.command("query")
@user_errors
def query(
    path: Path = typer.Argument(..., help="Vectors file or folder."),
    words: list[str] = typer.Argument(..., help="Positive query words."),
    negative: list[str] = typer.Option([], "--negative", "-n", help="Negative words."),
    topn: int = typer.Option(10, "--topn", help="How many neighbours."),
    restrict_vocab: int | None = typer.Option(None, "--restrict-vocab",
                                              help="Search only the first N words."),
    cosmul: bool = typer.Option(False, "--cosmul", help="3CosMul instead of 3CosAdd."),
    format: str = typer.Option("auto", "--format", "-f", help="Input format."),
    as_json: bool = typer.Option(False, "--json/--no-json", help="Print JSON."),
) -> None:
    """Nearest neighbours of words (or of b - a + c with --negative)."""
    from ..errors import OOVError
    from ..vectors.io import load_vectors

    with reading(path):
        vectors = load_vectors(path, format=format)
    missing = [w for w in [*words, *negative] if w not in vectors]
    if missing:
        raise OOVError(f"not in the vocabulary of {path}: {', '.join(missing)}")
    search = vectors.most_similar_cosmul if cosmul else vectors.most_similar
    neighbours = search(words, negative, topn=topn, restrict_vocab=restrict_vocab)
    if as_json:
        typer.echo(json.dumps([{"word": w, "score": s} for w, s in neighbours], indent=2))
        return
    for word, score in neighbours:
        typer.echo(f"{score:8.4f}  {word}")
