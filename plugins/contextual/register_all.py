"""Registers the contextual family's names; the implementations load on first use.

The embedders' modules import torch and transformers only inside their methods, so their
classes are registered directly (the factory's arguments are the constructor's). The encoder's
module imports torch at top, so ``lexiplug.transformer.v1`` keeps a lazy shim.
"""

from __future__ import annotations

from typing import Any


def transformer_encoder(
    model_path: str,
    pooling: str = "mean",
    normalize: bool = False,
    batch_size: int = 32,
    max_length: int | None = None,
    layers: list[int] = [-1],  # noqa: B006 - confection needs a literal default
    layer_weights: list[float] | None = None,
    token_pooling: str = "mean",
    device: str = "auto",
    dtype: str = "auto",
) -> Any:
    """``lexiplug.transformer.v1``: a frozen Hugging Face encoder from a local folder."""
    from .encoder import TransformerEncoder

    return TransformerEncoder(
        model_path,
        pooling=pooling,  # type: ignore[arg-type]
        normalize=normalize,
        batch_size=batch_size,
        max_length=max_length,
        layers=layers,
        layer_weights=layer_weights,
        token_pooling=token_pooling,  # type: ignore[arg-type]
        device=device,
        dtype=dtype,
    )


def register(registry: Any) -> None:
    from lexiplug.plugin_tools import class_factory

    from .distill_vocab import DistillVocab
    from .x2static import X2Static
    from .x2static_extract import X2StaticAggregate, X2StaticDecontextualized

    registry.encoders.register("lexiplug.transformer.v1", func=transformer_encoder)
    embedders = {
        "lexiplug.distill_vocab.v1": (DistillVocab, "distill_vocab"),
        "lexiplug.x2static_aggregate.v1": (X2StaticAggregate, "x2static_aggregate"),
        "lexiplug.x2static_decontextualized.v1": (X2StaticDecontextualized,
                                                  "x2static_decontextualized"),
        "lexiplug.x2static.v1": (X2Static, "x2static"),
    }
    for name, (cls, function_name) in embedders.items():
        registry.embedders.register(name, func=class_factory(cls, name=function_name))
