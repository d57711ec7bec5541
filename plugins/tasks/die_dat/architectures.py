"""``lexiplug.DieDatBiLSTM.v1``: the thinc model of the die/dat component.

Light on purpose (spaCy imports it through the ``spacy_architectures`` entry point): torch and
the network load in the model's ``init``, which builds the ``PyTorchWrapper_v3`` layer once the
settings are final. Output: one row of logits per die/dat instance of the docs,
die/dat first, then the POS head's columns in the multitask model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lexiplug.errors import ConfigError
from spacy.tokens import Doc
from thinc.api import Model
from thinc.types import Floats2d

from .instances import POS_LABELS, Windows, extract_instances

ARCHITECTURE = "lexiplug.DieDatBiLSTM.v1"


def _check_positive(**values: float) -> None:
    for key, value in values.items():
        if value <= 0:
            raise ConfigError(f"expected a positive number, found {value!r}",
                              where=f"components.die_dat.model.{key}")


def build_die_dat_bilstm(
    multitask: bool = False,
    n_word_buckets: int = 32768,
    n_suffix_buckets: int = 4096,
    embed_width: int = 100,
    hidden_width: int = 64,
    n_layers: int = 2,
    dense_width: int = 64,
    dropout: float = 0.3,
    sentence_window: int = 20,
    context_window: int = 15,
    pretrained: Callable[[], Any] | None = None,
    torch_threads: int = 0,
    lexicon_features: bool = True,
) -> Model[list[Doc], Floats2d]:
    """Binary (``multitask = false``) or die/dat + POS multitask BiLSTM.

    ``pretrained``: optional ``@misc = "lexiplug.vectors.v1"`` loader; its vectors (dimension
    ``embed_width``) initialise the word embeddings, which stay trainable.
    ``torch_threads``: when > 0, torch's intra-op thread count (set at init; it is a process
    setting). These LSTMs are small: on a shared, loaded CPU one thread trained 5-10x faster
    than two, because waiting threads spin. 0 leaves torch's default.
    ``lexicon_features``: add each context word's de/het article statistics from the training
    text (``instances.article_lexicon``, filled by the component's ``initialize``).
    """
    _check_positive(n_word_buckets=n_word_buckets, n_suffix_buckets=n_suffix_buckets,
                    embed_width=embed_width, hidden_width=hidden_width, n_layers=n_layers,
                    dense_width=dense_width, sentence_window=sentence_window,
                    context_window=context_window)
    if torch_threads < 0:
        raise ConfigError(f"expected 0 (torch default) or a thread count, found {torch_threads}",
                          where="components.die_dat.model.torch_threads")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"expected a dropout in [0, 1), found {dropout!r}",
                          where="components.die_dat.model.dropout")
    n_pos = len(POS_LABELS) if multitask else 0
    settings: dict[str, Any] = {
        "n_word_buckets": n_word_buckets, "n_suffix_buckets": n_suffix_buckets,
        "embed_width": embed_width, "hidden_width": hidden_width, "n_layers": n_layers,
        "dense_width": dense_width, "dropout": dropout, "sentence_window": sentence_window,
        "n_pos": n_pos, "lexicon_features": lexicon_features,
    }

    def init(model: Model, X: Any = None, Y: Any = None) -> None:
        if model.layers:  # already built (initialize called again before from_bytes)
            return
        from thinc.api import PyTorchWrapper_v3

        from .model import (
            DieDatNet,
            convert_inputs,
            deserialize_module,
            initialise_embeddings,
            serialize_module,
        )

        if torch_threads > 0:
            import torch

            torch.set_num_threads(torch_threads)
        module = DieDatNet(**settings)
        if pretrained is not None and not model.attrs.get("skip_pretrained", False):
            vectors = pretrained()  # None when the loader's path is null (pretraining off)
            if vectors is not None:
                initialise_embeddings(module, vectors, n_word_buckets)
        model.layers.append(PyTorchWrapper_v3(
            module, convert_inputs=convert_inputs, serialize_model=serialize_module,
            deserialize_model=deserialize_module,
        ))

    return Model(
        "die_dat_bilstm",
        _forward,
        init=init,
        dims={"nO": 2 + n_pos},
        attrs={
            "windows": (sentence_window, context_window),
            "buckets": (n_word_buckets, n_suffix_buckets),
            "n_pos": n_pos,
            "lexicon_features": lexicon_features,
        },
    )


def _forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[Floats2d, Callable]:
    sentence_window, context_window = model.attrs["windows"]
    n_word_buckets, n_suffix_buckets = model.attrs["buckets"]
    batch = extract_instances(docs, n_word_buckets, n_suffix_buckets,
                              Windows(sentence_window, context_window))
    if len(batch) == 0:
        return model.ops.alloc2f(0, model.get_dim("nO")), lambda d_logits: []
    if not model.layers:
        raise ValueError("the die/dat model is not initialised; call nlp.initialize() first")
    logits, backprop = model.layers[0](batch, is_train)

    def backward(d_logits: Floats2d) -> list[Doc]:
        backprop(d_logits)
        return []

    return logits, backward
