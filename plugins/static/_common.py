"""What every static embedder shares: turning its input into an EncodedCorpus, checking
arguments with errors that name the argument, and building the output :class:`Vectors`.

Errors name only the argument (``where="window"``): the study runner or ``lexiplug train``
adds the block path, so users read ``embedders.glove.window``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.vectors import Vectors

logger = logging.getLogger("lexiplug.static")

# Wider windows change nothing on real sentences but overflow gensim's C int or ask the
# co-occurrence counter and Bit-cipher's per-offset blocks for absurd memory.
MAX_WINDOW = 1000


def require(condition: bool, key: str, expected: str, found: Any) -> None:
    """Raise a ConfigError naming the argument ``key`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(f"expected {expected}, got {found!r}", where=key)


def require_positive_int(value: Any, key: str) -> int:
    require(isinstance(value, int) and not isinstance(value, bool) and value > 0, key,
            "a positive integer", value)
    return int(value)


def require_vocabulary(min_count: Any, max_vocab: Any) -> None:
    require_positive_int(min_count, "min_count")
    if max_vocab is not None:
        require_positive_int(max_vocab, "max_vocab")


def require_window(value: Any) -> int:
    require(isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_WINDOW,
            "window", f"a context window of 1 to {MAX_WINDOW} words", value)
    return int(value)


class CheckedSettings:
    """A settings dataclass checks itself once, when it is made (``validate`` says how)."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        raise NotImplementedError

    # The checks take the field's name only: the value reported is read from that field, so
    # a check cannot report one argument while testing another.
    def check(self, condition: bool, key: str, expected: str) -> None:
        require(condition, key, expected, getattr(self, key))

    def check_positive_int(self, key: str) -> None:
        require_positive_int(getattr(self, key), key)

    def check_choice(self, key: str, choices: tuple[Any, ...]) -> None:
        require_choice(getattr(self, key), key, choices)


@dataclass(kw_only=True)
class CorpusWindowSettings(CheckedSettings):
    """What every embedder that counts words in a window over our corpus pipeline takes.

    Written once here so each field keeps one default and one check across embedders; a
    subclass changes a default by declaring the field again, and calls ``super().validate()``
    where these checks belong among its own (the first failing check is the one reported).
    Keyword-only, so a subclass's own fields need no defaults ordered after these.
    """

    window: int = 5
    min_count: int = 5
    max_vocab: int | None = None
    progress: bool = True

    def validate(self) -> None:
        require_window(self.window)
        require_vocabulary(self.min_count, self.max_vocab)

    @property
    def show_progress(self) -> bool:
        """Whether to draw progress bars: ``progress`` unless ``--quiet`` turned them off."""
        return progress_enabled(self.progress)

    def encode(self, corpus: Any) -> EncodedCorpus:
        """``corpus`` encoded (or an encoded one re-thresholded) at this vocabulary."""
        return as_encoded(corpus, min_count=self.min_count, max_vocab=self.max_vocab,
                          progress=self.progress)


@dataclass(kw_only=True)
class TrainedVectorSettings(CorpusWindowSettings):
    """A window embedder that learns ``vector_size``-wide vectors from a seeded start."""

    vector_size: int = 100
    seed: int = 1

    def validate(self) -> None:
        self.check_positive_int("vector_size")
        super().validate()


def require_choice(value: Any, key: str, choices: tuple[Any, ...]) -> Any:
    require(value in choices, key, f"one of {choices}", value)
    return value


class ProgressFromParams:
    """``progress`` mirrors ``params.progress``, so a study runner can silence any embedder."""

    params: Any

    @property
    def progress(self) -> bool:
        return bool(self.params.progress)

    @progress.setter
    def progress(self, value: bool) -> None:
        self.params.progress = value


def progress_enabled(progress: bool) -> bool:
    """Progress bars unless turned off by the caller or by ``TQDM_DISABLE`` (``--quiet``)."""
    return progress and os.environ.get("TQDM_DISABLE", "").lower() not in ("1", "true")


def is_encoded(corpus: Any) -> bool:
    return all(hasattr(corpus, attr) for attr in ("vocab", "ids", "offsets"))


def as_encoded(
    corpus: Any, *, min_count: int, max_vocab: int | None, progress: bool
) -> EncodedCorpus:
    """Encode a streaming Corpus once; an EncodedCorpus passes through (its vocabulary wins).

    An already-encoded corpus is re-thresholded when ``min_count`` asks for more than its
    vocabulary holds, so a shared cache built at min_count 1 serves every embedder.
    ``min_count`` and ``max_vocab`` were checked by the embedder's settings.
    """
    if is_encoded(corpus):
        encoded = corpus
        counts = np.asarray(encoded.vocab.counts)
        if (counts.size and counts.min() < min_count) or (
            max_vocab is not None and counts.size > max_vocab
        ):
            encoded = restrict_encoded(encoded, min_count=min_count, max_vocab=max_vocab)
    else:
        from lexiplug.corpus.encoded import encode_corpus

        encoded = encode_corpus(
            corpus, min_count=min_count, max_vocab=max_vocab, progress=progress_enabled(progress)
        )
    if len(encoded.vocab.words) == 0 or encoded.n_tokens == 0:
        raise TrainingError(
            f"no word occurs at least min_count={min_count} times in the corpus "
            f"({getattr(encoded, 'raw_token_count', 0)} tokens read)", where="min_count"
        )
    return encoded


def restrict_encoded(
    encoded: EncodedCorpus, *, min_count: int, max_vocab: int | None
) -> EncodedCorpus:
    """A smaller-vocabulary copy of ``encoded`` (dropped words removed from the id stream)."""
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.corpus.vocab import Vocabulary

    counts = np.asarray(encoded.vocab.counts)
    keep = counts >= min_count  # counts are sorted descending, so this is a prefix
    if max_vocab is not None:
        keep[max_vocab:] = False
    n_keep = int(keep.sum())
    ids = np.asarray(encoded.ids)
    kept_tokens = ids < n_keep
    kept_before = np.concatenate(([0], np.cumsum(kept_tokens, dtype=np.int64)))
    offsets = np.unique(kept_before[np.asarray(encoded.offsets)])  # drops emptied sentences
    vocab = Vocabulary(list(encoded.vocab.words[:n_keep]), counts[:n_keep])
    return EncodedCorpus(vocab, np.ascontiguousarray(ids[kept_tokens], dtype=np.int32),
                         offsets.astype(np.int64), raw_token_count=encoded.raw_token_count)

def make_vectors(
    encoded: EncodedCorpus, matrix: np.ndarray, *, method: str, params: dict[str, Any],
    **options: Any,
) -> Vectors:
    """Vectors in the vocabulary's order, with counts and the training parameters."""
    from lexiplug.vectors import Vectors

    metadata = {
        "method": method,
        "params": {k: v for k, v in params.items() if _jsonable(v)},
        "n_tokens": int(encoded.n_tokens),
    }
    return Vectors(list(encoded.vocab.words), np.ascontiguousarray(matrix, dtype=np.float32),
                   counts=np.asarray(encoded.vocab.counts, dtype=np.int64), metadata=metadata,
                   **options)


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, list, tuple))
