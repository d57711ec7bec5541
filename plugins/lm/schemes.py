"""The four registered input/output schemes of the LM lab (``registry.lm_schemes``).

A scheme decides what one backbone position is and how the next one is scored:

- ``lexiplug.lm_bytes.v1`` (``bytes``): one position per UTF-8 byte, a softmax over 256.
- ``lexiplug.lm_subword.v1`` (``subword``): byte-level BPE trained on the training text
  with the ``tokenizers`` library (what a user would pick); a softmax over the vocabulary.
- ``lexiplug.lm_word_pooled_bytes.v1`` (``word_pooled_bytes``): one position per word (HAT,
  Neitemeier et al. 2025; Learn Your Tokens, Thawani et al. 2023): the byte word encoder of
  the oov family pools a word's bytes into one vector, and a small causal byte decoder,
  conditioned on the backbone's output, spells the next word byte by byte, then an
  end-of-word symbol.
- ``lexiplug.lm_lexinvariant.v1`` (``lexinvariant``): BPE tokens without a learned
  embedding (Huang et al. 2023): every sequence draws a fresh Gaussian code for each
  vocabulary id, used for the input and, tied, for the output softmax; a fraction
  ``regular_fraction`` of the (sequence, id) pairs may use a learned embedding instead (the
  paper's semi-lexinvariant model).

Every unit carries the number of UTF-8 bytes it covers (BPE tokens: their bytes; words:
their bytes, whitespace included), so the summed negative log-likelihood over the units of
a text, divided by the text's bytes, is its bits per byte whatever the scheme. This module
is light (numpy only): the torch modules come from ``modules.py`` inside ``build``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.registry import Registries

BYTES_NAME = "lexiplug.lm_bytes.v1"
SUBWORD_NAME = "lexiplug.lm_subword.v1"
WORD_NAME = "lexiplug.lm_word_pooled_bytes.v1"
LEXINVARIANT_NAME = "lexiplug.lm_lexinvariant.v1"
END_OF_WORD = 256  # the byte decoder's 257th symbol
IGNORE = -100


@dataclass
class Units:
    """A text as backbone positions: ``ids`` ``(n,)`` (token schemes) or ``(n, width)``
    uint8 bytes (words, zero-padded), and ``nbytes`` ``(n,)``: the UTF-8 bytes each covers."""

    ids: np.ndarray
    nbytes: np.ndarray

    def __len__(self) -> int:
        return int(self.nbytes.shape[0])

    @property
    def n_bytes(self) -> int:
        return int(self.nbytes.sum())


def window_index(windows: Sequence[tuple[int, int]], context: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Unit indices ``(len(windows), context)`` of each window ``(start, end)`` and which of
    them are real (a window shorter than ``context`` is padded at its end)."""
    offsets = np.arange(context, dtype=np.int64)
    starts = np.asarray([w[0] for w in windows], dtype=np.int64)[:, None]
    ends = np.asarray([w[1] for w in windows], dtype=np.int64)[:, None]
    if np.any(ends - starts > context) or np.any(ends <= starts):
        raise ValueError("each window must hold 1 to `context` units")
    index = starts + offsets[None, :]
    valid = index < ends
    return np.where(valid, index, 0), valid


def token_batch(units: Units, windows: Sequence[tuple[int, int]], context: int,
                bos: int) -> dict[str, np.ndarray]:
    """Inputs ``BOS u_0 … u_{n-2}`` and targets ``u_0 … u_{n-1}`` of each window."""
    index, valid = window_index(windows, context)
    targets = np.where(valid, units.ids[index], 0).astype(np.int64)
    inputs = np.empty_like(targets)
    inputs[:, 0] = bos
    inputs[:, 1:] = targets[:, :-1]
    return {"inputs": inputs, "targets": targets, "mask": valid,
            "nbytes": np.where(valid, units.nbytes[index], 0)}


class BytesScheme:
    """``bytes``: one position per UTF-8 byte (a softmax over the 256 byte values)."""

    name = "bytes"
    registered_name = BYTES_NAME

    def settings(self) -> dict[str, Any]:
        return {}

    def fit(self, text: str) -> None:
        return None

    def encode(self, text: str) -> Units:
        data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        return Units(data, np.ones(data.shape[0], dtype=np.int64))

    def batch(self, units: Units, windows: Sequence[tuple[int, int]], context: int
              ) -> dict[str, np.ndarray]:
        return token_batch(units, windows, context, bos=256)

    def build(self, dim: int) -> Any:
        from .modules import TokenHead

        return TokenHead(n_inputs=257, n_outputs=256, dim=dim)

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: Mapping[str, Any]) -> None:
        return None


class SubwordScheme:
    """``subword``: byte-level BPE (``tokenizers``) trained on the training text.

    Byte-level means every byte sequence is encodable (no unknown token) and each token is a
    fixed string of bytes, so the tokens of a text hold exactly its bytes.
    """

    name = "subword"
    registered_name = SUBWORD_NAME

    def __init__(self, vocab_size: int = 2048, min_frequency: int = 2) -> None:
        if not isinstance(vocab_size, int) or vocab_size < 257:
            raise ConfigError(f"expected an integer >= 257 (the 256 bytes and at least one "
                              f"merge); found {vocab_size!r}", where="vocab_size")
        if not isinstance(min_frequency, int) or min_frequency < 1:
            raise ConfigError(f"expected a positive integer; found {min_frequency!r}",
                              where="min_frequency")
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.tokenizer: Any = None
        self.token_bytes: np.ndarray | None = None
        self.fitted_on: str | None = None  # sha256 of the text the tokenizer was trained on

    def settings(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "min_frequency": self.min_frequency}

    @property
    def vocabulary(self) -> int:
        """Ids in use (the trained vocabulary may be smaller than ``vocab_size``)."""
        self._require_fitted()
        assert self.token_bytes is not None
        return int(self.token_bytes.shape[0])

    def fit(self, text: str) -> None:
        """Train the BPE vocabulary on ``text`` (once: fitting on the same text again keeps
        the tokenizer)."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if self.tokenizer is not None and self.fitted_on == digest:
            return
        try:
            from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
        except ImportError:
            raise ConfigError("the subword and lexinvariant schemes need the tokenizers "
                              "package (pip install 'lexiplug[lm]')", where="scheme") from None
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=self.vocab_size, min_frequency=self.min_frequency, show_progress=False,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
        tokenizer.train_from_iterator(text.splitlines(keepends=True), trainer=trainer)
        self._use(tokenizer)
        self.fitted_on = digest

    def _use(self, tokenizer: Any) -> None:
        vocabulary = tokenizer.get_vocab()
        lengths = np.zeros(len(vocabulary), dtype=np.int64)
        for token, index in vocabulary.items():
            lengths[index] = len(token)  # one character of the byte-level alphabet per byte
        if np.any(lengths == 0):
            raise TrainingError("the BPE vocabulary has gaps in its ids", where="scheme")
        self.tokenizer, self.token_bytes = tokenizer, lengths

    def _require_fitted(self) -> None:
        if self.tokenizer is None:
            raise TrainingError("the BPE tokenizer is not trained: fit(text) first",
                                where="scheme")

    def encode(self, text: str) -> Units:
        self._require_fitted()
        assert self.token_bytes is not None
        ids = np.asarray(self.tokenizer.encode(text).ids, dtype=np.int64)
        nbytes = self.token_bytes[ids]
        if int(nbytes.sum()) != len(text.encode("utf-8")):  # pragma: no cover - a guard
            raise TrainingError("BPE tokens do not cover the text's bytes exactly",
                                where="scheme")
        return Units(ids, nbytes)

    def batch(self, units: Units, windows: Sequence[tuple[int, int]], context: int
              ) -> dict[str, np.ndarray]:
        return token_batch(units, windows, context, bos=self.vocabulary)

    def build(self, dim: int) -> Any:
        from .modules import TokenHead

        return TokenHead(n_inputs=self.vocabulary + 1, n_outputs=self.vocabulary, dim=dim)

    def state(self) -> dict[str, Any]:
        self._require_fitted()
        return {"tokenizer": self.tokenizer.to_str()}

    def load_state(self, state: Mapping[str, Any]) -> None:
        from tokenizers import Tokenizer

        try:
            self._use(Tokenizer.from_str(str(state["tokenizer"])))
        except Exception as error:  # a missing key, or tokenizers' own plain Exception
            raise TrainingError(f"cannot rebuild the BPE tokenizer from the saved state "
                                f"({type(error).__name__}: {error})", where="scheme") from None

    def token_strings(self, ids: Sequence[int]) -> list[str]:
        """Tokens as text (for display): the byte-level strings decoded."""
        return [self.tokenizer.decode([int(i)]) for i in ids]


class LexinvariantScheme(SubwordScheme):
    """``lexinvariant``: BPE tokens, no learned input embedding; Gaussian codes drawn afresh
    for every sequence (input and tied output), a ``regular_fraction`` of learned ones."""

    name = "lexinvariant"
    registered_name = LEXINVARIANT_NAME

    def __init__(self, vocab_size: int = 2048, min_frequency: int = 2,
                 regular_fraction: float = 0.0) -> None:
        super().__init__(vocab_size, min_frequency)
        if not isinstance(regular_fraction, (int, float)) or not 0 <= regular_fraction <= 1:
            raise ConfigError(f"expected a fraction in [0, 1]; found {regular_fraction!r}",
                              where="regular_fraction")
        self.regular_fraction = float(regular_fraction)

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "regular_fraction": self.regular_fraction}

    def build(self, dim: int) -> Any:
        from .modules import LexinvariantHead

        return LexinvariantHead(vocabulary=self.vocabulary, dim=dim,
                                regular_fraction=self.regular_fraction)


class WordPooledBytesScheme:
    """``word_pooled_bytes``: one position per word; bytes in, bytes out.

    A word is a run of whitespace plus the non-space bytes after it (``b" the,"``), text-final
    whitespace a word of its own, and words longer than ``max_word_bytes`` are cut into
    pieces. The encoder (``ByteWordEncoder``: ``byte_dim``, ``widths``, ``filters``,
    ``hidden``) maps the previous word to the backbone's input; the decoder (``decoder_dim``,
    ``decoder_layers``, ``decoder_heads``) spells the next word from the backbone's output.
    """

    name = "word_pooled_bytes"
    registered_name = WORD_NAME

    def __init__(self, max_word_bytes: int = 16, byte_dim: int = 32,
                 widths: Sequence[int] = (1, 2, 3, 4), filters: int = 64, hidden: int = 128,
                 decoder_dim: int = 64, decoder_layers: int = 1, decoder_heads: int = 2) -> None:
        for key, value, low in (("max_word_bytes", max_word_bytes, 2), ("byte_dim", byte_dim, 1),
                                ("filters", filters, 1), ("hidden", hidden, 1),
                                ("decoder_dim", decoder_dim, 2),
                                ("decoder_layers", decoder_layers, 1),
                                ("decoder_heads", decoder_heads, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError(f"expected an integer >= {low}; found {value!r}", where=key)
        widths = list(widths)
        if not widths or any(not isinstance(w, int) or w < 1 for w in widths):
            raise ConfigError(f"expected a non-empty list of positive integers; found "
                              f"{widths!r}", where="widths")
        if decoder_dim % decoder_heads or (decoder_dim // decoder_heads) % 2:
            raise ConfigError(f"decoder_dim {decoder_dim} must split into {decoder_heads} "
                              "heads of an even size", where="decoder_dim")
        self.max_word_bytes = max_word_bytes
        self.byte_dim, self.widths, self.filters, self.hidden = byte_dim, widths, filters, hidden
        self.decoder_dim, self.decoder_layers = decoder_dim, decoder_layers
        self.decoder_heads = decoder_heads

    def settings(self) -> dict[str, Any]:
        return {"max_word_bytes": self.max_word_bytes, "byte_dim": self.byte_dim,
                "widths": list(self.widths), "filters": self.filters, "hidden": self.hidden,
                "decoder_dim": self.decoder_dim, "decoder_layers": self.decoder_layers,
                "decoder_heads": self.decoder_heads}

    def fit(self, text: str) -> None:
        return None

    def encode(self, text: str) -> Units:
        from .text import word_chunks

        words = word_chunks(text.encode("utf-8"), self.max_word_bytes)
        lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
        ids = np.zeros((len(words), self.max_word_bytes), dtype=np.uint8)
        if words:
            flat = np.frombuffer(b"".join(words), dtype=np.uint8)
            rows = np.repeat(np.arange(len(words)), lengths)
            starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
            ids[rows, np.arange(flat.shape[0]) - starts] = flat
        return Units(ids, lengths)

    def batch(self, units: Units, windows: Sequence[tuple[int, int]], context: int
              ) -> dict[str, np.ndarray]:
        from lexiplug.plugins.oov.byte_ids import END, OFFSET, PAD, START

        index, valid = window_index(windows, context)
        width = self.max_word_bytes
        words = units.ids[index].astype(np.int64)  # (batch, context, width)
        lengths = np.where(valid, units.nbytes[index], 0)
        inside = np.arange(width)[None, None, :] < lengths[..., None]
        # targets: the word's bytes, then the end-of-word symbol, then IGNORE
        targets = np.full((*words.shape[:2], width + 1), IGNORE, dtype=np.int64)
        targets[..., :width] = np.where(inside, words, IGNORE)
        np.put_along_axis(targets, lengths[..., None], END_OF_WORD, axis=2)
        targets[~valid] = IGNORE
        # inputs: the previous word in the byte encoder's ids (START bytes END PAD...);
        # position 0 holds a placeholder the module replaces by its BOS vector
        ids = np.full((*words.shape[:2], width + 2), PAD, dtype=np.int64)
        ids[..., 0] = START
        ids[..., 1:width + 1] = np.where(inside, words + OFFSET, PAD)
        np.put_along_axis(ids, lengths[..., None] + 1, END, axis=2)
        ids = np.concatenate([ids[:, :1], ids[:, :-1]], axis=1)
        ids[:, 0] = PAD
        ids[:, 0, 0], ids[:, 0, 1] = START, END
        input_lengths = np.concatenate([np.full((len(windows), 1), 2), lengths[:, :-1] + 2],
                                       axis=1)
        return {"inputs": ids, "input_lengths": input_lengths, "targets": targets,
                "mask": valid, "nbytes": lengths}

    def build(self, dim: int) -> Any:
        from .modules import WordPooledHead

        return WordPooledHead(dim=dim, max_word_bytes=self.max_word_bytes,
                              byte_dim=self.byte_dim, widths=self.widths, filters=self.filters,
                              hidden=self.hidden, decoder_dim=self.decoder_dim,
                              decoder_layers=self.decoder_layers,
                              decoder_heads=self.decoder_heads)

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: Mapping[str, Any]) -> None:
        return None


def lm_bytes_v1() -> BytesScheme:
    """One backbone position per UTF-8 byte."""
    return BytesScheme()


def lm_subword_v1(vocab_size: int = 2048, min_frequency: int = 2) -> SubwordScheme:
    """Byte-level BPE of ``vocab_size`` ids trained on the training text."""
    return SubwordScheme(vocab_size, min_frequency)


def lm_word_pooled_bytes_v1(max_word_bytes: int = 16, byte_dim: int = 32,
                            widths: Sequence[int] = (1, 2, 3, 4), filters: int = 64,
                            hidden: int = 128, decoder_dim: int = 64, decoder_layers: int = 1,
                            decoder_heads: int = 2) -> WordPooledBytesScheme:
    """Words pooled from their bytes in, the next word's bytes out."""
    return WordPooledBytesScheme(max_word_bytes, byte_dim, widths, filters, hidden,
                                 decoder_dim, decoder_layers, decoder_heads)


def lm_lexinvariant_v1(vocab_size: int = 2048, min_frequency: int = 2,
                       regular_fraction: float = 0.0) -> LexinvariantScheme:
    """BPE tokens with per-sequence random Gaussian codes instead of embeddings."""
    return LexinvariantScheme(vocab_size, min_frequency, regular_fraction)


SHORT_NAMES = {"bytes": BYTES_NAME, "subword": SUBWORD_NAME, "word_pooled_bytes": WORD_NAME,
               "lexinvariant": LEXINVARIANT_NAME}


def scheme_by_name(name: str, options: Mapping[str, Any] | None = None) -> Any:
    """A scheme from its registered name (or short name) and options."""
    from lexiplug.registry import registry

    factory = registry.lm_schemes.get(SHORT_NAMES.get(name, name))
    try:
        return factory(**dict(options or {}))
    except TypeError as error:
        raise ConfigError(f"{error}") from None


def register(registry: Registries) -> None:
    registry.lm_schemes.register(BYTES_NAME, func=lm_bytes_v1, short_name="bytes")
    registry.lm_schemes.register(SUBWORD_NAME, func=lm_subword_v1, short_name="subword")
    registry.lm_schemes.register(WORD_NAME, func=lm_word_pooled_bytes_v1,
                                 short_name="word_pooled_bytes")
    registry.lm_schemes.register(LEXINVARIANT_NAME, func=lm_lexinvariant_v1,
                                 short_name="lexinvariant")
