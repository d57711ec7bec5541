"""``lexiplug.decoder_encoder.v1``: a local causal language model as a frozen text encoder.

Three poolings of the last hidden states (docs/decoder_embeddings.md):

- ``last_token``: the state of the last real token (an end-of-sequence token is appended by
  default), the only position that has seen the whole text under causal attention;
- ``mean``: the masked mean under the model's own causal attention;
- ``bidirectional_mean``: the masked mean with the causal mask removed (KaLM-Embedding,
  Zhao et al. 2025), see ``attention.py``.

Texts are tokenised once, sorted by length and padded per batch (right padding, so positions
are 0..n-1 for every text). Texts longer than ``max_length`` tokens are truncated or cut into
windows whose vectors are averaged (``long_texts``); empty texts get a zero vector. Both are
counted in :attr:`DecoderEncoder.counts` and logged, never silent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from lexiplug.devices import resolve_device
from lexiplug.errors import ConfigError, require_one_of

from ..contextual.alignment import (
    TOKEN_POOLINGS,
    TokenPooling,
    pool_pieces_to_tokens,
)
from ..contextual.encoder import TransformerEncoder, resolve_dtype
from .attention import hidden_states
from .loading import ModelLocation, load_causal_lm, locate_model

logger = logging.getLogger(__name__)

DecoderPooling = Literal["last_token", "mean", "bidirectional_mean"]
DECODER_POOLINGS: tuple[str, ...] = ("last_token", "mean", "bidirectional_mean")
LONG_TEXTS: tuple[str, ...] = ("truncate", "window")


@dataclass
class DecoderEncoderSettings:
    """Settings of ``lexiplug.decoder_encoder.v1`` (each is a config key)."""

    model_path: str
    pooling: str = "bidirectional_mean"
    query_instruction: str = ""
    document_instruction: str = ""
    append_eos: bool = True
    normalize: bool = False
    batch_size: int = 16
    max_length: int = 512
    long_texts: str = "truncate"
    token_pooling: str = "mean"
    adapter: str = ""
    device: str = "auto"
    dtype: str = "auto"

    def __post_init__(self) -> None:
        require_one_of(self.pooling, DECODER_POOLINGS, "pooling")
        require_one_of(self.long_texts, LONG_TEXTS, "long_texts")
        require_one_of(self.token_pooling, TOKEN_POOLINGS, "token_pooling")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}",
                              where="batch_size")
        if self.max_length < 2:
            raise ConfigError(f"max_length must be >= 2 tokens, got {self.max_length}",
                              where="max_length")


@dataclass
class EncodeCounts:
    """What :meth:`DecoderEncoder.encode_texts` did to inputs that do not fit as they are."""

    texts: int = 0
    empty: int = 0
    truncated: int = 0
    windowed: int = 0
    windows: int = 0


class DecoderEncoder:
    """A frozen causal LM: ``encode_texts`` and ``encode_tokens`` (contracts.Encoder)."""

    def __init__(self, settings: DecoderEncoderSettings, *, model: Any = None,
                 tokenizer: Any = None, progress: bool | None = None) -> None:
        self.settings = settings
        self.pooling: DecoderPooling = settings.pooling  # type: ignore[assignment]
        self.token_pooling: TokenPooling = settings.token_pooling  # type: ignore[assignment]
        self.device = resolve_device(settings.device)
        self.dtype = resolve_dtype(settings.dtype, self.device)
        self.progress = progress
        self.counts = EncodeCounts()
        self.location: ModelLocation | None = None
        if model is None or tokenizer is None:
            self.location = locate_model(settings.model_path)
            tokenizer, model = load_causal_lm(self.location)
        if settings.adapter:  # weights trained by `lexiplug embed-train`, merged in
            from .training import apply_trained

            apply_trained(model.base_model, settings.adapter)
        # lexiplug_embed's copy_encoder copies this folder (safetensors checkpoints only)
        self.model_path = self.location.folder if self.location else Path(settings.model_path)
        self.tokenizer = tokenizer
        self.causal_lm = model.to(device=self.device, dtype=self.dtype).eval()
        limit = int(getattr(model.config, "max_position_embeddings", 0) or 0)
        self.max_length = min(settings.max_length, limit) if limit > 0 else settings.max_length

    @property
    def base_model(self) -> Any:
        """The decoder without its LM head (what produces hidden states)."""
        return self.causal_lm.base_model

    @property
    def dim(self) -> int:
        return int(self.causal_lm.config.hidden_size)

    def fingerprint(self) -> object:
        """Study cache key: the weights' identity and every setting that changes vectors."""
        where = self.location.fingerprint() if self.location else self.settings.model_path
        return {"model": where, **{k: v for k, v in vars(self.settings).items()
                                   if k not in ("device", "batch_size")}}

    def __repr__(self) -> str:
        return (f"<DecoderEncoder {self.settings.model_path} pooling={self.pooling} "
                f"dim={self.dim} device={self.device}>")

    # -- sentence vectors ------------------------------------------------------------------

    def encode_texts(self, texts: Iterable[str], *, batch_size: int | None = None,
                     normalize: bool | None = None, pooling: str | None = None,
                     instruction: str | None = None) -> np.ndarray:
        """``(n_texts, dim)`` float32 vectors in input order; ``instruction`` is prepended to
        every text (default: ``document_instruction``)."""
        pooling = pooling or self.pooling
        return self.encode_texts_pooled(texts, [pooling], batch_size=batch_size,
                                        normalize=normalize, instruction=instruction)[pooling]

    def encode_texts_pooled(self, texts: Iterable[str], poolings: Sequence[str], *,
                            batch_size: int | None = None, normalize: bool | None = None,
                            instruction: str | None = None) -> dict[str, np.ndarray]:
        """Vectors for several poolings at once: ``last_token`` and ``mean`` share one causal
        forward pass, ``bidirectional_mean`` needs its own."""
        texts = list(texts)
        for pooling in poolings:
            require_one_of(pooling, DECODER_POOLINGS, "pooling")
        prefix = self.settings.document_instruction if instruction is None else instruction
        normalize = self.settings.normalize if normalize is None else normalize
        outputs = {p: np.zeros((len(texts), self.dim), dtype=np.float32) for p in poolings}
        if not texts:
            return outputs
        pieces, owner, weights = self._tokenise(texts, prefix)
        vectors = self._encode_ids(pieces, batch_size or self.settings.batch_size, poolings)
        owner_array = np.asarray(owner, dtype=np.int64)
        totals = np.bincount(owner_array, weights=weights, minlength=len(texts))
        for pooling, out in outputs.items():
            np.add.at(out, owner_array, np.asarray(weights, np.float32)[:, None]
                      * vectors[pooling])
            out /= np.where(totals == 0, 1.0, totals)[:, None].astype(np.float32)
            if normalize:
                norms = np.linalg.norm(out, axis=1, keepdims=True)
                out /= np.where(norms == 0, 1.0, norms)
        return outputs

    def encode_queries(self, texts: Iterable[str], **kwargs: Any) -> np.ndarray:
        """Vectors of queries: ``query_instruction`` prepended (the KaLM/E5 convention)."""
        return self.encode_texts(texts, instruction=self.settings.query_instruction, **kwargs)

    def _tokenise(self, texts: Sequence[str], prefix: str
                  ) -> tuple[list[list[int]], list[int], list[float]]:
        """Token ids per piece (a text, or a window of a long one), the text each belongs to,
        and its weight (its token count) in the text's average. Empty texts get no piece."""
        eos = self.tokenizer.eos_token_id if self.settings.append_eos else None
        room = self.max_length - (1 if eos is not None else 0)
        encoded = self.tokenizer([prefix + t for t in texts], add_special_tokens=True,
                                 truncation=False, verbose=False)["input_ids"]
        pieces: list[list[int]] = []
        owner: list[int] = []
        weights: list[float] = []
        counts = self.counts
        counts.texts += len(texts)
        for index, (text, ids) in enumerate(zip(texts, encoded, strict=True)):
            if not text.strip():
                counts.empty += 1
                continue
            windows = [ids]
            if len(ids) > room:
                if self.settings.long_texts == "truncate":
                    counts.truncated += 1
                    windows = [ids[:room]]
                else:
                    counts.windowed += 1
                    windows = [ids[start:start + room] for start in range(0, len(ids), room)]
                    counts.windows += len(windows)
            for window in windows:
                pieces.append(list(window) + ([eos] if eos is not None else []))
                owner.append(index)
                weights.append(float(len(window)))
        if counts.empty or counts.truncated or counts.windowed:
            logger.info("decoder encoder: %d texts so far, %d empty (zero vectors), %d truncated "
                        "and %d windowed to %d tokens", counts.texts, counts.empty,
                        counts.truncated, counts.windowed, self.max_length)
        return pieces, owner, weights

    def _encode_ids(self, pieces: Sequence[Sequence[int]], batch_size: int,
                    poolings: Sequence[str]) -> dict[str, np.ndarray]:
        out = {p: np.zeros((len(pieces), self.dim), dtype=np.float32) for p in poolings}
        modes = {p == "bidirectional_mean" for p in poolings}
        for rows, input_ids, mask in self._batches(pieces, batch_size):
            for bidirectional in modes:
                with torch.inference_mode():
                    hidden = hidden_states(self.base_model, input_ids, mask,
                                           bidirectional=bidirectional)
                    for pooling in poolings:
                        if (pooling == "bidirectional_mean") == bidirectional:
                            out[pooling][rows] = pool_hidden(hidden, mask, pooling).cpu().numpy()
        return out

    def _batches(self, ids: Sequence[Sequence[int]], batch_size: int
                 ) -> Iterable[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
        """Length-sorted, right-padded ``(row indices, input_ids, attention_mask)`` batches."""
        from tqdm.auto import tqdm

        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(-lengths, kind="stable")
        pad_id = self.tokenizer.pad_token_id
        pad_id = pad_id if pad_id is not None else (self.tokenizer.eos_token_id or 0)
        show = self.progress if self.progress is not None else len(ids) >= 2000
        for start in tqdm(range(0, len(ids), batch_size), disable=not show, desc="encoding",
                          unit="batch", leave=False):
            rows = order[start:start + batch_size]
            width = int(lengths[rows[0]])
            input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, row in enumerate(rows):
                input_ids[j, :lengths[row]] = ids[row]
                mask[j, :lengths[row]] = 1
            yield (rows, torch.from_numpy(input_ids).to(self.device),
                   torch.from_numpy(mask).to(self.device))

    # -- token vectors ---------------------------------------------------------------------

    # spaCy-token and word vectors go through encode_spans below, as in the encoder family
    encode_tokens = TransformerEncoder.encode_tokens
    encode_words = TransformerEncoder.encode_words

    def encode_spans(self, texts: Sequence[str], starts: Sequence[np.ndarray],
                     ends: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Vectors of character spans, pooled from the token states they overlap. Long texts
        are cut into consecutive windows so every token is encoded once; attention follows
        ``pooling`` (bidirectional for ``bidirectional_mean``, causal otherwise)."""
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigError(f"{self.settings.model_path} has no fast tokenizer; token "
                              "alignment needs its character offsets", where="model_path")
        results: list[np.ndarray] = []
        bidirectional = self.pooling == "bidirectional_mean"
        for text, text_starts, text_ends in zip(texts, starts, ends, strict=True):
            enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True,
                                 verbose=False)
            ids, offsets = enc["input_ids"], np.asarray(enc["offset_mapping"], np.int64)
            if not ids:
                results.append(np.zeros((len(text_starts), self.dim), dtype=np.float32))
                continue
            states = []
            for start in range(0, len(ids), self.max_length):
                window = torch.tensor([ids[start:start + self.max_length]], device=self.device)
                mask = torch.ones_like(window)
                with torch.inference_mode():
                    hidden = hidden_states(self.base_model, window, mask,
                                           bidirectional=bidirectional)
                states.append(hidden[0].float().cpu().numpy())
            results.append(pool_pieces_to_tokens(np.concatenate(states), offsets.reshape(-1, 2),
                                                 np.asarray(text_starts), np.asarray(text_ends),
                                                 self.token_pooling))
        return results


def pool_hidden(hidden: torch.Tensor, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """``(batch, seq, dim) -> (batch, dim)`` over right-padded rows, in float32."""
    hidden = hidden.float()
    if pooling == "last_token":
        last = mask.sum(dim=1).clamp(min=1) - 1
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def decoder_encoder(settings: DecoderEncoderSettings) -> DecoderEncoder:
    """Build the encoder from its settings (the registered factory's body)."""
    return DecoderEncoder(settings)
