"""What the encoder specialisers share: loading a local Hugging Face encoder for training,
pooling with gradients, and saving the result as a normal model folder.

The saved folder (safetensors weights, config, tokenizer, and ``specialization.json`` naming
the method and its settings) loads with ``lexiplug.transformer.v1`` and the static distillers
like any other local model. Saving is atomic (core/atomic.py): a crash leaves the old folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lexiplug.errors import ConfigError, FormatError

RECORD = "specialization.json"


def check_model_folder(model: str | Path, *, where: str = "model") -> Path:
    """A local folder holding a Hugging Face model (no hub names: no network at run time)."""
    path = Path(model)
    if not (path / "config.json").is_file():
        raise ConfigError(f"expected a local Hugging Face model folder with config.json; "
                          f"found {str(path)!r}", where=where)
    return path


def load_for_training(model: str | Path, seed: int) -> tuple[Any, Any]:
    """(tokenizer, model in train mode) from a local folder, seeded."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(seed)
    path = check_model_folder(model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        encoder = AutoModel.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise FormatError(f"could not load a Hugging Face model: {error}", path=path) from None
    encoder.train()
    return tokenizer, encoder


def encode_mean(tokenizer: Any, encoder: Any, texts: list[str], max_length: int, *,
                skip_special: bool) -> Any:
    """Mean of the last layer over each text's tokens (special tokens left out when
    ``skip_special``: a word's vector is its subwords', as in LexFit / BabelBERT)."""
    import torch

    batch = tokenizer(texts, padding=True, truncation=True, max_length=max_length,
                      return_tensors="pt", return_special_tokens_mask=skip_special)
    special = batch.pop("special_tokens_mask", None)
    hidden = encoder(**batch).last_hidden_state
    mask = batch["attention_mask"].clone()
    if special is not None:
        kept = mask * (1 - special)
        # a text made only of special tokens (empty after truncation) keeps them
        mask = torch.where(kept.sum(1, keepdim=True) > 0, kept, mask)
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def save_model_folder(tokenizer: Any, encoder: Any, output: str | Path, *, method: str,
                      settings: Any, report: dict[str, Any]) -> Path:
    """Write the model folder atomically, with ``specialization.json`` beside the weights."""
    from lexiplug.atomic import atomic_dir

    encoder.eval()
    record = {"method": method, "settings": jsonable(settings), **report}
    with atomic_dir(output) as folder:
        encoder.save_pretrained(folder, safe_serialization=True)
        tokenizer.save_pretrained(folder)
        (folder / RECORD).write_text(json.dumps(record, indent=2, default=str) + "\n",
                                     encoding="utf-8")
        _normal_permissions(folder)
    return Path(output)


def _normal_permissions(folder: Path) -> None:
    """safetensors writes its file owner-only (0600); a model folder is shared like any other
    output, so every file gets the mode a plain ``open`` would give (0666 less the umask)."""
    import os

    umask = os.umask(0)
    os.umask(umask)
    for file in folder.rglob("*"):
        if file.is_file():
            file.chmod(0o666 & ~umask)


def saved_settings(output: str | Path) -> dict[str, Any] | None:
    """The settings a finished folder was trained with (``None``: no finished folder)."""
    path = Path(output) / RECORD
    if not path.is_file():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("settings", {}))
    except (json.JSONDecodeError, AttributeError, TypeError):
        return None


def jsonable(settings: Any) -> dict[str, Any]:
    """Settings as they read back from ``specialization.json`` (paths as strings)."""
    return dict(json.loads(json.dumps(asdict(settings), default=str)))


class TrainedModelEncoder:
    """An encoder (contracts.Encoder) over a model folder this plugin trains: on first use
    it trains (or reuses a finished ``settings.output`` trained with the same settings), then
    encodes like ``lexiplug.transformer.v1`` over that folder."""

    settings: Any

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self._encoder: Any = None

    def train(self) -> Path:
        raise NotImplementedError

    @property
    def model_path(self) -> Path:
        """The trained model folder (trained now if it is missing or stale)."""
        if saved_settings(self.settings.output) != jsonable(self.settings):
            self.train()
        return Path(self.settings.output)

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            from lexiplug.plugins.contextual.encoder import TransformerEncoder

            self._encoder = TransformerEncoder(self.model_path)
        return self._encoder

    def encode_texts(self, texts: Any) -> Any:
        return self.encoder.encode_texts(texts)

    def encode_tokens(self, docs: Any) -> list[Any]:
        return list(self.encoder.encode_tokens(docs))
