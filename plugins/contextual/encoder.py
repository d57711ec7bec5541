"""``lexiplug.transformer.v1``: any Hugging Face encoder from a local folder, as pooled
sentence vectors or as one vector per spaCy token.

Loads with ``local_files_only=True`` so it never touches the network. Texts are tokenised
once, sorted by length and padded per batch, which keeps padding (and wasted compute)
small; inference runs under ``torch.inference_mode``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lexiplug.devices import resolve_device
from lexiplug.errors import ConfigError, DataNotFoundError, FormatError, require_one_of

from .alignment import TOKEN_POOLINGS, TokenPooling, pool_pieces_to_tokens, whitespace_spans
from .pooling import SENTENCE_POOLINGS, SentencePooling, mix_layers, pool_sentences

logger = logging.getLogger(__name__)

_MODEL_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")



def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """``auto``: bfloat16 on a GPU that supports it, float32 otherwise."""
    if dtype == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    choices = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if dtype not in choices:
        raise ConfigError(
            f"dtype must be 'auto' or one of {sorted(choices)}, got {dtype!r}",
            where="dtype",
        )
    return choices[dtype]


def resolve_model_path(model_path: str | Path) -> Path:
    """A folder path, or ``package:NAME`` for a model shipped inside an installed package
    (its ``get_model_path()``), so configs can name a pip-installed model portably."""
    text = str(model_path)
    if not text.startswith("package:"):
        return Path(text).expanduser()
    import importlib

    name = text.removeprefix("package:")
    _check_ships_a_model(name, text)
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        raise DataNotFoundError(
            f"{text!r} names package {name!r}, which is not installed ({error})",
            where="model_path",
        ) from None
    getter = getattr(module, "get_model_path", None)
    if getter is None:
        raise ConfigError(
            f"package {name!r} has no get_model_path(); give the model folder's path instead",
            where="model_path",
        )
    return Path(str(getter()))


def _check_ships_a_model(name: str, text: str) -> None:
    """Refuse ``name`` unless an installed distribution ships a ``config.json`` inside it:
    checked from the distribution's file list, so a module that is not a model package is
    never imported (importing runs its code)."""
    from importlib import metadata
    from importlib.util import find_spec

    top = name.partition(".")[0]
    if not top.isidentifier() or find_spec(top) is None:
        raise DataNotFoundError(f"{text!r} names package {name!r}, which is not installed",
                                where="encoder.model_path")
    prefix = name.replace(".", "/") + "/"
    for dist_name in metadata.packages_distributions().get(top, []):
        files = metadata.distribution(dist_name).files or []
        if any(str(f).startswith(prefix) and str(f).endswith("config.json") for f in files):
            return
    raise ConfigError(f"package {name!r} ships no model (no config.json among its installed "
                      "files), so it is not imported; give the model folder's path, or a "
                      "package with get_model_path() and its model files",
                      where="encoder.model_path")


def check_model_dir(model_path: str | Path) -> Path:
    """The folder, or an error that says what a model folder must hold."""
    path = resolve_model_path(model_path)
    if not path.is_dir():
        raise DataNotFoundError(
            f"expected a folder holding a Hugging Face model (config.json, tokenizer files, "
            f"weights), found {'a file' if path.exists() else 'nothing'} at {path}",
            where="model_path",
        )
    missing = [] if (path / "config.json").is_file() else ["config.json"]
    if not any((path / name).is_file() for name in _MODEL_FILES):
        missing.append(" or ".join(_MODEL_FILES))
    if missing:
        raise FormatError(
            f"not a Hugging Face model folder: missing {', '.join(missing)}", path=path
        )
    return path


def default_max_length(path: Path, tokenizer: Any, model: Any) -> int:
    """sentence-transformers' ``max_seq_length`` if the folder has one, else the model limit."""
    import json

    st_config = path / "sentence_bert_config.json"
    if st_config.is_file():
        value = json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return value
    limits = [getattr(model.config, "max_position_embeddings", 512), 512]
    tokenizer_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tokenizer_limit, int) and 0 < tokenizer_limit < 100_000:
        limits.append(tokenizer_limit)
    return int(min(limits))


class TransformerEncoder:
    """A frozen transformer encoder: ``encode_texts`` and ``encode_tokens`` (contracts.Encoder)."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        pooling: SentencePooling = "mean",
        normalize: bool = False,
        batch_size: int = 32,
        max_length: int | None = None,
        layers: Sequence[int] = (-1,),
        layer_weights: Sequence[float] | None = None,
        token_pooling: TokenPooling = "mean",
        device: str = "auto",
        dtype: str = "auto",
        progress: bool | None = None,
    ) -> None:
        require_one_of(pooling, SENTENCE_POOLINGS, "pooling")
        require_one_of(token_pooling, TOKEN_POOLINGS, "token_pooling")
        if batch_size < 1:
            raise ConfigError(
                f"batch_size must be >= 1, got {batch_size}", where="batch_size"
            )
        if not layers:
            raise ConfigError("layers must name at least one layer", where="layers")
        if layer_weights is not None and len(layer_weights) != len(layers):
            raise ConfigError(
                f"layer_weights needs one weight per layer ({len(layers)}), "
                f"got {len(layer_weights)}",
                where="layer_weights",
            )
        self.model_path = check_model_dir(model_path)
        self.pooling: SentencePooling = pooling
        self.normalize = normalize
        self.batch_size = batch_size
        self.layers = tuple(int(layer) for layer in layers)
        self.layer_weights = None if layer_weights is None else tuple(map(float, layer_weights))
        self.token_pooling: TokenPooling = token_pooling
        self.progress = progress
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.tokenizer, self.model = self._load()
        self.max_length = max_length or default_max_length(
            self.model_path, self.tokenizer, self.model
        )
        n_layers = int(getattr(self.model.config, "num_hidden_layers", 0)) + 1
        bad = [layer for layer in self.layers if not -n_layers <= layer < n_layers]
        if bad and n_layers > 1:
            raise ConfigError(
                f"layers {bad} out of range for a model with {n_layers} hidden "
                f"states (embeddings + {n_layers - 1} layers)",
                where="layers",
            )

    def _load(self) -> tuple[Any, Any]:
        from transformers import AutoModel, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
            model = AutoModel.from_pretrained(self.model_path, local_files_only=True)
        except (OSError, ValueError, KeyError) as error:
            raise FormatError(
                f"could not load a Hugging Face model: {error}", path=self.model_path
            ) from error
        model.eval()
        model.to(device=self.device, dtype=self.dtype)
        return tokenizer, model

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def settings(self) -> dict[str, Any]:
        """What rebuilds this encoder (the spaCy component stores it)."""
        return {
            "model_path": str(self.model_path),
            "pooling": self.pooling,
            "normalize": self.normalize,
            "batch_size": self.batch_size,
            "max_length": self.max_length,
            "layers": list(self.layers),
            "layer_weights": None if self.layer_weights is None else list(self.layer_weights),
            "token_pooling": self.token_pooling,
        }

    def __repr__(self) -> str:
        return f"<TransformerEncoder {self.model_path.name} dim={self.dim} device={self.device}>"

    # -- sentence vectors ------------------------------------------------------------------

    def encode_texts(
        self,
        texts: Iterable[str],
        *,
        batch_size: int | None = None,
        normalize: bool | None = None,
        pooling: SentencePooling | None = None,
    ) -> np.ndarray:
        """``(n_texts, dim)`` float32 pooled vectors, in input order."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        return self.encode_ids(ids, batch_size=batch_size, normalize=normalize, pooling=pooling)

    def encode_ids(
        self,
        ids: Sequence[Sequence[int]],
        *,
        batch_size: int | None = None,
        normalize: bool | None = None,
        pooling: SentencePooling | None = None,
    ) -> np.ndarray:
        """Pooled vectors for already tokenised inputs (special tokens included by the caller)."""
        pooling = pooling or self.pooling
        normalize = self.normalize if normalize is None else normalize
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for rows, input_ids, mask in self._batches(ids, batch_size or self.batch_size):
            with torch.inference_mode():
                hidden = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
                pooled = pool_sentences(hidden, mask, pooling)
                if normalize:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out[rows] = pooled.cpu().numpy()
        return out

    def _batches(
        self, ids: Sequence[Sequence[int]], batch_size: int
    ) -> Iterable[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
        """Length-sorted, per-batch padded ``(row indices, input_ids, attention_mask)``."""
        from tqdm.auto import tqdm

        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(-lengths, kind="stable")
        pad_id = self.tokenizer.pad_token_id or 0
        show = self.progress if self.progress is not None else len(ids) >= 2000
        starts = range(0, len(ids), batch_size)
        for start in tqdm(starts, disable=not show, desc="encoding", unit="batch", leave=False):
            rows = order[start : start + batch_size]
            width = int(lengths[rows[0]])
            input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, row in enumerate(rows):
                input_ids[j, : lengths[row]] = ids[row]
                mask[j, : lengths[row]] = 1
            yield (
                rows,
                torch.from_numpy(input_ids).to(self.device),
                torch.from_numpy(mask).to(self.device),
            )

    # -- token vectors ---------------------------------------------------------------------

    def encode_tokens(self, docs: Iterable[Any]) -> list[np.ndarray]:
        """One ``(len(doc), dim)`` array per spaCy ``Doc``, aligned to its tokens."""
        texts, starts, ends = [], [], []
        for doc in docs:
            texts.append(doc.text)
            starts.append(np.fromiter((t.idx for t in doc), dtype=np.int64, count=len(doc)))
            ends.append(starts[-1] + np.fromiter((len(t) for t in doc), np.int64, len(doc)))
        return self.encode_spans(texts, starts, ends)

    def encode_words(self, sentences: Iterable[Sequence[str]]) -> list[np.ndarray]:
        """One ``(len(words), dim)`` array per pre-tokenised sentence (joined by spaces)."""
        texts, starts, ends = [], [], []
        for words in sentences:
            text, word_starts, word_ends = whitespace_spans(list(words))
            texts.append(text)
            starts.append(word_starts)
            ends.append(word_ends)
        return self.encode_spans(texts, starts, ends)

    def encode_spans(
        self,
        texts: Sequence[str],
        starts: Sequence[np.ndarray],
        ends: Sequence[np.ndarray],
        *,
        batch_size: int | None = None,
    ) -> list[np.ndarray]:
        """Vectors for character spans of each text, pooled from the pieces they overlap.

        Texts longer than ``max_length`` pieces are cut into consecutive windows, each with
        its own special tokens, so every piece is encoded exactly once.
        """
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigError(
                f"{self.model_path} has no fast tokenizer (tokenizer.json); token alignment needs "
                "its character offsets",
                where="model_path",
            )
        if not texts:
            return []
        enc = self.tokenizer(
            list(texts),
            truncation=True,
            max_length=self.max_length,
            stride=0,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
        )
        window_text = np.asarray(enc["overflow_to_sample_mapping"], dtype=np.int64)
        window_vectors: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(window_text)
        hidden_states_needed = self.layers != (-1,)
        for rows, input_ids, mask in self._batches(enc["input_ids"], batch_size or self.batch_size):
            with torch.inference_mode():
                output = self.model(
                    input_ids=input_ids,
                    attention_mask=mask,
                    output_hidden_states=hidden_states_needed,
                )
                if hidden_states_needed:
                    hidden = mix_layers(output.hidden_states, self.layers, self.layer_weights)
                else:
                    hidden = output.last_hidden_state.float()
            hidden_np = hidden.cpu().numpy()
            for j, row in enumerate(rows):
                keep = np.asarray(enc["special_tokens_mask"][row], dtype=bool) == 0
                window_vectors[row] = hidden_np[j, : len(keep)][keep]
        return self._pool_windows(enc, window_text, window_vectors, starts, ends)

    def _pool_windows(
        self,
        enc: Any,
        window_text: np.ndarray,
        window_vectors: list[np.ndarray],
        starts: Sequence[np.ndarray],
        ends: Sequence[np.ndarray],
    ) -> list[np.ndarray]:
        windows_of = [[] for _ in starts]  # type: list[list[int]]
        for window, text_index in enumerate(window_text):
            windows_of[text_index].append(window)
        results = []
        for text_index, windows in enumerate(windows_of):
            offsets = [
                np.asarray(enc["offset_mapping"][w], dtype=np.int64).reshape(-1, 2)[
                    np.asarray(enc["special_tokens_mask"][w], dtype=bool) == 0
                ]
                for w in windows
            ]
            results.append(
                pool_pieces_to_tokens(
                    np.concatenate([window_vectors[w] for w in windows]),
                    np.concatenate(offsets),
                    np.asarray(starts[text_index]),
                    np.asarray(ends[text_index]),
                    self.token_pooling,
                )
            )
        return results
