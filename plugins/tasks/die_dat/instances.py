"""die/dat instances: where the targets are, and the masked, windowed ids the model reads.

Every token whose lower-case form is ``die`` or ``dat`` is one instance. The model sees three
windows of hashed word and suffix ids around it: the target's sentence (``sentence_window``
tokens each side, target in the centre), and the ``context_window`` tokens before and after it
across sentence boundaries (so the previous sentence, where antecedents live, is visible).
The target position is the ``MASK`` id (the left and right windows stop before and start after
it), so its written form can never reach an encoder. Everything here is numpy over whole
documents, with no loop per token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from spacy.attrs import LOWER, SENT_START, SUFFIX
from spacy.strings import hash_string  # type: ignore[attr-defined]
from spacy.tokens import Doc

TARGETS: tuple[str, str] = ("die", "dat")
TARGET_HASHES = np.array([hash_string(word) for word in TARGETS], dtype=np.uint64)
POS_LABELS: tuple[str, ...] = ("PRON", "DET", "SCONJ")
PAD = 0
MASK = 1
RESERVED = 2  # ids below this are PAD and MASK; hashed ids start here


@dataclass(frozen=True)
class Windows:
    """Sizes of the three input windows (tokens)."""

    sentence: int = 20  # each side of the target, within its sentence
    context: int = 15  # before (left encoder) and after (right encoder), across sentences


@dataclass
class InstanceBatch:
    """Model inputs for ``n`` instances: int64 id arrays, PAD outside the text, MASK at the target.

    ``sentence_*`` have ``2 * windows.sentence + 1`` columns with the target in the centre;
    ``left_*`` end just before the target; ``right_*`` start just after it.
    ``doc_index``/``token_index`` say which token each row is about.
    """

    sentence_words: np.ndarray
    sentence_suffixes: np.ndarray
    left_words: np.ndarray
    left_suffixes: np.ndarray
    right_words: np.ndarray
    right_suffixes: np.ndarray
    doc_index: np.ndarray
    token_index: np.ndarray

    def __len__(self) -> int:
        return int(self.doc_index.shape[0])

    def id_arrays(self) -> dict[str, np.ndarray]:
        """The six id arrays by name (what the encoder receives)."""
        return {
            "sentence_words": self.sentence_words,
            "sentence_suffixes": self.sentence_suffixes,
            "left_words": self.left_words,
            "left_suffixes": self.left_suffixes,
            "right_words": self.right_words,
            "right_suffixes": self.right_suffixes,
        }


def bucket_ids(hashes: np.ndarray, n_buckets: int) -> np.ndarray:
    """spaCy string hashes -> embedding rows ``RESERVED .. RESERVED + n_buckets - 1``."""
    return (hashes % np.uint64(n_buckets)).astype(np.int64) + RESERVED


def word_bucket(word: str, n_buckets: int) -> int:
    """The embedding row of one lower-cased word (for initialising from pretrained vectors)."""
    return int(bucket_ids(np.array([hash_string(word.lower())], dtype=np.uint64), n_buckets)[0])


COMMON_GENDER = np.array([hash_string(w) for w in ("de", "deze")], dtype=np.uint64)
NEUTER = np.array([hash_string(w) for w in ("het", "dit")], dtype=np.uint64)
N_LEXICON_FEATURES = 3


def article_lexicon(docs: Iterable[Doc], n_word_buckets: int,
                    chunk_tokens: int = 1_000_000) -> np.ndarray:
    """Self-supervised gender cues, one row per word bucket: how often the word follows
    (1 or 2 tokens after) "de"/"deze" vs "het"/"dit" in ``docs``. die goes with de-words,
    dat with het-words, so a noun's article statistics carry the signal that the few
    thousand training instances cannot. Columns: log1p(de), log1p(het), smoothed
    P(het) - 0.5. Rows PAD and MASK stay zero. ``docs`` are counted in chunks of about
    ``chunk_tokens`` tokens, so a corpus of any size streams through bounded memory."""
    table = np.zeros((n_word_buckets + RESERVED, N_LEXICON_FEATURES), dtype=np.float32)
    counts = np.zeros((n_word_buckets + RESERVED, 2), dtype=np.float64)
    chunk: list[np.ndarray] = []
    size = 0
    for doc in docs:
        if len(doc):
            chunk.append(np.append(doc.to_array([LOWER]).reshape(-1), np.uint64(0)))
            size += len(doc) + 1
        if size >= chunk_tokens:
            _count_articles(np.concatenate(chunk), counts, n_word_buckets)
            chunk, size = [], 0
    if chunk:
        _count_articles(np.concatenate(chunk), counts, n_word_buckets)
    if not counts.any():
        return table
    counts[:RESERVED] = 0.0
    table[:, 0] = np.log1p(counts[:, 0])
    table[:, 1] = np.log1p(counts[:, 1])
    table[:, 2] = (counts[:, 1] + 1.0) / (counts.sum(axis=1) + 2.0) - 0.5
    table[:RESERVED] = 0.0
    return table


def _count_articles(lower: np.ndarray, counts: np.ndarray, n_word_buckets: int) -> None:
    """Add the article counts of ``lower`` (LOWER hashes, docs separated by 0) to ``counts``."""
    for column, articles in enumerate((COMMON_GENDER, NEUTER)):
        starts = np.flatnonzero(np.isin(lower, articles))
        for offset in (1, 2):
            following = starts + offset
            following = following[following < lower.shape[0]]
            following = following[lower[following] != 0]
            np.add.at(counts[:, column], bucket_ids(lower[following], n_word_buckets), 1.0)


def target_mask(doc: Doc) -> np.ndarray:
    """Boolean array over the doc's tokens: True where the token is die/dat (any case)."""
    if len(doc) == 0:
        return np.zeros(0, dtype=bool)
    lower = doc.to_array([LOWER]).reshape(-1)
    return np.isin(lower, TARGET_HASHES)


def target_positions(docs: Sequence[Doc]) -> tuple[np.ndarray, np.ndarray]:
    """``(doc_index, token_index)`` of every instance, in document then token order."""
    doc_parts, token_parts = [], []
    for i, doc in enumerate(docs):
        tokens = np.flatnonzero(target_mask(doc))
        doc_parts.append(np.full(tokens.shape[0], i, dtype=np.int64))
        token_parts.append(tokens.astype(np.int64))
    if not doc_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(doc_parts), np.concatenate(token_parts)


def _sentence_ids(doc: Doc) -> np.ndarray:
    """Sentence number of each token (one sentence when no boundaries are set)."""
    if len(doc) == 0 or not doc.has_annotation("SENT_START"):
        return np.zeros(len(doc), dtype=np.int64)
    starts = doc.to_array([SENT_START]).reshape(-1).astype(np.int64) == 1
    starts[0] = True
    return np.cumsum(starts) - 1


def _gather(values: np.ndarray, positions: np.ndarray, valid: np.ndarray) -> np.ndarray:
    clipped = np.clip(positions, 0, values.shape[0] - 1)
    return np.where(valid, values[clipped], PAD)


def extract_instances(
    docs: Sequence[Doc], n_word_buckets: int, n_suffix_buckets: int, windows: Windows
) -> InstanceBatch:
    """All instances of ``docs`` with their masked window ids (see module docstring)."""
    w, c = windows.sentence, windows.context
    sentence_offsets = np.arange(-w, w + 1, dtype=np.int64)
    left_offsets = np.arange(-c, 0, dtype=np.int64)
    right_offsets = np.arange(1, c + 1, dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in (
        "sentence_words", "sentence_suffixes", "left_words", "left_suffixes",
        "right_words", "right_suffixes", "doc_index", "token_index")}
    for i, doc in enumerate(docs):
        if len(doc) == 0:
            continue
        hashes = doc.to_array([LOWER, SUFFIX])
        targets = np.isin(hashes[:, 0], TARGET_HASHES)
        if not targets.any():
            continue
        sentences = _sentence_ids(doc)
        positions = np.flatnonzero(targets).astype(np.int64)
        n_tokens = len(doc)

        window = positions[:, None] + sentence_offsets[None, :]
        inside = (window >= 0) & (window < n_tokens)
        same_sentence = inside & (
            sentences[np.clip(window, 0, n_tokens - 1)] == sentences[positions][:, None]
        )
        left = positions[:, None] + left_offsets[None, :]
        right = positions[:, None] + right_offsets[None, :]
        left_valid = left >= 0
        right_valid = right < n_tokens
        # Each row's own target is MASK in the one window that covers it (the left and right
        # windows stop before it); other die/dat tokens nearby are ordinary context.
        own_words = bucket_ids(hashes[:, 0], n_word_buckets)
        own_suffixes = bucket_ids(hashes[:, 1], n_suffix_buckets)
        sentence_words = _gather(own_words, window, same_sentence)
        sentence_suffixes = _gather(own_suffixes, window, same_sentence)
        sentence_words[:, w] = MASK
        sentence_suffixes[:, w] = MASK
        parts["sentence_words"].append(sentence_words)
        parts["sentence_suffixes"].append(sentence_suffixes)
        parts["left_words"].append(_gather(own_words, left, left_valid))
        parts["left_suffixes"].append(_gather(own_suffixes, left, left_valid))
        parts["right_words"].append(_gather(own_words, right, right_valid))
        parts["right_suffixes"].append(_gather(own_suffixes, right, right_valid))
        parts["doc_index"].append(np.full(positions.shape[0], i, dtype=np.int64))
        parts["token_index"].append(positions)
    widths = {"sentence": 2 * w + 1, "left": c, "right": c}
    arrays: dict[str, np.ndarray] = {}
    for name, chunks in parts.items():
        if chunks:
            arrays[name] = np.concatenate(chunks).astype(np.int64, copy=False)
        elif name in ("doc_index", "token_index"):
            arrays[name] = np.zeros(0, dtype=np.int64)
        else:
            arrays[name] = np.zeros((0, widths[name.split("_")[0]]), dtype=np.int64)
    return InstanceBatch(**arrays)
