"""``lexiplug.MTCNN.v1``: the thinc model of the phenotyping component.

Light on purpose (spaCy imports it through the ``spacy_architectures`` entry point): torch and
the network load in the model's ``init``, once the component has told the model its
vocabulary and the label count of each task (docs/architecture.md). Input: Docs; output: one row per
Doc, the logits of every task side by side (task order = the component's ``tasks``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from spacy.tokens import Doc
from thinc.api import Model
from thinc.types import Floats2d

ARCHITECTURE = "lexiplug.MTCNN.v1"
LONG_DOCS = ("window", "truncate")
WHERE = "components.phenotype.model"


def _check(**values: float) -> None:
    for key, value in values.items():
        if not value > 0:
            raise ConfigError(f"expected a positive number, found {value!r}",
                              where=f"{WHERE}.{key}")


def build_mtcnn(
    embed_width: int = 300,
    filters: int = 300,
    kernel_sizes: Sequence[int] = (3, 4, 5),
    bag_of_embeddings: bool = True,
    dropout: float = 0.5,
    max_length: int = 3000,
    long_docs: str = "window",
    embeddings_scale: float = 20.0,
    max_vocab: int = 100_000,
    pretrained: Callable[[], Any] | None = None,
    seed: int = 0,
) -> Model[list[Doc], Floats2d]:
    """Multitask CNN over lower-cased token ids (docs/phenotype.md).

    ``pretrained``: optional ``@misc = "lexiplug.vectors.v1"`` loader; its vectors (dimension
    ``embed_width``) initialise the embeddings of the words they know (all stay trainable).
    The vocabulary is the pretrained keys (at most ``max_vocab``) plus the training words.
    """
    _check(embed_width=embed_width, filters=filters, max_length=max_length,
           embeddings_scale=embeddings_scale, max_vocab=max_vocab)
    kernels = [int(k) for k in kernel_sizes]
    if not kernels or min(kernels) < 1:
        raise ConfigError(f"expected a non-empty list of positive widths, found {kernel_sizes!r}",
                          where=f"{WHERE}.kernel_sizes")
    if max(kernels) > max_length:
        raise ConfigError(f"the widest kernel ({max(kernels)}) exceeds max_length "
                          f"({max_length})", where=f"{WHERE}.max_length")
    if long_docs not in LONG_DOCS:
        raise ConfigError(f"expected one of {LONG_DOCS}, found {long_docs!r}",
                          where=f"{WHERE}.long_docs")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"expected a dropout in [0, 1), found {dropout!r}",
                          where=f"{WHERE}.dropout")
    settings = {"embed_width": embed_width, "filters": filters, "kernel_sizes": kernels,
                "bag_of_embeddings": bag_of_embeddings, "dropout": dropout}
    lookup_cache: dict[str, Any] = {}

    def init(model: Model, X: Any = None, Y: Any = None) -> None:
        if model.layers:
            return
        from thinc.api import PyTorchWrapper_v3

        from .model import MTCNN, convert_inputs, deserialize_module, serialize_module

        placeholder = bool(model.attrs.get("placeholder", False))
        table = None if placeholder else _vocabulary_and_table(model, pretrained, settings,
                                                               max_vocab, embeddings_scale, seed)
        task_sizes = [int(n) for n in model.attrs.get("task_sizes", [])] or [1]
        n_rows = 3 if table is None else table.shape[0]
        module = MTCNN(n_rows=n_rows, task_sizes=task_sizes, **settings)
        if table is not None:
            import torch

            with torch.no_grad():
                module.embed.weight.copy_(torch.as_tensor(table))
        model.layers.append(PyTorchWrapper_v3(
            module, convert_inputs=convert_inputs, serialize_model=serialize_module,
            deserialize_model=deserialize_module,
        ))

    def forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[Floats2d, Callable]:
        if not model.layers:
            raise ValueError("the phenotype model is not initialised; call nlp.initialize()")
        from .model import make_windows

        ids = token_ids(docs, model.attrs["words"], lookup_cache)
        batch = make_windows(ids, max_length, max(kernels), long_docs)
        logits, backprop = model.layers[0](batch, is_train)

        def backward(d_logits: Floats2d) -> list[Doc]:
            backprop(d_logits)
            return []

        return logits, backward

    return Model(
        "mtcnn", forward, init=init,
        attrs={"words": [], "train_words": [], "task_sizes": [], "pretrained_info": {},
               "max_length": max_length, "long_docs": long_docs},
    )


def _vocabulary_and_table(model: Model, pretrained: Callable[[], Any] | None,
                          settings: dict[str, Any], max_vocab: int, scale: float,
                          seed: int) -> np.ndarray:
    """Fix the vocabulary (pretrained keys first, then training words) and build the
    standardised embedding table; records coverage in ``attrs["pretrained_info"]``."""
    from .model import FIRST_WORD_ROW, initial_embeddings

    train_words = list(model.attrs.get("train_words", []))
    vectors = pretrained() if pretrained is not None else None
    rows = matrix = None
    if vectors is not None:
        width = int(vectors.matrix.shape[1])
        if width != settings["embed_width"]:
            raise ConfigError(f"the pretrained vectors have {width} dimensions, the model "
                              f"{settings['embed_width']}; set embed_width = {width}",
                              where=f"{WHERE}.embed_width")
        keys = [str(k) for k in vectors.keys[:max_vocab]]
        known = set(keys)
        words = keys + [w for w in train_words if w not in known]
        rows = np.arange(FIRST_WORD_ROW, FIRST_WORD_ROW + len(keys))
        matrix = np.asarray(vectors.matrix[:len(keys)], dtype=np.float32)
        covered = sum(1 for w in train_words if w in known)
        model.attrs["pretrained_info"] = {
            "n_pretrained": len(keys), "n_train_words": len(train_words),
            "train_words_covered": covered,
            "source": str(vectors.metadata.get("method", vectors.metadata.get("name", ""))),
        }
    else:
        words = train_words
    model.attrs["words"] = words
    model.attrs["train_words"] = []
    return initial_embeddings(len(words), settings["embed_width"], pretrained_rows=rows,
                              pretrained_matrix=matrix, scale=scale, seed=seed)


def token_ids(docs: Sequence[Doc], words: list[str], cache: dict[str, Any]) -> list[np.ndarray]:
    """Row ids of each doc's lower-cased tokens (1 = unknown), by a sorted-hash search."""
    from spacy.attrs import LOWER

    from .model import FIRST_WORD_ROW, UNK

    if cache.get("words") is not words:
        from spacy.strings import hash_string

        hashes = np.fromiter((hash_string(w) for w in words), dtype=np.uint64, count=len(words))
        order = np.argsort(hashes, kind="stable")
        cache.update(words=words, sorted=hashes[order], rows=order + FIRST_WORD_ROW)
    sorted_hashes, rows = cache["sorted"], cache["rows"]
    out: list[np.ndarray] = []
    for doc in docs:
        lowers = doc.to_array(LOWER).astype(np.uint64, copy=False)
        if sorted_hashes.size == 0:
            out.append(np.full(lowers.shape[0], UNK, dtype=np.int64))
            continue
        where = np.minimum(np.searchsorted(sorted_hashes, lowers), sorted_hashes.size - 1)
        found = sorted_hashes[where] == lowers
        out.append(np.where(found, rows[where], UNK).astype(np.int64))
    return out
