"""The torch side of the phenotyping component: the multitask CNN (docs/phenotype.md) and its
thinc glue (input conversion, safetensors serialisation).

Imported only inside the architecture's ``init`` and the component's methods, never by the
factory module, so ``spacy.blank`` stays free of torch (docs/architecture.md).

Long reports are cut into windows of ``max_length`` token ids that overlap by
``max(kernel_sizes) - 1`` tokens, so every n-gram of the report is seen by the convolutions;
the max-pool then runs over all windows of a document, which gives the same features as one
pass over the whole report. ``long_docs = "truncate"`` keeps only the first window.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from thinc.api import ArgsKwargs, Model
from torch import nn

PAD = 0
UNK = 1
FIRST_WORD_ROW = 2


@dataclass
class WindowBatch:
    """Token-id windows of a batch of documents (row ids: 0 padding, 1 unknown word)."""

    windows: np.ndarray  # (n_windows, length) int64
    window_doc: np.ndarray  # (n_windows,) int64: the document each window comes from
    boe_weight: np.ndarray  # (n_windows, length) float32: 1 where a token counts for the mean
    n_docs: int


def make_windows(doc_ids: list[np.ndarray], max_length: int, min_length: int,
                 long_docs: str) -> WindowBatch:
    """Cut each document's ids into overlapping windows (see the module docstring).

    ``min_length`` (the widest kernel) is the least window length, so a one-token document
    still has one convolution position.
    """
    overlap = min_length - 1
    stride = max(max_length - overlap, 1)
    pieces: list[np.ndarray] = []
    counted: list[np.ndarray] = []
    owners: list[int] = []
    for d, ids in enumerate(doc_ids):
        n = int(ids.shape[0])
        if long_docs == "truncate" or n <= max_length:
            starts = [0]
        else:
            starts = list(range(0, n - overlap, stride))
        for w, start in enumerate(starts):
            piece = ids[start:start + max_length]
            weight = np.ones(piece.shape[0], dtype=np.float32)
            if w > 0:  # the overlap was already counted by the previous window
                weight[:overlap] = 0.0
            pieces.append(piece)
            counted.append(weight)
            owners.append(d)
    length = max(min_length, max((p.shape[0] for p in pieces), default=0))
    windows = np.zeros((len(pieces), length), dtype=np.int64)
    boe_weight = np.zeros((len(pieces), length), dtype=np.float32)
    for row, (piece, weight) in enumerate(zip(pieces, counted, strict=True)):
        windows[row, :piece.shape[0]] = piece
        boe_weight[row, :piece.shape[0]] = weight
    return WindowBatch(windows, np.asarray(owners, dtype=np.int64), boe_weight, len(doc_ids))


class MTCNN(nn.Module):
    """Embeddings -> Conv1d per kernel width (ReLU, global max-pool) [+ bag of embeddings]
    -> dropout -> one linear head per task. Output: the heads' logits side by side."""

    def __init__(self, *, n_rows: int, embed_width: int, filters: int,
                 kernel_sizes: list[int], bag_of_embeddings: bool, dropout: float,
                 task_sizes: list[int]) -> None:
        super().__init__()
        self.config = {
            "n_rows": n_rows, "embed_width": embed_width, "filters": filters,
            "kernel_sizes": list(kernel_sizes), "bag_of_embeddings": bag_of_embeddings,
            "dropout": dropout, "task_sizes": list(task_sizes),
        }
        self.embed = nn.Embedding(n_rows, embed_width, padding_idx=PAD)
        self.convs = nn.ModuleList(nn.Conv1d(embed_width, filters, k) for k in kernel_sizes)
        for conv in self.convs:
            nn.init.xavier_uniform_(conv.weight)
            nn.init.zeros_(conv.bias)
        features = filters * len(kernel_sizes)
        self.boe = nn.Linear(embed_width, embed_width) if bag_of_embeddings else None
        if self.boe is not None:
            features += embed_width
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleList(nn.Linear(features, n) for n in task_sizes)
        for head in self.heads:
            nn.init.xavier_uniform_(head.weight)
            nn.init.zeros_(head.bias)

    def document_features(self, windows: torch.Tensor, window_doc: torch.Tensor,
                          boe_weight: torch.Tensor, n_docs: int) -> torch.Tensor:
        embedded = self.embed(windows).masked_fill((windows == PAD).unsqueeze(-1), 0.0)
        channels = embedded.transpose(1, 2)
        pooled = torch.cat([torch.relu(conv(channels)).max(dim=2).values
                            for conv in self.convs], dim=1)
        one_window_each = windows.shape[0] == n_docs
        if not one_window_each:
            index = window_doc.unsqueeze(1).expand_as(pooled)
            pooled = pooled.new_zeros(n_docs, pooled.shape[1]).scatter_reduce(
                0, index, pooled, reduce="amax", include_self=False)
        parts = [pooled]
        if self.boe is not None:
            sums = (embedded * boe_weight.unsqueeze(-1)).sum(dim=1)
            counts = boe_weight.sum(dim=1)
            if not one_window_each:
                sums = sums.new_zeros(n_docs, sums.shape[1]).index_add(0, window_doc, sums)
                counts = counts.new_zeros(n_docs).index_add(0, window_doc, counts)
            mean = sums / counts.clamp(min=1.0).unsqueeze(-1)
            parts.append(torch.tanh(self.boe(mean)))
        return self.dropout(torch.cat(parts, dim=1))

    def forward(self, windows: torch.Tensor, window_doc: torch.Tensor,
                boe_weight: torch.Tensor, n_docs: int) -> torch.Tensor:
        features = self.document_features(windows, window_doc, boe_weight, n_docs)
        return torch.cat([head(features) for head in self.heads], dim=1)


def convert_inputs(model: Model, batch: WindowBatch, is_train: bool) -> tuple[ArgsKwargs, Any]:
    """Window arrays -> tensors on the wrapper's device; token ids carry no gradient."""
    device = model.shims[0].device
    kwargs = {
        "windows": torch.as_tensor(batch.windows, dtype=torch.long, device=device),
        "window_doc": torch.as_tensor(batch.window_doc, dtype=torch.long, device=device),
        "boe_weight": torch.as_tensor(batch.boe_weight, dtype=torch.float32, device=device),
        "n_docs": batch.n_docs,
    }

    def no_gradient(_: Any) -> None:
        return None

    return ArgsKwargs(args=(), kwargs=kwargs), no_gradient


def serialize_module(module: MTCNN) -> bytes:
    """Weights as safetensors bytes, with the constructor settings in its metadata."""
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in
             module.state_dict().items()}
    return save_safetensors(state, metadata={"mtcnn_config": json.dumps(module.config)})


def safetensors_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of safetensors bytes (the header is 8 bytes of length + JSON)."""
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    return dict(header.get("__metadata__", {}))


def deserialize_module(module: nn.Module, data: bytes, device: Any) -> MTCNN:
    """A fresh network with the saved settings and weights (the placeholder is discarded,
    so the vocabulary and label counts need not be known before loading)."""
    config = json.loads(safetensors_metadata(data)["mtcnn_config"])
    rebuilt = MTCNN(**config)
    rebuilt.load_state_dict(load_safetensors(data))
    return rebuilt.to(device)


def standardised(matrix: np.ndarray, scale: float) -> np.ndarray:
    """ORNL's preprocessing: centre each column, divide by its std × ``scale``."""
    centred = matrix - matrix.mean(axis=0, keepdims=True)
    std = centred.std(axis=0, keepdims=True)
    std[std == 0] = 1.0
    return (centred / (std * scale)).astype(np.float32)


def initial_embeddings(n_words: int, width: int, *, pretrained_rows: np.ndarray | None,
                       pretrained_matrix: np.ndarray | None, scale: float,
                       seed: int) -> np.ndarray:
    """The embedding table: row 0 zeros (padding), row 1 (unknown) and words without a
    pretrained vector random, pretrained words from their vectors, all standardised alike."""
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((n_words + FIRST_WORD_ROW, width)).astype(np.float32)
    if pretrained_rows is not None and pretrained_matrix is not None and len(pretrained_rows):
        known = standardised(pretrained_matrix, 1.0)
        table[pretrained_rows] = known
    table = standardised(table[1:], scale)
    return np.vstack([np.zeros((1, width), dtype=np.float32), table])
