"""The torch network of ``lexiplug.RCNN.v1`` (Lai, Xu, Liu & Zhao, AAAI 2015) and its thinc
glue. Imported only inside the architecture's ``init`` (rcnn.py), never by spaCy's scan.

For each word w_i: left context c_l(w_i) = tanh(W_l c_l(w_{i-1}) + W_sl e(w_{i-1})), right
context c_r(w_i) = tanh(W_r c_r(w_{i+1}) + W_sr e(w_{i+1})), with learned c_l(w_1) and
c_r(w_n); x_i = [c_l; e; c_r]; y_i = tanh(W_2 x_i + b_2); the document is the element-wise
max of y_i over its words, followed by a linear layer and a softmax (exclusive classes) or
sigmoids (multi-label). The contexts are two simple tanh RNNs whose outputs are shifted by
one position, the right one run over each document reversed within its own length.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from thinc.api import ArgsKwargs, Model
from torch import nn

PAD = 0


@dataclass
class TokenBatch:
    ids: np.ndarray  # (n_docs, length) int64, 0 = padding
    reversed_ids: np.ndarray  # each row's tokens reversed within its length
    lengths: np.ndarray  # (n_docs,)


def token_batch(doc_ids: list[np.ndarray]) -> TokenBatch:
    length = max(1, max((len(ids) for ids in doc_ids), default=1))
    ids = np.zeros((len(doc_ids), length), dtype=np.int64)
    backwards = np.zeros_like(ids)
    for row, doc in enumerate(doc_ids):
        ids[row, :len(doc)] = doc
        backwards[row, :len(doc)] = doc[::-1]
    return TokenBatch(ids, backwards, np.array([max(1, len(d)) for d in doc_ids]))


class RCNN(nn.Module):
    def __init__(self, *, n_rows: int, embed_width: int, context_width: int, hidden: int,
                 n_labels: int, exclusive: bool, dropout: float) -> None:
        super().__init__()
        self.config = {"n_rows": n_rows, "embed_width": embed_width,
                       "context_width": context_width, "hidden": hidden, "n_labels": n_labels,
                       "exclusive": exclusive, "dropout": dropout}
        self.embed = nn.Embedding(n_rows, embed_width, padding_idx=PAD)
        self.left = nn.RNN(embed_width, context_width, nonlinearity="tanh", batch_first=True)
        self.right = nn.RNN(embed_width, context_width, nonlinearity="tanh", batch_first=True)
        self.left_start = nn.Parameter(torch.zeros(context_width))
        self.right_start = nn.Parameter(torch.zeros(context_width))
        self.project = nn.Linear(embed_width + 2 * context_width, hidden)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden, n_labels)
        self.exclusive = exclusive

    def contexts(self, rnn: nn.RNN, start: torch.Tensor, embedded: torch.Tensor) -> torch.Tensor:
        """c(w_i) for every i: the RNN state after w_1..w_{i-1}, c(w_1) = ``start``."""
        batch = embedded.shape[0]
        initial = start.expand(1, batch, -1).contiguous()
        states, _ = rnn(embedded[:, :-1], initial) if embedded.shape[1] > 1 else (
            embedded.new_zeros(batch, 0, start.shape[0]), None)
        return torch.cat([start.expand(batch, 1, -1), states], dim=1)

    def forward(self, ids: torch.Tensor, reversed_ids: torch.Tensor,
                lengths: torch.Tensor) -> torch.Tensor:
        embedded = self.embed(ids)
        left = self.contexts(self.left, self.left_start, embedded)
        right_reversed = self.contexts(self.right, self.right_start, self.embed(reversed_ids))
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        mirror = (lengths.unsqueeze(1) - 1 - positions).clamp(min=0)
        right = torch.gather(right_reversed, 1,
                             mirror.unsqueeze(2).expand(-1, -1, right_reversed.shape[2]))
        y = torch.tanh(self.project(torch.cat([left, embedded, right], dim=2)))
        valid = positions < lengths.unsqueeze(1)
        pooled = y.masked_fill(~valid.unsqueeze(2), -2.0).max(dim=1).values  # tanh >= -1
        logits = self.output(self.dropout(pooled))
        return torch.softmax(logits, dim=1) if self.exclusive else torch.sigmoid(logits)


def convert_inputs(model: Model, batch: TokenBatch, is_train: bool) -> tuple[ArgsKwargs, Any]:
    """Token ids -> tensors on the wrapper's device; ids carry no gradient."""
    device = model.shims[0].device
    kwargs = {"ids": torch.as_tensor(batch.ids, device=device),
              "reversed_ids": torch.as_tensor(batch.reversed_ids, device=device),
              "lengths": torch.as_tensor(batch.lengths, device=device)}
    return ArgsKwargs(args=(), kwargs=kwargs), lambda _: None


def serialize_module(module: RCNN) -> bytes:
    """safetensors bytes; the constructor settings ride in the header's metadata."""
    from safetensors.torch import save

    tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    return save(tensors, metadata={"rcnn_config": json.dumps(module.config)})


def deserialize_module(module: nn.Module, data: bytes, device: Any) -> RCNN:
    """A fresh network from the saved settings and weights (no pickle anywhere)."""
    from safetensors.torch import load

    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    config = json.loads(header["__metadata__"]["rcnn_config"])
    network = RCNN(**config)
    network.load_state_dict(load(data))
    return network.to(device)
