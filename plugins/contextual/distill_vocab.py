"""``lexiplug.distill_vocab.v1``: model2vec-style static vectors from a transformer.

Every vocabulary item is embedded alone (``[CLS] item [SEP]``, mean pooled), the matrix is
reduced with PCA, and rows are down-weighted by how frequent the item is (SIF weights
``a / (a + p)``, ``p`` from Zipf's law on the rank, or from corpus counts). No corpus is
needed when the vocabulary is the tokenizer's own.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.vectors.vectors import Vectors

from .corpus_words import corpus_vocabulary, count_words, iter_sentences

logger = logging.getLogger(__name__)

Weighting = Literal["zipf", "counts", "none"]
_UNUSED = re.compile(r"^(\[unused\d+\]|<unused\d+>)$")


def pca_reduce(matrix: np.ndarray, dim: int | None) -> np.ndarray:
    """Centre and project onto the top ``dim`` principal axes (signs fixed, so reproducible)."""
    if dim is None:
        return matrix.astype(np.float32)
    centred = matrix.astype(np.float64) - matrix.mean(axis=0, dtype=np.float64)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:dim]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    return (centred @ (components * signs[:, None]).T).astype(np.float32)


def sif_weights(n_items: int, counts: np.ndarray | None, coefficient: float) -> np.ndarray:
    """``a / (a + p)``; ``p`` from counts when given, else Zipf's law on the row rank."""
    if counts is not None:
        proba = counts / max(float(counts.sum()), 1.0)
    else:
        inverse_rank = 1.0 / np.arange(2, n_items + 2, dtype=np.float64)
        proba = inverse_rank / inverse_rank.sum()
    return (coefficient / (coefficient + proba)).astype(np.float32)


class DistillVocab:
    """``fit(corpus=None) -> Vectors``; the corpus is only read for ``vocabulary='corpus'``."""

    def __init__(
        self,
        model: str | Path,
        *,
        vocabulary: str = "tokenizer",
        dim: int | None = 256,
        weighting: Weighting = "zipf",
        sif_coefficient: float = 1e-4,
        min_count: int = 5,
        max_vocab: int | None = None,
        lowercase: bool = False,
        batch_size: int = 1024,
        device: str = "auto",
        dtype: str = "auto",
    ) -> None:
        if weighting not in ("zipf", "counts", "none"):
            raise ConfigError(
                f"weighting must be zipf, counts or none, got {weighting!r}",
                where="weighting",
            )
        if weighting == "counts" and vocabulary != "corpus":
            raise ConfigError(
                "weighting='counts' needs vocabulary='corpus' (counts come from the corpus)",
                where="weighting",
            )
        if dim is not None and dim < 1:
            raise ConfigError(f"dim must be >= 1 or null, got {dim}", where="dim")
        self.model = str(model)
        self.vocabulary = vocabulary
        self.dim = dim
        self.weighting = weighting
        self.sif_coefficient = sif_coefficient
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.lowercase = lowercase
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype

    def fit(self, corpus: Any = None) -> Vectors:
        from .encoder import TransformerEncoder

        encoder = TransformerEncoder(
            self.model,
            pooling="mean",
            batch_size=self.batch_size,
            device=self.device,
            dtype=self.dtype,
        )
        counts = None
        if self.vocabulary == "tokenizer":
            keys, ids = tokenizer_items(encoder.tokenizer)
            raw = encoder.encode_ids(wrap_single_ids(encoder.tokenizer, ids))
        else:
            keys, counts = self._word_list(corpus)
            raw = encoder.encode_texts(keys)
        if self.dim is not None and self.dim > min(raw.shape):
            raise ConfigError(
                f"dim={self.dim} exceeds what PCA can give ({min(raw.shape)}: min of "
                f"{len(keys)} items and model width {raw.shape[1]})",
                where="dim",
            )
        matrix = pca_reduce(raw, self.dim)
        if self.weighting != "none":
            weight_counts = counts if self.weighting == "counts" else None
            matrix *= sif_weights(len(keys), weight_counts, self.sif_coefficient)[:, None]
        metadata = {
            "method": "distill_vocab",
            "model": self.model,
            "vocabulary": self.vocabulary,
            "dim": matrix.shape[1],
            "weighting": self.weighting,
            "sif_coefficient": self.sif_coefficient,
        }
        if self.vocabulary == "tokenizer":
            provider = subword_composer(encoder.tokenizer, ids, matrix)
            return Vectors(keys, matrix, metadata=metadata, oov="subword", oov_provider=provider)
        return Vectors(keys, matrix, counts=counts, metadata=metadata, oov="zero")

    def _word_list(self, corpus: Any) -> tuple[list[str], np.ndarray | None]:
        if self.vocabulary == "corpus":
            counted = count_words(iter_sentences(corpus, lowercase=self.lowercase))
            return corpus_vocabulary(counted, min_count=self.min_count, max_vocab=self.max_vocab)
        path = Path(self.vocabulary)
        if not path.is_file():
            raise ConfigError(
                f"vocabulary must be 'tokenizer', 'corpus' or a word-list file, got "
                f"{self.vocabulary!r} (no such file)",
                where="vocabulary",
            )
        words = list(
            dict.fromkeys(
                line.split()[0]
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            )
        )
        if self.lowercase:
            words = list(dict.fromkeys(w.lower() for w in words))
        return words[: self.max_vocab] if self.max_vocab else words, None


def tokenizer_items(tokenizer: Any) -> tuple[list[str], list[int]]:
    """The tokenizer's vocabulary in id order, without special and ``[unused]`` tokens."""
    special = set(tokenizer.all_special_ids)
    items = sorted(
        (i, token)
        for token, i in tokenizer.get_vocab().items()
        if i not in special and not _UNUSED.match(token)
    )
    return [token for _, token in items], [i for i, _ in items]


def wrap_single_ids(tokenizer: Any, ids: list[int]) -> list[list[int]]:
    """``[prefix, id, suffix]`` per id, with the special tokens this tokenizer adds."""
    probe = tokenizer("a", return_special_tokens_mask=True)
    mask = probe["special_tokens_mask"]
    first = mask.index(0)
    last = len(mask) - 1 - mask[::-1].index(0)
    prefix, suffix = probe["input_ids"][:first], probe["input_ids"][last + 1 :]
    return [[*prefix, i, *suffix] for i in ids]


def subword_composer(tokenizer: Any, ids: list[int], matrix: np.ndarray) -> Any:
    """OOV words as the mean of their pieces' rows, as model2vec's inference does.

    Lives only in memory: saved vectors keep the pieces, not the tokenizer.
    """
    row_of = {token_id: row for row, token_id in enumerate(ids)}

    def compose(word: str) -> np.ndarray:
        pieces = tokenizer(word, add_special_tokens=False)["input_ids"]
        rows = [row_of[i] for i in pieces if i in row_of]
        if not rows:
            return np.zeros(matrix.shape[1], dtype=np.float32)
        return matrix[rows].mean(axis=0)

    return compose
