"""``lexiplug.RCNN.v1``: the recurrent convolutional text classifier as a thinc model for
spaCy's own ``textcat`` / ``textcat_multilabel`` components (rcnn_torch.py has the network).

Words are lower-cased spaCy tokens. With ``pretrained`` (``@misc = "lexiplug.vectors.v1"``,
any lexiplug Vectors) its words get rows initialised from their vectors; every other word
goes to one of ``n_buckets`` hashed rows, so the model needs no vocabulary pass over the
training data (spaCy's textcat initialises a model from ten examples only) and unseen words
at test time still get a trained row. Documents longer than ``max_length`` tokens are cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from spacy.tokens import Doc
from thinc.api import Model
from thinc.types import Floats2d

ARCHITECTURE = "lexiplug.RCNN.v1"
WHERE = "model"


def rcnn_v1(exclusive_classes: bool = True, nO: int | None = None, embed_width: int = 50,
            context_width: int = 50, hidden: int = 100, dropout: float = 0.0,
            n_buckets: int = 100_000, max_length: int = 800,
            pretrained: Callable[[], Any] | None = None, seed: int = 0
            ) -> Model[list[Doc], Floats2d]:
    for key, value in {"embed_width": embed_width, "context_width": context_width,
                       "hidden": hidden, "n_buckets": n_buckets,
                       "max_length": max_length}.items():
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"expected a positive integer, found {value!r}",
                              where=f"{WHERE}.{key}")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"expected a dropout in [0, 1), found {dropout!r}",
                          where=f"{WHERE}.dropout")
    settings = {"embed_width": embed_width, "context_width": context_width, "hidden": hidden,
                "exclusive": bool(exclusive_classes), "dropout": dropout}
    cache: dict[str, Any] = {}

    def wrap(module: Any) -> Model:
        from thinc.api import PyTorchWrapper_v3

        from .rcnn_torch import convert_inputs, deserialize_module, serialize_module

        return PyTorchWrapper_v3(module, convert_inputs=convert_inputs,
                                 serialize_model=serialize_module,
                                 deserialize_model=deserialize_module)

    def init(model: Model, X: Any = None, Y: Any = None) -> None:
        import torch

        from .rcnn_torch import RCNN

        if model.attrs["initialized"]:
            return
        if Y is not None and not model.has_dim("nO"):
            model.set_dim("nO", int(np.asarray(Y).shape[1]))
        if not model.has_dim("nO"):
            raise ConfigError("the number of labels is unknown: initialise with labelled "
                              "examples or set nO", where=f"{WHERE}.nO")
        table = _embedding_table(model, pretrained, embed_width, n_buckets, seed)
        torch.manual_seed(seed)
        module = RCNN(n_rows=table.shape[0], n_labels=model.get_dim("nO"), **settings)
        with torch.no_grad():
            module.embed.weight.copy_(torch.from_numpy(table))
        model.layers[0] = wrap(module)
        model.attrs["initialized"] = True

    def forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[Floats2d, Callable]:
        from .rcnn_torch import token_batch

        words = model.attrs["words"]
        ids = [row_ids(doc, words, n_buckets, cache)[:max_length] for doc in docs]
        scores, backprop = model.layers[0](token_batch(ids), is_train)

        def backward(d_scores: Floats2d) -> list[Doc]:
            backprop(d_scores)
            return []

        return scores, backward

    from .rcnn_torch import RCNN

    placeholder = RCNN(n_rows=2, n_labels=1, **settings)  # replaced in init or from_bytes
    return Model(ARCHITECTURE, forward, init=init, layers=[wrap(placeholder)],
                 dims={"nO": nO}, attrs={"words": [], "initialized": False,
                                         "pretrained_info": {}})


def _embedding_table(model: Model, pretrained: Callable[[], Any] | None, width: int,
                     n_buckets: int, seed: int) -> np.ndarray:
    """Row 0 padding, then the pretrained words (lower-cased, first spelling wins), then the
    hash buckets; random rows are N(0, 0.1²), pretrained ones scaled to the same spread."""
    vectors = pretrained() if pretrained is not None else None
    words: list[str] = []
    matrix = np.zeros((0, width), dtype=np.float32)
    if vectors is not None:
        if int(vectors.matrix.shape[1]) != width:
            raise ConfigError(f"the pretrained vectors have {vectors.matrix.shape[1]} "
                              f"dimensions, the model {width}; set embed_width = "
                              f"{vectors.matrix.shape[1]}", where=f"{WHERE}.embed_width")
        first: dict[str, int] = {}
        for index, key in enumerate(vectors.keys):
            first.setdefault(str(key).lower(), index)
        words = list(first)
        matrix = np.asarray(vectors.matrix, dtype=np.float32)[list(first.values())]
        matrix = matrix / max(float(matrix.std()), 1e-6) * 0.1
        model.attrs["pretrained_info"] = {"n_pretrained": len(words)}
    rng = np.random.default_rng(seed)
    table = (rng.standard_normal((1 + len(words) + n_buckets, width)) * 0.1).astype(np.float32)
    table[0] = 0.0
    table[1:1 + len(words)] = matrix
    model.attrs["words"] = words
    return table


def row_ids(doc: Doc, words: Sequence[str], n_buckets: int, cache: dict[str, Any]
            ) -> np.ndarray:
    """Embedding rows of a doc's lower-cased tokens: pretrained rows by a sorted-hash search,
    every other word its hash bucket."""
    from spacy.attrs import LOWER

    if cache.get("words") is not words:
        from spacy.strings import hash_string

        hashes = np.fromiter((hash_string(w) for w in words), dtype=np.uint64, count=len(words))
        order = np.argsort(hashes, kind="stable")
        cache.update(words=words, sorted=hashes[order], rows=order + 1)
    lowers = doc.to_array(LOWER).astype(np.uint64, copy=False)
    buckets = (1 + len(words) + (lowers % np.uint64(n_buckets))).astype(np.int64)
    sorted_hashes = cache["sorted"]
    if sorted_hashes.size == 0:
        return buckets
    where = np.minimum(np.searchsorted(sorted_hashes, lowers), sorted_hashes.size - 1)
    found = sorted_hashes[where] == lowers
    return np.where(found, cache["rows"][where], buckets).astype(np.int64)
