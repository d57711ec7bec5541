"""The torch side of the die/dat models: the network and its thinc conversion/serialisation.

Imported only inside the architecture's ``init`` (never by the factory module), so
``spacy.blank`` stays free of torch and model code (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from thinc.api import ArgsKwargs, Model
from thinc.shims import PyTorchShim
from torch import nn

from .instances import N_LEXICON_FEATURES, PAD, InstanceBatch


class DieDatNet(nn.Module):
    """Hashed word + suffix embeddings -> BiLSTM over the masked sentence window -> dense.

    Binary: the BiLSTM state at the mask and a max-pool over the window feed one head.
    Multitask: two more BiLSTMs read the left and right context windows; their final states
    join the features, and a second head predicts the target's POS. Output: logits, die/dat
    first (2 columns), then ``n_pos`` POS columns.
    """

    def __init__(
        self,
        *,
        n_word_buckets: int,
        n_suffix_buckets: int,
        embed_width: int,
        hidden_width: int,
        n_layers: int,
        dense_width: int,
        dropout: float,
        sentence_window: int,
        n_pos: int,
        lexicon_features: bool = False,
    ) -> None:
        super().__init__()
        self.center = sentence_window
        self.n_pos = n_pos
        self.words = nn.Embedding(n_word_buckets + 2, embed_width, padding_idx=PAD)
        self.suffixes = nn.Embedding(n_suffix_buckets + 2, embed_width, padding_idx=PAD)
        self.lexicon_projection: nn.Linear | None = None
        if lexicon_features:
            # filled from the training text by the component's initialize (set_lexicon)
            self.register_buffer("lexicon", torch.zeros(n_word_buckets + 2, N_LEXICON_FEATURES))
            self.lexicon_projection = nn.Linear(N_LEXICON_FEATURES, embed_width)
        self.embed_dropout = nn.Dropout(dropout)
        self.sentence = nn.LSTM(
            embed_width, hidden_width, num_layers=n_layers, bidirectional=True,
            batch_first=True, dropout=dropout if n_layers > 1 else 0.0,
        )
        features = 4 * hidden_width
        if n_pos > 0:
            self.left = nn.LSTM(embed_width, hidden_width, bidirectional=True, batch_first=True)
            self.right = nn.LSTM(embed_width, hidden_width, bidirectional=True, batch_first=True)
            features += 4 * hidden_width
        self.dense = nn.Sequential(
            nn.Linear(features, dense_width), nn.ReLU(), nn.Dropout(dropout)
        )
        self.die_dat = nn.Linear(dense_width, 2)
        self.pos = nn.Linear(dense_width, n_pos) if n_pos > 0 else None

    def _embed(self, words: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        embedded = self.words(words) + self.suffixes(suffixes)
        if self.lexicon_projection is not None:
            lexicon: torch.Tensor = self.lexicon  # type: ignore[assignment]
            embedded = embedded + self.lexicon_projection(lexicon[words])
        return self.embed_dropout(embedded)

    @staticmethod
    def _final_states(lstm: nn.LSTM, inputs: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = lstm(inputs)  # hidden: (layers * 2, n, width)
        hidden = cast(torch.Tensor, hidden)
        return torch.cat([hidden[-2], hidden[-1]], dim=-1)

    def forward(
        self,
        sentence_words: torch.Tensor,
        sentence_suffixes: torch.Tensor,
        left_words: torch.Tensor,
        left_suffixes: torch.Tensor,
        right_words: torch.Tensor,
        right_suffixes: torch.Tensor,
    ) -> torch.Tensor:
        states, _ = self.sentence(self._embed(sentence_words, sentence_suffixes))
        padding = (sentence_words == PAD).unsqueeze(-1)
        pooled = states.masked_fill(padding, float("-inf")).max(dim=1).values
        parts = [states[:, self.center], pooled]
        if self.pos is not None:
            parts.append(self._final_states(self.left, self._embed(left_words, left_suffixes)))
            parts.append(self._final_states(self.right, self._embed(right_words, right_suffixes)))
        hidden = self.dense(torch.cat(parts, dim=-1))
        logits = self.die_dat(hidden)
        if self.pos is not None:
            logits = torch.cat([logits, self.pos(hidden)], dim=-1)
        return logits


def convert_inputs(model: Model, batch: InstanceBatch, is_train: bool) -> tuple[ArgsKwargs, Any]:
    """Id arrays -> long tensors on the wrapper's device; ids carry no gradient."""
    device = cast(PyTorchShim, model.shims[0]).device
    kwargs = {
        name: torch.as_tensor(np.ascontiguousarray(ids), dtype=torch.long, device=device)
        for name, ids in batch.id_arrays().items()
    }

    def no_gradient(_: Any) -> None:
        return None

    return ArgsKwargs(args=(), kwargs=kwargs), no_gradient


def serialize_module(module: nn.Module) -> bytes:
    """Weights as safetensors bytes (no pickle)."""
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in
             module.state_dict().items()}
    return save_safetensors(state)


def deserialize_module(module: nn.Module, data: bytes, device: Any) -> nn.Module:
    """Load safetensors bytes into the freshly built ``module`` (shapes must match)."""
    module.load_state_dict(load_safetensors(data))
    return module.to(device)


def set_lexicon(module: DieDatNet, table: np.ndarray) -> None:
    """Copy an :func:`article_lexicon` table into the module (saved with its weights)."""
    if module.lexicon_projection is None:
        return
    with torch.no_grad():
        lexicon: torch.Tensor = module.lexicon  # type: ignore[assignment]
        lexicon.copy_(torch.as_tensor(table, dtype=torch.float32))


def initialise_embeddings(module: DieDatNet, vectors: Any, n_word_buckets: int) -> int:
    """Copy pretrained word vectors into their hashed rows; returns how many were copied."""
    from .instances import word_bucket

    table = module.words.weight
    keys = list(vectors.keys)
    matrix = torch.as_tensor(np.asarray(vectors.matrix, dtype=np.float32))
    if matrix.shape[1] != table.shape[1]:
        from lexiplug.errors import ConfigError

        raise ConfigError(
            f"pretrained vectors have {matrix.shape[1]} dimensions, the model's embeddings "
            f"{table.shape[1]}; set embed_width = {matrix.shape[1]}",
            where="components.die_dat.model.embed_width",
        )
    rows = torch.as_tensor([word_bucket(word, n_word_buckets) for word in keys])
    with torch.no_grad():
        table[rows] = matrix.to(table.device)
    return len(keys)
