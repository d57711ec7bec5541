"""Registers the contextual family's names; the implementations load on first use."""

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


def distill_vocab(
    model: str,
    vocabulary: str = "tokenizer",
    dim: int | None = 256,
    weighting: str = "zipf",
    sif_coefficient: float = 1e-4,
    min_count: int = 5,
    max_vocab: int | None = None,
    lowercase: bool = False,
    batch_size: int = 1024,
    device: str = "auto",
    dtype: str = "auto",
) -> Any:
    """``lexiplug.distill_vocab.v1``: model2vec-style vocabulary distillation."""
    from .distill_vocab import DistillVocab

    return DistillVocab(
        model,
        vocabulary=vocabulary,
        dim=dim,
        weighting=weighting,  # type: ignore[arg-type]
        sif_coefficient=sif_coefficient,
        min_count=min_count,
        max_vocab=max_vocab,
        lowercase=lowercase,
        batch_size=batch_size,
        device=device,
        dtype=dtype,
    )


def x2static_decontextualized(
    model: str,
    pooling: str = "mean",
    min_count: int = 5,
    max_vocab: int | None = None,
    lowercase: bool = False,
    batch_size: int = 512,
    device: str = "auto",
    dtype: str = "auto",
) -> Any:
    """``lexiplug.x2static_decontextualized.v1``: each corpus word encoded alone."""
    from .x2static_extract import X2StaticDecontextualized

    return X2StaticDecontextualized(
        model,
        pooling=pooling,
        min_count=min_count,
        max_vocab=max_vocab,
        lowercase=lowercase,
        batch_size=batch_size,
        device=device,
        dtype=dtype,
    )


def x2static_aggregate(
    model: str,
    pooling: str = "subwords",
    max_per_word: int = 100,
    min_count: int = 5,
    max_vocab: int | None = None,
    lowercase: bool = False,
    max_sentences: int | None = None,
    batch_size: int = 32,
    layers: list[int] = [-1],  # noqa: B006
    device: str = "auto",
    dtype: str = "auto",
) -> Any:
    """``lexiplug.x2static_aggregate.v1``: mean contextual vector over corpus occurrences."""
    from .x2static_extract import X2StaticAggregate

    return X2StaticAggregate(
        model,
        pooling=pooling,
        max_per_word=max_per_word,
        min_count=min_count,
        max_vocab=max_vocab,
        lowercase=lowercase,
        max_sentences=max_sentences,
        batch_size=batch_size,
        layers=layers,
        device=device,
        dtype=dtype,
    )


def x2static(
    model: str,
    epochs: int = 1,
    batch_size: int = 128,
    negatives: int = 10,
    lr: float = 1e-3,
    subsample: float = 5e-6,
    min_count: int = 10,
    max_vocab: int | None = 750_000,
    lowercase: bool = False,
    max_sentences: int | None = None,
    teacher_batch_size: int = 32,
    max_length: int | None = 200,
    checkpoint_dir: str | None = None,
    checkpoint_every: int = 1000,
    seed: int = 0,
    device: str = "auto",
    dtype: str = "auto",
) -> Any:
    """``lexiplug.x2static.v1``: X2Static CBOW-style training against a frozen teacher."""
    from .x2static import X2Static

    return X2Static(
        model,
        epochs=epochs,
        batch_size=batch_size,
        negatives=negatives,
        lr=lr,
        subsample=subsample,
        min_count=min_count,
        max_vocab=max_vocab,
        lowercase=lowercase,
        max_sentences=max_sentences,
        teacher_batch_size=teacher_batch_size,
        max_length=max_length,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=checkpoint_every,
        seed=seed,
        device=device,
        dtype=dtype,
    )


def register(registry: Any) -> None:
    registry.encoders.register("lexiplug.transformer.v1", func=transformer_encoder)
    registry.embedders.register("lexiplug.distill_vocab.v1", func=distill_vocab)
    registry.embedders.register("lexiplug.x2static_aggregate.v1", func=x2static_aggregate)
    registry.embedders.register(
        "lexiplug.x2static_decontextualized.v1", func=x2static_decontextualized
    )
    registry.embedders.register("lexiplug.x2static.v1", func=x2static)
