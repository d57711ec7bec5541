"""A corpus encoded once to int32 word ids (flat array + sentence offsets), memory-mappable.

Encoding reads the stream once: each token gets a provisional id in first-occurrence order
(so ties in the final ranking keep first-occurrence order), the provisional ids are counted
with ``np.bincount`` and remapped to frequency ranks with one gather; out-of-vocabulary
tokens are dropped, as word2vec does. Results are cached under a key made of the corpus
checksum and the options, so later runs neither re-read nor re-tokenise the text.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..atomic import atomic_dir, atomic_open
from ..errors import FormatError
from .vocab import Vocabulary, check_vocabulary_options, rank_words

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_FLUSH_TOKENS = 1 << 20


class EncodedCorpus:
    """Token ids of in-vocabulary words; sentence ``s`` is ``ids[offsets[s]:offsets[s+1]]``."""

    def __init__(
        self,
        vocab: Vocabulary,
        ids: np.ndarray,
        offsets: np.ndarray,
        *,
        raw_token_count: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if ids.dtype != np.int32 or offsets.dtype != np.int64:
            raise ValueError(
                f"expected int32 ids and int64 offsets; got {ids.dtype}, {offsets.dtype}"
            )
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(ids):
            raise ValueError("offsets must start at 0 and end at len(ids)")
        self.vocab = vocab
        self.ids = ids
        self.offsets = offsets
        self.raw_token_count = int(len(ids) if raw_token_count is None else raw_token_count)
        self.metadata: dict[str, Any] = dict(metadata or {})

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    @property
    def n_sentences(self) -> int:
        return int(len(self.offsets) - 1)

    def sentences(self) -> Iterator[np.ndarray]:
        """Each sentence's id array (views into ``ids``, no copy)."""
        bounds = self.offsets.tolist()
        for start, stop in itertools.pairwise(bounds):
            yield self.ids[start:stop]

    def iter_sentences(self) -> Iterator[list[str]]:
        """Sentences as word lists (in-vocabulary words only), for code that wants strings."""
        words = np.asarray(self.vocab.words, dtype=object)
        for sentence in self.sentences():
            yield words[sentence].tolist()

    __iter__ = iter_sentences

    def write_text(self, path: str | Path) -> Path:
        """One sentence a line, words separated by spaces (gensim's ``corpus_file`` input)."""
        words = np.asarray(self.vocab.words, dtype=object)
        with atomic_open(path, "w", encoding="utf-8") as handle:
            for sentence in self.sentences():
                handle.write(" ".join(words[sentence].tolist()))
                handle.write("\n")
        return Path(path)

    def save(self, folder: str | Path) -> Path:
        """``ids.npy``, ``offsets.npy``, ``vocab.txt`` and ``meta.json``, written atomically."""
        with atomic_dir(folder) as tmp:
            np.save(tmp / "ids.npy", np.ascontiguousarray(self.ids))
            np.save(tmp / "offsets.npy", np.ascontiguousarray(self.offsets))
            self.vocab.save(tmp / "vocab.txt")
            meta = {
                "format_version": FORMAT_VERSION,
                "n_tokens": self.n_tokens,
                "n_sentences": self.n_sentences,
                "vocab_size": len(self.vocab),
                "raw_token_count": self.raw_token_count,
                **self.metadata,
            }
            with atomic_open(tmp / "meta.json", "w", encoding="utf-8") as handle:
                json.dump(meta, handle, indent=2, sort_keys=True)
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path, mmap: bool = True) -> EncodedCorpus:
        folder = Path(folder)
        meta_path = folder / "meta.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FormatError(
                "expected an encoded corpus folder with meta.json", path=folder
            ) from None
        except json.JSONDecodeError as error:
            raise FormatError(f"meta.json is not JSON: {error.msg}", path=meta_path) from None
        if meta.get("format_version") != FORMAT_VERSION:
            raise FormatError(
                f"expected format_version {FORMAT_VERSION}; found {meta.get('format_version')!r}",
                path=meta_path,
            )
        mode: Literal["r"] | None = "r" if mmap else None
        ids = np.load(folder / "ids.npy", mmap_mode=mode, allow_pickle=False)
        offsets = np.load(folder / "offsets.npy", mmap_mode=mode, allow_pickle=False)
        vocab = Vocabulary.load(folder / "vocab.txt")
        if len(ids) != meta["n_tokens"] or len(vocab) != meta["vocab_size"]:
            raise FormatError(
                f"meta.json promises {meta['n_tokens']} tokens / {meta['vocab_size']} words; "
                f"found {len(ids)} / {len(vocab)}",
                path=folder,
            )
        known = {"format_version", "n_tokens", "n_sentences", "vocab_size", "raw_token_count"}
        extra = {key: value for key, value in meta.items() if key not in known}
        return cls(vocab, ids, offsets, raw_token_count=meta["raw_token_count"], metadata=extra)

    def __repr__(self) -> str:
        return (
            f"EncodedCorpus({self.n_tokens} tokens, {self.n_sentences} sentences, "
            f"{len(self.vocab)} words)"
        )


class _FirstSeenIds(dict[str, int]):
    """Gives each new key the next integer, so ``map(ids.__getitem__, tokens)`` runs in C."""

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        return value


def encode_sentences(
    sentences: Iterable[list[str]],
    *,
    min_count: int = 5,
    max_vocab: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> EncodedCorpus:
    """Encode token lists to ranked ids in one pass (see the module docstring)."""
    check_vocabulary_options(min_count, max_vocab)
    provisional = _FirstSeenIds()
    lookup = provisional.__getitem__
    chunks: list[np.ndarray] = []
    buffer: list[int] = []
    lengths: list[int] = []
    for tokens in sentences:
        buffer.extend(map(lookup, tokens))
        lengths.append(len(tokens))
        if len(buffer) >= _FLUSH_TOKENS:
            chunks.append(np.asarray(buffer, dtype=np.int32))
            buffer = []
    chunks.append(np.asarray(buffer, dtype=np.int32))
    first_ids = np.concatenate(chunks)
    del chunks, buffer
    words = list(provisional)
    counts = np.bincount(first_ids, minlength=len(words)).astype(np.int64)
    kept = rank_words(words, counts, min_count=min_count, max_vocab=max_vocab)
    vocab = Vocabulary([words[i] for i in kept.tolist()], counts[kept])

    rank_of = np.full(len(words), -1, dtype=np.int32)
    rank_of[kept] = np.arange(len(kept), dtype=np.int32)
    ranked = rank_of[first_ids]
    keep = ranked >= 0
    ids = np.ascontiguousarray(ranked[keep])
    sentence_ends = np.cumsum(np.asarray(lengths, dtype=np.int64))
    kept_before = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
    offsets = np.concatenate(([0], kept_before[sentence_ends])).astype(np.int64)
    offsets = np.unique(offsets)  # drop sentences emptied by pruning (offsets are sorted)
    return EncodedCorpus(
        vocab, ids, offsets, raw_token_count=len(first_ids), metadata=metadata
    )


def encoding_cache_key(corpus: Any, min_count: int, max_vocab: int | None) -> str:
    """SHA-256 of the corpus checksum (files + reading options) and the encoding options."""
    payload = json.dumps(
        {
            "corpus": corpus.checksum(),
            "min_count": min_count,
            "max_vocab": max_vocab,
            "format_version": FORMAT_VERSION,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def encode_corpus(
    corpus: Any,
    min_count: int = 5,
    max_vocab: int | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
) -> EncodedCorpus:
    """Encode ``corpus`` (a :class:`~lexiplug.corpus.reader.Corpus`) to ids, using the cache.

    With ``cache_dir``, the result lives in ``cache_dir/<key>/`` and is loaded memory-mapped
    on later calls; a failed run leaves no folder behind (written through ``atomic_dir``).
    """
    check_vocabulary_options(min_count, max_vocab)
    folder: Path | None = None
    if cache_dir is not None:
        key = encoding_cache_key(corpus, min_count, max_vocab)
        folder = Path(cache_dir) / f"encoded-{key[:24]}"
        if (folder / "meta.json").is_file():
            logger.info("loading encoded corpus from cache %s", folder)
            return EncodedCorpus.load(folder, mmap=True)
    sentences: Iterable[list[str]] = (
        corpus.iter_sentences() if hasattr(corpus, "iter_sentences") else corpus
    )
    if progress:
        from tqdm.auto import tqdm

        sentences = tqdm(sentences, desc="encoding corpus", unit=" sent", mininterval=1.0)
    metadata: dict[str, Any] = {"min_count": min_count, "max_vocab": max_vocab}
    if hasattr(corpus, "checksum"):
        metadata["corpus_checksum"] = corpus.checksum()
    if hasattr(corpus, "describe"):
        metadata["corpus"] = corpus.describe()
    encoded = encode_sentences(
        sentences, min_count=min_count, max_vocab=max_vocab, metadata=metadata
    )
    if folder is not None:
        encoded.save(folder)
        return EncodedCorpus.load(folder, mmap=True)
    return encoded
