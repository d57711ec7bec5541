"""Registers the decoders family's names; torch and transformers load on first use.

The modules behind them import torch at top, so each name gets a lazy shim whose arguments
are the config keys (checked by the settings dataclass before any model loads).
"""

from __future__ import annotations

from typing import Any


def decoder_encoder(
    model_path: str,
    pooling: str = "bidirectional_mean",
    query_instruction: str = "",
    document_instruction: str = "",
    append_eos: bool = True,
    normalize: bool = False,
    batch_size: int = 16,
    max_length: int = 512,
    long_texts: str = "truncate",
    token_pooling: str = "mean",
    adapter: str = "",
    device: str = "auto",
    dtype: str = "auto",
) -> Any:
    """``lexiplug.decoder_encoder.v1``: a local causal LM (folder, .gguf or package:NAME) as a
    frozen encoder with last-token, mean or bidirectional-mean pooling."""
    from .encoder import DecoderEncoder, DecoderEncoderSettings

    settings = DecoderEncoderSettings(
        model_path=model_path, pooling=pooling, query_instruction=query_instruction,
        document_instruction=document_instruction, append_eos=append_eos, normalize=normalize,
        batch_size=batch_size, max_length=max_length, long_texts=long_texts,
        token_pooling=token_pooling, adapter=adapter, device=device, dtype=dtype)
    return DecoderEncoder(settings)


def llm2vec_gen_encoder(
    model_path: str,
    trained: str = "",
    normalize: bool = False,
    batch_size: int = 16,
    max_length: int = 128,
    n_tokens: int = 4,
    device: str = "auto",
    dtype: str = "auto",
) -> Any:
    """``lexiplug.llm2vec_gen.v1``: a frozen causal LM whose appended special tokens, trained
    by ``train_llm2vec_gen`` (folder ``trained``), give the text's vector."""
    from .llm2vec_gen import Llm2VecGenEncoder

    return Llm2VecGenEncoder(model_path, trained, normalize=normalize, batch_size=batch_size,
                             max_length=max_length, n_tokens=n_tokens, device=device,
                             dtype=dtype)


def register(registry: Any) -> None:
    registry.encoders.register("lexiplug.decoder_encoder.v1", func=decoder_encoder)
    registry.encoders.register("lexiplug.llm2vec_gen.v1", func=llm2vec_gen_encoder)
