"""Conversions between :class:`Vectors` and gensim's ``KeyedVectors`` / spaCy's vectors.

gensim and spaCy are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomic import atomic_dir
from ..errors import ConfigError, FormatError
from .vectors import Vectors

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__name__)


def to_gensim(vectors: Vectors) -> KeyedVectors:
    """A gensim ``KeyedVectors`` with the same keys, rows (copied) and counts."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=vectors.dim, count=0, dtype=np.float32)
    kv.index_to_key = list(vectors.keys)
    kv.key_to_index = dict(vectors.key_to_index)
    kv.vectors = np.array(vectors.matrix, dtype=np.float32)  # gensim may write into it
    kv.norms = None
    if vectors.counts is not None:
        kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
        kv.expandos["count"][:] = vectors.counts
    return kv


def from_gensim(keyed_vectors: Any) -> Vectors:
    """:class:`Vectors` from gensim ``KeyedVectors`` (or a model with ``.wv``); keeps counts."""
    kv = getattr(keyed_vectors, "wv", keyed_vectors)
    if not hasattr(kv, "index_to_key") or not hasattr(kv, "vectors"):
        raise ConfigError(
            f"expected gensim KeyedVectors or a gensim model, got {type(keyed_vectors).__name__}",
            where="keyed_vectors",
        )
    counts = None
    expando = getattr(kv, "expandos", {}).get("count")
    if expando is not None and len(expando) == len(kv.index_to_key):
        counts = np.asarray(expando, dtype=np.int64)
    matrix = np.asarray(kv.vectors[: len(kv.index_to_key)], dtype=np.float32)
    return Vectors(list(kv.index_to_key), matrix.copy(), counts=counts,
                   metadata={"source_format": "gensim"})


def to_spacy(vectors: Vectors, nlp: Any) -> Any:
    """Replace ``nlp.vocab.vectors`` with these vectors (strings added too); returns ``nlp``.

    Accepts a ``Language`` or a bare ``Vocab``.
    """
    from spacy.vectors import Vectors as SpacyVectors

    vocab = getattr(nlp, "vocab", nlp)
    for key in vectors.keys:
        vocab.strings.add(key)
    name = vectors.metadata.get("name") or f"lexiplug_{vectors.checksum()}"
    vocab.vectors = SpacyVectors(
        strings=vocab.strings, data=np.ascontiguousarray(vectors.matrix, dtype=np.float32),
        keys=vectors.keys, name=str(name),
    )
    return nlp


def from_spacy(nlp_or_vocab: Any) -> Vectors:
    """:class:`Vectors` from a spaCy ``Language`` or ``Vocab`` (default-mode vectors only)."""
    loaded = _read_spacy_vocab(getattr(nlp_or_vocab, "vocab", nlp_or_vocab), None)
    return Vectors(loaded.keys, loaded.matrix, metadata=loaded.metadata)


@dataclass
class LoadedVectors:
    keys: list[str]
    matrix: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)


def load_spacy_vectors(path: Path) -> LoadedVectors:
    """Read a spaCy pipeline folder (``vocab/``) or vectors/vocab folder, without a model.

    A pipeline's language (``meta.json``) is kept as ``metadata["spacy_lang"]`` so a
    conversion back to spaCy can default to it.
    """
    import json

    from spacy.vocab import Vocab

    vocab_dir = path / "vocab" if (path / "vocab" / "vectors").exists() else path
    if not (vocab_dir / "vectors").exists():
        raise FormatError("no spaCy vectors here (expected vectors or vocab/vectors)", path=path)
    vocab = Vocab()
    try:
        vocab.from_disk(vocab_dir)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise FormatError(f"cannot read spaCy vectors ({exc})", path=vocab_dir) from None
    loaded = _read_spacy_vocab(vocab, path)
    meta = path / "meta.json"
    if meta.is_file():
        try:
            lang = json.loads(meta.read_text(encoding="utf-8")).get("lang")
        except (ValueError, AttributeError):
            lang = None
        if isinstance(lang, str) and lang:
            loaded.metadata["spacy_lang"] = lang
    return loaded


DEFAULT_SPACY_LANG = "xx"  # spaCy's multi-language class: a tokenizer that fits any script


def save_spacy_vectors(
    vectors: Vectors, path: Path, *, lang: str | None = None, show_progress: bool | None = None
) -> None:
    """Write a blank spaCy pipeline of language ``lang`` holding these vectors.

    The same layout as ``spacy init vectors LANG VECTORS OUTPUT``: ``config.cfg``,
    ``meta.json``, ``tokenizer`` and ``vocab/`` (the vectors), so ``spacy.load(path)`` works
    and ``[initialize] vectors = "path"`` in a training config finds them. ``lang`` defaults
    to the language recorded when the vectors came from a spaCy pipeline, else ``xx``.
    A 200k x 300 table takes several seconds (the checksum that names the table, then the
    write), so a bar shows the steps for tables of ``_PROGRESS_ROWS`` rows or more.
    ``show_progress=None`` leaves the bar to tqdm's defaults, so ``TQDM_DISABLE`` and a
    caller's :func:`lexiplug.cli.progress.progress_silenced` (``--quiet``) switch it off.
    """
    from tqdm.auto import tqdm

    nlp = blank_pipeline(lang or vectors.metadata.get("spacy_lang") or DEFAULT_SPACY_LANG)
    quiet = show_progress is False or len(vectors) < _PROGRESS_ROWS
    # no explicit disable=False, which would override the caller's silencing
    bar_options = {"disable": True} if quiet else {}
    with tqdm(total=2, desc=f"spaCy pipeline ({nlp.lang})", unit=" step", **bar_options) as bar:
        bar.set_postfix_str("adding vectors")
        to_spacy(vectors, nlp)
        bar.update()
        bar.set_postfix_str(f"writing {path}")
        with atomic_dir(path) as tmp:
            nlp.to_disk(tmp)
        bar.update()


_PROGRESS_ROWS = 50_000


def blank_pipeline(lang: str) -> Any:
    """``spacy.blank(lang)``, with an unknown code reported as a lexiplug error."""
    import spacy

    language_class(lang)
    return spacy.blank(lang)


def language_class(lang: str) -> Any:
    """spaCy's ``Language`` subclass for ``lang`` (cheap: no tokenizer is built)."""
    from spacy.util import get_lang_class

    try:
        return get_lang_class(lang)
    except (ImportError, KeyError, ValueError) as exc:
        raise ConfigError(
            f"expected a spaCy language code (en, nl, tr, xx, ...), got {lang!r} ({exc})",
            where="lang",
        ) from None


def _read_spacy_vocab(vocab: Any, path: Path | None) -> LoadedVectors:
    table = vocab.vectors
    if getattr(table, "mode", "default") != "default":
        raise FormatError(
            f"spaCy vectors in {table.mode!r} mode (hashed subword rows) have no per-word "
            "table to convert; only default-mode vectors are supported", path=path,
        )
    data = np.asarray(table.data, dtype=np.float32)
    pairs = sorted(((int(row), int(key)) for key, row in table.key2row.items()))
    keys: list[str] = []
    rows: list[int] = []
    missing = 0
    for row, key in pairs:
        try:
            keys.append(vocab.strings[key])
        except KeyError:
            missing += 1
            continue
        rows.append(row)
    if missing:
        logger.warning("%s: %d spaCy vector key(s) have no string in the StringStore; skipped",
                       path or "spaCy vocab", missing)
    index = np.asarray(rows, dtype=np.int64)
    contiguous = len(index) == data.shape[0] and bool((index == np.arange(len(index))).all())
    matrix = data if contiguous else data[index]
    metadata: dict[str, Any] = {"source_format": "spacy"}
    if getattr(table, "name", None):
        metadata["spacy_vectors_name"] = table.name
    return LoadedVectors(keys, np.ascontiguousarray(matrix), metadata)
