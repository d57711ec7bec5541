"""The PII tagger network: hashed + character + syntax + lexicon features (+ optional dense
vectors) -> BiLSTM -> 2-layer GCN over the dependency graph -> BIO tag scores (docs/pii.md).

torch runs inside thinc's ``PyTorchWrapper_v3`` (docs/architecture.md): a custom ``convert_inputs``
(integer features carry no gradient), the module built in the thinc model's ``init`` once the
number of tags is known, and the weights serialised with safetensors.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from spacy.tokens import Doc
from thinc.api import ArgsKwargs, Model, PyTorchWrapper_v3, torch2xp, xp2torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..torch_weights import load_weights, model_to_bytes
from .features import (
    N_CHARS,
    N_DEP_ROWS,
    N_EDGE_DIRECTIONS,
    N_LEXICON_ROWS,
    N_PATTERN_ROWS,
    N_POS_ROWS,
    doc_features,
)

TaggerModel = Model[list[Doc], list[np.ndarray]]


class GCNLayer(nn.Module):
    """h_i' = ReLU((sum_j Ã_ij W h_j) / d_i + b), Ã = A + I given as an edge list (Kipf &
    Welling with the row-degree normalisation of Zhang et al. 2018)."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=False)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, hidden: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        projected = self.linear(hidden)
        source, target = edges[0], edges[1]
        summed = torch.zeros_like(projected).index_add_(0, source, projected[target])
        degree = torch.zeros(hidden.shape[0], dtype=projected.dtype, device=hidden.device)
        degree.index_add_(0, source, torch.ones_like(source, dtype=projected.dtype))
        return torch.relu(summed / degree.clamp(min=1.0).unsqueeze(1) + self.bias)


class GatedGCNLayer(nn.Module):
    """The syntactic GCN of Marcheggiani & Titov 2017 (the family of the PII paper's GCN):
    every edge carries its direction (from the head, from a dependent, self) and its dependency
    label, and its message is scaled by a scalar gate that depends on both, so the layer can
    learn to ignore arcs of an unreliable parse:

        h_i' = ReLU((sum_j g_ij (W_dir(ij) h_j + b_lab(ij))) / d_i + b),
        g_ij = sigmoid(v_dir(ij) . h_j + c_lab(ij)).

    The row-degree normalisation is kept from :class:`GCNLayer` so the two compare like for
    like."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.n_out = n_out
        self.linear = nn.Linear(n_in, N_EDGE_DIRECTIONS * n_out, bias=False)
        self.label_bias = nn.Embedding(N_DEP_ROWS, n_out)
        self.gate = nn.Linear(n_in, N_EDGE_DIRECTIONS, bias=False)
        self.label_gate = nn.Embedding(N_DEP_ROWS, 1)
        self.bias = nn.Parameter(torch.zeros(n_out))
        for table in (self.label_bias, self.label_gate):
            nn.init.zeros_(table.weight)

    def forward(self, hidden: torch.Tensor, edges: torch.Tensor, direction: torch.Tensor,
                label: torch.Tensor) -> torch.Tensor:
        source, target = edges[0], edges[1]
        projected = self.linear(hidden).view(hidden.shape[0], N_EDGE_DIRECTIONS, self.n_out)
        messages = projected[target, direction] + self.label_bias(label)
        gates = torch.sigmoid(self.gate(hidden)[target, direction]
                              + self.label_gate(label).squeeze(1))
        summed = torch.zeros(hidden.shape[0], self.n_out, dtype=messages.dtype,
                             device=hidden.device)
        summed.index_add_(0, source, messages * gates.unsqueeze(1))
        degree = torch.zeros(hidden.shape[0], dtype=messages.dtype, device=hidden.device)
        degree.index_add_(0, source, torch.ones_like(source, dtype=messages.dtype))
        return torch.relu(summed / degree.clamp(min=1.0).unsqueeze(1) + self.bias)


class CharCNN(nn.Module):
    """Byte embeddings of a token's first/last characters -> Conv1d -> max-pool."""

    def __init__(self, width: int, filters: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(256, width)
        self.conv = nn.Conv1d(width, filters, kernel_size=3, padding=1)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        embedded = self.embed(chars).transpose(1, 2)  # (n, width, N_CHARS)
        return torch.relu(self.conv(embedded)).max(dim=2).values


class PIITaggerNet(nn.Module):
    def __init__(self, *, n_tags: int, hash_rows: Sequence[int], hash_width: int,
                 char_width: int, char_filters: int, tag_width: int, lstm_width: int,
                 gcn_width: int, gcn_layers: int, dropout: float, extra_width: int,
                 gcn_gates: bool = False) -> None:
        super().__init__()
        self.gcn_gates = gcn_gates
        self.hash_rows = tuple(int(r) for r in hash_rows)
        self.hash_tables = nn.ModuleList(nn.Embedding(r, hash_width) for r in self.hash_rows)
        self.chars = CharCNN(char_width, char_filters)
        self.pos = nn.Embedding(N_POS_ROWS, tag_width)
        self.dep = nn.Embedding(N_DEP_ROWS, tag_width)
        self.pattern = nn.Embedding(N_PATTERN_ROWS, tag_width)
        self.lexicon = nn.Embedding(N_LEXICON_ROWS, tag_width)
        n_features = hash_width * len(self.hash_rows) + char_filters + 4 * tag_width
        n_features += extra_width
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(n_features, lstm_width, batch_first=True, bidirectional=True)
        widths = [2 * lstm_width] + [gcn_width] * gcn_layers
        layer = GatedGCNLayer if gcn_gates else GCNLayer
        self.gcn = nn.ModuleList(layer(a, b) for a, b in itertools.pairwise(widths))
        out_width = 2 * lstm_width + (gcn_width if gcn_layers else 0)
        self.output = nn.Linear(out_width, n_tags)

    def forward(self, hash_ids: torch.Tensor, chars: torch.Tensor, pos: torch.Tensor,
                dep: torch.Tensor, pattern: torch.Tensor, lexicon: torch.Tensor,
                edges: torch.Tensor, lengths: torch.Tensor,
                vectors: torch.Tensor | None = None, edge_direction: torch.Tensor | None = None,
                edge_label: torch.Tensor | None = None) -> torch.Tensor:
        parts = [table(hash_ids[:, i]) for i, table in enumerate(self.hash_tables)]
        parts += [self.chars(chars), self.pos(pos), self.dep(dep), self.pattern(pattern),
                  self.lexicon(lexicon)]
        if vectors is not None:
            parts.append(vectors)
        tokens = self.dropout(torch.cat(parts, dim=1))
        hidden = self._bilstm(tokens, lengths)
        features = [hidden]
        if len(self.gcn):
            graph = hidden
            for layer in self.gcn:
                graph = self.dropout(layer(graph, edges, edge_direction, edge_label)
                                     if self.gcn_gates else layer(graph, edges))
            features.append(graph)
        return self.output(self.dropout(torch.cat(features, dim=1)))

    def _bilstm(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        nonempty = lengths > 0
        if not bool(nonempty.any()):
            return tokens.new_zeros((0, 2 * self.lstm.hidden_size))
        sizes = lengths[nonempty].cpu()
        padded = torch.nn.utils.rnn.pad_sequence(torch.split(tokens, sizes.tolist()),
                                                 batch_first=True)
        packed = pack_padded_sequence(padded, sizes, batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        unpacked, _ = pad_packed_sequence(output, batch_first=True)
        mask = torch.arange(unpacked.shape[1]).unsqueeze(0) < sizes.unsqueeze(1)
        return unpacked[mask.to(unpacked.device)]


def _convert_inputs(model: Model, docs: list[Doc], is_train: bool) -> tuple[ArgsKwargs,
                                                                              Callable]:
    settings = model.attrs
    names = settings.get("name_hashes") or None
    feats = doc_features(docs, extra=settings["extra_features"],
                         name_hashes=None if names is None else np.asarray(names, np.uint64))
    rows = np.array(settings["hash_rows"], dtype=np.uint64)
    device = model.shims[0].device
    as_long = {
        "hash_ids": (feats.hashes % rows).astype(np.int64),
        "chars": feats.chars, "pos": feats.pos, "dep": feats.dep, "pattern": feats.pattern,
        "lexicon": feats.lexicon, "edges": feats.edges, "lengths": feats.lengths,
    }
    if settings.get("gcn_gates"):
        as_long.update(edge_direction=feats.edge_direction, edge_label=feats.edge_label)
    kwargs: dict[str, Any] = {k: torch.from_numpy(np.ascontiguousarray(v)).to(device)
                              for k, v in as_long.items()}
    kwargs["vectors"] = (None if feats.vectors is None
                         else torch.from_numpy(feats.vectors).to(device))
    return ArgsKwargs(args=(), kwargs=kwargs), lambda _d_inputs: []


def _convert_outputs(model: Model, inputs_outputs: tuple[list[Doc], torch.Tensor],
                     is_train: bool) -> tuple[list[np.ndarray], Callable]:
    docs, scores = inputs_outputs
    flat = torch2xp(scores)
    splits = np.cumsum([len(doc) for doc in docs])[:-1]
    per_doc = list(model.ops.xp.split(flat, splits)) if docs else []

    def backprop(d_per_doc: list[np.ndarray]) -> ArgsKwargs:
        d_flat = model.ops.xp.concatenate(d_per_doc) if d_per_doc else flat * 0
        return ArgsKwargs(args=(scores,), kwargs={"grad_tensors": (xp2torch(d_flat),)})

    return per_doc, backprop


def _forward(model: TaggerModel, docs: list[Doc], is_train: bool) -> tuple[list[np.ndarray],
                                                                              Callable]:
    if not model.layers:
        raise RuntimeError("the PII tagger model was used before initialize()")
    if sum(len(doc) for doc in docs) == 0:
        n_tags = model.get_dim("nO")
        return [model.ops.alloc2f(len(doc), n_tags) for doc in docs], lambda d: []
    return model.layers[0](docs, is_train)


def _init(model: TaggerModel, X: list[Doc] | None = None, Y: Any = None) -> None:
    if model.layers:
        return
    extra_width = model.get_dim("nV") if model.has_dim("nV") else 0
    settings = model.attrs
    torch.manual_seed(settings["seed"])
    net = PIITaggerNet(
        n_tags=model.get_dim("nO"), hash_rows=settings["hash_rows"],
        hash_width=settings["hash_width"], char_width=settings["char_width"],
        char_filters=settings["char_filters"], tag_width=settings["tag_width"],
        lstm_width=settings["lstm_width"], gcn_width=settings["gcn_width"],
        gcn_layers=settings["gcn_layers"], dropout=settings["dropout"],
        extra_width=extra_width, gcn_gates=bool(settings.get("gcn_gates", False)),
    )
    wrapped = PyTorchWrapper_v3(net, convert_inputs=_convert_inputs,
                                convert_outputs=_convert_outputs,
                                serialize_model=model_to_bytes, deserialize_model=load_weights)
    wrapped.attrs.update(settings)
    model.layers.append(wrapped)


def build_pii_tagger(*, nO: int | None = None, hash_rows: Sequence[int] = (20000, 2000, 5000,
                     5000), hash_width: int = 64, char_width: int = 30, char_filters: int = 50,
                     tag_width: int = 16, lstm_width: int = 128, gcn_width: int = 256,
                     gcn_layers: int = 2, dropout: float = 0.3, extra_features: str = "none",
                     first_names: str | None = None, seed: int = 0,
                     gcn_gates: bool = False) -> TaggerModel:
    """``lexiplug.PIITagger.v1``: per-doc (n_tokens, n_tags) BIO scores.

    ``gcn_gates``: :class:`GatedGCNLayer` (direction-specific weights, dependency-label
    biases and edge gates) instead of the plain :class:`GCNLayer`.

    ``first_names``: a data-relative folder of first-name lists for the gazetteer feature,
    read by the component's ``initialize`` and saved with the weights (``name_hashes``).
    """
    if extra_features not in ("none", "static", "tensor"):
        from lexiplug.errors import ConfigError

        raise ConfigError(f"extra_features must be 'none', 'static' or 'tensor', found "
                          f"{extra_features!r}", where="model.extra_features")
    if not isinstance(gcn_gates, bool):
        from lexiplug.errors import ConfigError

        raise ConfigError(f"gcn_gates must be true or false, found {gcn_gates!r}",
                          where="model.gcn_gates")
    if len(hash_rows) != 4 or min(hash_rows) < 1:
        from lexiplug.errors import ConfigError

        raise ConfigError("hash_rows needs 4 positive table sizes (norm, shape, prefix, "
                          f"suffix), found {list(hash_rows)}", where="model.hash_rows")
    return Model(
        "pii_tagger", _forward, init=_init, layers=[], dims={"nO": nO, "nV": None},
        attrs={"hash_rows": [int(r) for r in hash_rows], "hash_width": hash_width,
               "char_width": char_width, "char_filters": char_filters,
               "tag_width": tag_width, "lstm_width": lstm_width, "gcn_width": gcn_width,
               "gcn_layers": gcn_layers, "gcn_gates": gcn_gates, "dropout": dropout,
               "extra_features": extra_features, "first_names": first_names,
               "name_hashes": [], "seed": seed},
    )


__all__ = ["N_CHARS", "GCNLayer", "GatedGCNLayer", "PIITaggerNet", "build_pii_tagger"]
