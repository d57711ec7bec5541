"""``lexiplug.byte_word_encoder.v1``: a trained byte word encoder as a lexiplug object.

:class:`ByteWordModel` trains a :class:`~.network.ByteWordEncoder` on any ``Vectors``
(training.py), encodes any string, and saves itself sentence-transformers style: a folder
with ``config.json`` (the settings, the output size and the target scale) and
``model.safetensors`` (the weights; loading never unpickles). It is also an ``Encoder``
(core/contracts.py): ``encode_texts`` averages the vectors of a text's whitespace-separated
words, ``encode_tokens`` gives one row per spaCy token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError, TrainingError
from lexiplug.plugin_tools import read_saved_json, settings_factory
from lexiplug.registry import Registries

from .byte_ids import byte_batch
from .settings import ARCHITECTURE, ByteEncoderSettings, torch_threads

if TYPE_CHECKING:
    from lexiplug.vectors import Vectors

NAME = "lexiplug.byte_word_encoder.v1"
CONFIG = "config.json"
WEIGHTS = "model.safetensors"
FORMAT = "lexiplug-byte-word-encoder"
ENCODE_BATCH = 1024  # words per forward pass when encoding
logger = logging.getLogger(__name__)


class ByteWordModel:
    """A byte word encoder: ``fit(vectors)`` once, then ``encode(words)`` any strings."""

    def __init__(self, settings: ByteEncoderSettings) -> None:
        self.settings = settings
        self.network: Any = None
        self.dim: int | None = None
        self.scale = 1.0
        self.centre: np.ndarray | None = None
        self.losses: list[float] = []
        self.n_truncated = 0  # words cut to max_bytes by encode() so far
        self._checkpoints: Path | None = None
        self._resume = False
        if settings.path is not None:
            self._load_into(Path(settings.path))

    # -- training ----------------------------------------------------------------------------

    def configure_checkpoints(self, folder: str | Path | None, *, resume: bool = False
                              ) -> None:
        self._checkpoints = None if folder is None else Path(folder)
        self._resume = resume

    def fit(self, vectors: Vectors) -> ByteWordModel:
        """Train on ``vectors`` (replacing any loaded network); returns ``self``."""
        from .training import fit_encoder

        with torch_threads(self.settings.threads):
            state = fit_encoder(vectors, self.settings, checkpoints=self._checkpoints,
                                resume=self._resume, device=self.device)
        self.network, self.scale, self.losses = state.network, state.scale, state.losses
        self.centre = state.centre
        self.dim = vectors.dim
        return self

    @property
    def device(self) -> str:
        from lexiplug.devices import resolve_device

        return str(resolve_device(self.settings.device))

    @property
    def fitted(self) -> bool:
        return self.network is not None

    # -- encoding ----------------------------------------------------------------------------

    def encode(self, words: Sequence[str]) -> np.ndarray:
        """One float32 row per word, shape ``(len(words), dim)``; any string is accepted.

        Words are encoded in batches of similar length (less padding); words longer than
        ``max_bytes`` are cut and counted in ``n_truncated`` and one warning per call.
        """
        if self.network is None or self.dim is None:
            raise TrainingError("the byte encoder is not trained: call fit(vectors) or load "
                                "a saved one (path=...)", where="byte_word_encoder")
        import torch

        words = list(words)
        out = np.zeros((len(words), self.dim), dtype=np.float32)
        if not words:
            return out
        order = sorted(range(len(words)), key=lambda i: len(words[i]))
        truncated = 0
        device = next(self.network.parameters()).device
        with torch.inference_mode(), torch_threads(self.settings.threads):
            for start in range(0, len(words), ENCODE_BATCH):
                chosen = order[start:start + ENCODE_BATCH]
                batch = byte_batch([words[i] for i in chosen], self.settings.max_bytes)
                truncated += batch.n_truncated
                vectors = self.network(torch.from_numpy(batch.ids).to(device),
                                       torch.from_numpy(batch.lengths).to(device))
                out[chosen] = vectors.float().cpu().numpy()
        if truncated:
            self.n_truncated += truncated
            logger.warning("byte encoder: %d of %d words are longer than max_bytes=%d; their "
                           "first and last bytes were encoded", truncated, len(words),
                           self.settings.max_bytes)
        out *= np.float32(self.scale)
        if self.centre is not None:
            out += self.centre
        return out

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """The mean vector of each text's whitespace-separated words (zeros if it has none)."""
        split = [text.split() for text in texts]
        flat = self.encode([w for words in split for w in words])
        out = np.zeros((len(texts), flat.shape[1]), dtype=np.float32)
        start = 0
        for i, words in enumerate(split):
            if words:
                out[i] = flat[start:start + len(words)].mean(axis=0)
            start += len(words)
        return out

    def encode_tokens(self, docs: Sequence[Any]) -> list[np.ndarray]:
        """One row per token of each spaCy ``Doc``."""
        flat = self.encode([token.text for doc in docs for token in doc])
        out, start = [], 0
        for doc in docs:
            out.append(flat[start:start + len(doc)])
            start += len(doc)
        return out

    # -- saving ------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` into the folder ``path``, atomically."""
        if self.network is None:
            raise TrainingError("nothing to save: the byte encoder is not trained",
                                where="byte_word_encoder")
        from lexiplug.atomic import atomic_dir
        from safetensors.torch import save_file

        target = Path(path)
        config = {"format": FORMAT, "version": 1, "dim": self.dim, "scale": self.scale,
                  "centre": None if self.centre is None else self.centre.tolist(),
                  "losses": self.losses,
                  "settings": {k: v for k, v in self.settings.as_dict().items() if k != "path"}}
        with atomic_dir(target) as tmp:
            state = {k: v.detach().cpu().contiguous() for k, v in self.network.state_dict().items()}
            save_file(state, str(tmp / WEIGHTS))
            (tmp / CONFIG).write_text(json.dumps(config, indent=1), encoding="utf-8")
        return target

    save_model = save

    @classmethod
    def load(cls, path: str | Path, *, device: str = "cpu") -> ByteWordModel:
        """A saved encoder; :class:`FormatError` names the file and field that is wrong."""
        return cls(ByteEncoderSettings(path=str(path), device=device))  # type: ignore[arg-type]

    def _load_into(self, folder: Path) -> None:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        from .network import ByteWordEncoder

        config, settings = read_config(folder / CONFIG)
        settings.path, settings.device = self.settings.path, self.settings.device
        self.settings = settings
        network = ByteWordEncoder(config["dim"], byte_dim=settings.byte_dim,
                                  widths=settings.widths, filters=settings.filters,
                                  hidden=settings.hidden)
        weights = folder / WEIGHTS
        try:
            network.load_state_dict(load_file(str(weights)))
        except (OSError, SafetensorError, RuntimeError) as error:
            raise FormatError(f"expected the weights of a byte encoder with the shapes "
                              f"config.json gives; {error}", path=weights) from None
        network.to(self.device).eval()
        self.network, self.dim, self.scale = network, int(config["dim"]), float(config["scale"])
        self.losses = list(config.get("losses", []))
        centre = config.get("centre")
        self.centre = None if centre is None else np.asarray(centre, dtype=np.float32)
        if self.centre is not None and self.centre.shape != (self.dim,):
            raise FormatError(f"expected field 'centre' to hold {self.dim} numbers; found "
                              f"{self.centre.size}", path=folder / CONFIG)


def read_config(path: Path) -> tuple[dict[str, Any], ByteEncoderSettings]:
    config = read_saved_json(path, FORMAT, "a saved byte encoder folder with config.json and "
                             "model.safetensors")
    for key, kind in (("dim", int), ("scale", (int, float)), ("settings", dict)):
        if not isinstance(config.get(key), kind) or isinstance(config.get(key), bool):
            raise FormatError(f"expected field {key!r} of type {kind}; found "
                              f"{config.get(key)!r}", path=path)
    missing = [k for k in ARCHITECTURE if k not in config["settings"]]
    if missing:
        raise FormatError(f"settings lack {missing}", path=path)
    try:
        settings = ByteEncoderSettings(**config["settings"])
    except (ConfigError, TypeError) as error:
        raise FormatError(f"invalid settings: {error}", path=path) from None
    return config, settings


byte_word_encoder_v1 = settings_factory(ByteWordModel, ByteEncoderSettings, name=NAME)


def register(registry: Registries) -> None:
    registry.encoders.register(NAME, func=byte_word_encoder_v1)
