"""Static vectors read straight off a transformer (docs/contextual.md).

``lexiplug.x2static_decontextualized.v1`` encodes each word alone;
``lexiplug.x2static_aggregate.v1`` averages a word's contextual vectors over (at most
``max_per_word``) corpus occurrences, streaming the corpus in chunks of sentences. Both
expose the pooling choices the paper's code and Bommasani et al. differ on.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError, require_one_of
from lexiplug.vectors.vectors import Vectors

from .corpus_words import corpus_vocabulary, count_words, iter_sentences

if TYPE_CHECKING:
    from .pooling import SentencePooling

logger = logging.getLogger(__name__)

DECONTEXTUALIZED_POOLINGS = ("mean", "cls", "subwords")
AGGREGATE_POOLINGS = ("subwords", "cls_of_sentence", "mean_of_sentence")


class _CorpusVocabulary:
    """Shared options: vocabulary from the corpus (counts, min_count, max_vocab, lowercase)."""

    def __init__(self, *, min_count: int, max_vocab: int | None, lowercase: bool) -> None:
        if min_count < 1:
            raise ConfigError(
                f"min_count must be >= 1, got {min_count}", where="min_count"
            )
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.lowercase = lowercase

    def vocabulary(
        self, corpus: Any, max_sentences: int | None = None
    ) -> tuple[list[str], np.ndarray]:
        sentences = itertools.islice(
            iter_sentences(corpus, lowercase=self.lowercase), max_sentences
        )
        counts = count_words(sentences)
        return corpus_vocabulary(counts, min_count=self.min_count, max_vocab=self.max_vocab)


class X2StaticDecontextualized(_CorpusVocabulary):
    """Each vocabulary word fed alone; ``mean``/``cls`` pool the whole input, ``subwords``
    averages only the word's own pieces."""

    def __init__(
        self,
        model: str | Path,
        *,
        pooling: str = "mean",
        min_count: int = 5,
        max_vocab: int | None = None,
        lowercase: bool = False,
        batch_size: int = 512,
        device: str = "auto",
        dtype: str = "auto",
    ) -> None:
        super().__init__(min_count=min_count, max_vocab=max_vocab, lowercase=lowercase)
        require_one_of(pooling, DECONTEXTUALIZED_POOLINGS, "pooling")
        self.model, self.pooling = str(model), pooling
        self.batch_size, self.device, self.dtype = batch_size, device, dtype

    def fit(self, corpus: Any) -> Vectors:
        from .encoder import TransformerEncoder

        keys, counts = self.vocabulary(corpus)
        encoder = TransformerEncoder(
            self.model, batch_size=self.batch_size, device=self.device, dtype=self.dtype
        )
        if self.pooling == "subwords":
            matrix = np.concatenate(encoder.encode_words([[w] for w in keys]))
        else:
            matrix = encoder.encode_texts(keys, pooling=self.pooling)  # type: ignore[arg-type]
        metadata = {
            "method": "x2static_decontextualized",
            "model": self.model,
            "pooling": self.pooling,
            "lowercase": self.lowercase,
        }
        return Vectors(keys, matrix, counts=counts, metadata=metadata, oov="zero")


class X2StaticAggregate(_CorpusVocabulary):
    """Mean of a word's contextual vectors over up to ``max_per_word`` occurrences."""

    def __init__(
        self,
        model: str | Path,
        *,
        pooling: str = "subwords",
        max_per_word: int = 100,
        min_count: int = 5,
        max_vocab: int | None = None,
        lowercase: bool = False,
        max_sentences: int | None = None,
        chunk_sentences: int = 1024,
        batch_size: int = 32,
        layers: list[int] | tuple[int, ...] = (-1,),
        device: str = "auto",
        dtype: str = "auto",
    ) -> None:
        super().__init__(min_count=min_count, max_vocab=max_vocab, lowercase=lowercase)
        require_one_of(pooling, AGGREGATE_POOLINGS, "pooling")
        if max_per_word < 1:
            raise ConfigError(
                f"max_per_word must be >= 1, got {max_per_word}", where="max_per_word"
            )
        self.model, self.pooling, self.max_per_word = str(model), pooling, max_per_word
        self.max_sentences, self.chunk_sentences = max_sentences, chunk_sentences
        self.batch_size, self.layers, self.device, self.dtype = batch_size, layers, device, dtype

    def fit(self, corpus: Any) -> Vectors:
        keys, counts = self.vocabulary(corpus, self.max_sentences)
        index = {w: i for i, w in enumerate(keys)}
        from lexiplug.engine import current_engine

        seen = np.zeros(len(keys), dtype=np.int64)
        chunks = self._chunks(corpus, index, seen)
        engine = current_engine()
        build = functools.partial(_aggregate_encoder, self.model, self.batch_size,
                                  tuple(self.layers), self.device, self.dtype)
        add = functools.partial(_add_chunks, self.pooling, len(keys))
        if engine.distributed:
            # the selection above stays sequential (max_per_word depends on corpus order);
            # the encoding of its chunks is what is spread, a few shards per worker, each
            # worker loading the encoder once and returning its partial sums
            shards = _split_evenly(list(chunks), 4 * engine.workers)
            partial_sums = engine.map_with_state(build, add, shards, desc="encoding occurrences")
            sums = (functools.reduce(np.add, partial_sums) if partial_sums
                    else np.zeros((len(keys), 1)))
        else:
            sums = add(build(), chunks)
        found = seen > 0
        if not found.any():
            raise TrainingError(
                "no vocabulary word was found in the corpus sentences read",
                where="max_sentences",
            )
        if not found.all():
            logger.warning(
                "x2static_aggregate: %d of %d words never reached (max_sentences=%s); dropped",
                int((~found).sum()),
                len(keys),
                self.max_sentences,
            )
        matrix = (sums[found] / seen[found, None]).astype(np.float32)
        metadata = {
            "method": "x2static_aggregate",
            "model": self.model,
            "pooling": self.pooling,
            "max_per_word": self.max_per_word,
            "lowercase": self.lowercase,
            "layers": list(self.layers),
        }
        kept = [k for k, f in zip(keys, found, strict=True) if f]
        return Vectors(kept, matrix, counts=counts[found], metadata=metadata, oov="zero")

    def _chunks(
        self, corpus: Any, index: dict[str, int], seen: np.ndarray
    ) -> Iterator[tuple[list[list[str]], list[np.ndarray], np.ndarray]]:
        """Chunks of ``(sentences, selected positions per sentence, their word ids)``.

        A position is selected while its word has fewer than ``max_per_word`` occurrences
        collected; sentence-level pooling counts a word once per sentence.
        """
        words_chunk: list[list[str]] = []
        positions_chunk: list[np.ndarray] = []
        ids_chunk: list[np.ndarray] = []
        per_sentence = self.pooling != "subwords"
        for n_read, words in enumerate(iter_sentences(corpus, lowercase=self.lowercase)):
            if self.max_sentences is not None and n_read >= self.max_sentences:
                break
            ids = np.fromiter((index.get(w, -1) for w in words), dtype=np.int64, count=len(words))
            selected = np.flatnonzero(ids >= 0)
            if per_sentence:
                _, first = np.unique(ids[selected], return_index=True)
                selected = selected[np.sort(first)]
            selected = selected[seen[ids[selected]] < self.max_per_word]
            if len(selected) == 0:
                continue
            np.add.at(seen, ids[selected], 1)
            words_chunk.append(words)
            positions_chunk.append(selected)
            ids_chunk.append(ids[selected])
            if len(words_chunk) >= self.chunk_sentences:
                yield words_chunk, positions_chunk, np.concatenate(ids_chunk)
                words_chunk, positions_chunk, ids_chunk = [], [], []
            if (seen >= self.max_per_word).all():
                break
        if words_chunk:
            yield words_chunk, positions_chunk, np.concatenate(ids_chunk)


_Chunk = tuple[list[list[str]], list[np.ndarray], np.ndarray]


def _aggregate_encoder(model: str, batch_size: int, layers: tuple[int, ...], device: str,
                       dtype: str) -> Any:
    """The encoder of one worker (or of this process), loaded once."""
    from .encoder import TransformerEncoder

    return TransformerEncoder(model, batch_size=batch_size, layers=layers, device=device,
                              dtype=dtype)


def _add_chunks(pooling: str, n_words: int, encoder: Any, chunks: Iterable[_Chunk]
                ) -> np.ndarray:
    """The float64 sums of the selected occurrences' vectors of ``chunks``, per word id."""
    sums = np.zeros((n_words, encoder.dim), dtype=np.float64)
    for words, positions, ids in chunks:
        if pooling == "subwords":
            vectors = np.concatenate(
                [v[p] for v, p in zip(encoder.encode_words(words), positions, strict=True)]
            )
        else:
            sentence_pooling: SentencePooling = "cls" if pooling == "cls_of_sentence" else "mean"
            sentence_vectors = encoder.encode_texts(
                [" ".join(w) for w in words], pooling=sentence_pooling
            )
            vectors = np.repeat(sentence_vectors, [len(p) for p in positions], axis=0)
        np.add.at(sums, ids, vectors)
    return sums


def _split_evenly(chunks: list[_Chunk], parts: int) -> list[list[_Chunk]]:
    size = max(1, -(-len(chunks) // max(1, parts)))
    return [chunks[i : i + size] for i in range(0, len(chunks), size)]
