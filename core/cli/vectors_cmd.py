"""``lexiplug vectors info|convert|query``: look at and convert vector files."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer

from .errors_boundary import user_errors
from .progress import progress_silenced, reading, spinner

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
    lang: str | None = typer.Option(
        None, "--lang",
        help="--to spacy: language of the blank pipeline (default: the source pipeline's, "
             "else xx).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    quantize: list[str] = typer.Option(
        [], "--quantize",
        help="--to native: also store int8 or binary codes (repeat for both), searchable "
             "with lexiplug.vectors.io_quantized.load_quantized.",
    ),
    keep_float: bool = typer.Option(
        True, "--keep-float/--no-float",
        help="With --quantize: keep the float32 rows (exact rescoring) or store codes only.",
    ),
) -> None:
    """Convert between vector formats (the output is written atomically).

    --to spacy writes a blank spaCy pipeline holding the vectors, as `spacy init vectors`
    does: `spacy.load(TARGET)` reads it.
    """
    from ..errors import ConfigError, require_one_of
    from ..vectors.formats import canonical_format
    from ..vectors.io import load_vectors, save_vectors
    from ..vectors.quantize import QUANT_KINDS

    for kind in quantize:
        require_one_of(kind, QUANT_KINDS, "--quantize")
    if quantize and canonical_format(to) != "native":
        raise ConfigError(f"--quantize writes the native format; got --to {to}",
                          where="--quantize")
    if not keep_float and not quantize:
        raise ConfigError("--no-float keeps only quantized codes, so it needs --quantize",
                          where="--no-float")
    to_spacy = canonical_format(to) == "spacy"
    if to_spacy and lang is not None:
        from ..vectors.interop import language_class

        language_class(lang)  # an unknown code fails before the (slow) read
    with reading(source, quiet):
        vectors = load_vectors(source, format=source_format)
    if to_spacy and lang is not None:
        vectors.metadata["spacy_lang"] = lang
    writing = (contextlib.nullcontext() if to_spacy  # --to spacy draws its own bar
               else spinner(f"writing {len(vectors)} x {vectors.dim} vectors to {target} ({to})",
                            quiet))
    with progress_silenced(quiet), writing:
        if quantize:
            from ..vectors.io_quantized import save_quantized

            written = save_quantized(vectors, target, quantize, keep_float=keep_float)
        else:
            written = save_vectors(vectors, target, format=to)
    codes = f", {' and '.join(dict.fromkeys(quantize))} codes" if quantize else ""
    typer.echo(f"wrote {len(vectors)} x {vectors.dim} vectors to {written} ({to}{codes})")
    if to_spacy:
        typer.echo(f"a blank '{vectors.metadata.get('spacy_lang', 'xx')}' spaCy pipeline: "
                   f"spacy.load({str(written)!r})")


@vectors_app.command("export")
@user_errors
def export(
    source: Path = typer.Argument(..., help="Input vectors file or folder."),
    target: Path = typer.Argument(..., help="Output folder."),
    to: str = typer.Option(..., "--to",
                           help="sentence-transformers, model2vec, spacy or gensim."),
    source_format: str = typer.Option("auto", "--from", help="Input format (default: detect)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Write a folder another library loads by itself (atomically): a sentence-transformers
    StaticEmbedding model, a model2vec model, a spaCy pipeline or gensim KeyedVectors."""
    from ..errors import require_one_of
    from ..vectors.exports import EXPORTS, export_vectors
    from ..vectors.io import load_vectors

    require_one_of(to, EXPORTS, "--to")
    with reading(source, quiet):
        vectors = load_vectors(source, format=source_format)
    with progress_silenced(quiet), spinner(f"exporting {len(vectors)} words ({to})", quiet):
        written = export_vectors(vectors, target, to)
    loaders = {
        "sentence-transformers": f"SentenceTransformer({str(written)!r})",
        "model2vec": f"StaticModel.from_pretrained({str(written)!r})",
        "spacy": f"spacy.load({str(written)!r})",
        "gensim": f"KeyedVectors.load({str(written / 'vectors.kv')!r})",
    }
    typer.echo(f"wrote {len(vectors)} x {vectors.dim} vectors to {written}: {loaders[to]}")


@vectors_app.command("index")
@user_errors
def index(
    path: Path = typer.Argument(..., help="Native vectors folder (the index is saved in it)."),
    m: int = typer.Option(16, "--M", help="HNSW links per node."),
    ef_construction: int = typer.Option(128, "--ef-construction",
                                        help="Candidates kept while building."),
    ef_search: int = typer.Option(128, "--ef-search", help="Candidates kept while searching."),
    storage: str = typer.Option("flat", "--storage",
                                help="Rows in the index: flat (float32) or sq8 (int8, a "
                                     "quarter of the memory; candidates rescored exactly)."),
    oversample: int | None = typer.Option(None, "--oversample",
                                          help="Candidates per neighbour before rescoring "
                                               "(default: 1 flat, 2 sq8)."),
    threads: int | None = typer.Option(None, "--threads", help="Build threads (default: all)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Build an HNSW index (faiss, `pip install 'lexiplug[ann]'`) beside a native table, for
    `query --approximate` and most_similar(exact=False)."""
    from ..vectors.io import load_vectors

    with reading(path, quiet):
        vectors = load_vectors(path, format="native", mmap=True)
    with spinner(f"building an HNSW index over {len(vectors)} x {vectors.dim}", quiet):
        built = vectors.build_index(M=m, ef_construction=ef_construction, ef_search=ef_search,
                                    storage=storage, oversample=oversample, threads=threads,
                                    save=path)
    typer.echo(f"indexed {built.rows} x {built.dim} in {built.build_s:.1f} s: "
               f"{path / 'ann_index'}")


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
    approximate: bool = typer.Option(
        False, "--approximate",
        help="Use the HNSW index saved beside a native table (`lexiplug vectors index`).",
    ),
    threads: int | None = typer.Option(None, "--threads", help="BLAS threads (default: all)."),
) -> None:
    """Nearest neighbours of words (or of b - a + c with --negative)."""
    from ..errors import ConfigError, OOVError
    from ..vectors.io import load_vectors

    if approximate and cosmul:
        raise ConfigError("--approximate searches with 3CosAdd only", where="--cosmul")
    with reading(path):
        vectors = load_vectors(path, format=format, mmap=approximate)
    missing = [w for w in [*words, *negative] if w not in vectors]
    if missing:
        raise OOVError(f"not in the vocabulary of {path}: {', '.join(missing)}")
    if cosmul:
        neighbours = vectors.most_similar_cosmul(words, negative, topn=topn,
                                                 restrict_vocab=restrict_vocab)
    else:
        neighbours = vectors.most_similar(words, negative, topn=topn,
                                          restrict_vocab=restrict_vocab,
                                          exact=not approximate, threads=threads)
    if as_json:
        typer.echo(json.dumps([{"word": w, "score": s} for w, s in neighbours], indent=2))
        return
    for word, score in neighbours:
        typer.echo(f"{score:8.4f}  {word}")

