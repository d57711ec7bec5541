"""A tiny random causal LM saved to a folder: fast, offline stand-in for real decoders in tests
and examples (LLaMA, Qwen2 or GPT-2 architecture, byte-level tokenizer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SPECIAL_TOKENS = ("<|endoftext|>", "<|pad|>", "<|bos|>")


def byte_level_tokenizer(max_length: int = 256) -> Any:
    """One token per byte (GPT-2's byte alphabet) plus end/pad/begin tokens; no merges, so any
    text tokenises and character offsets are exact."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *sorted(alphabet)])}
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>",
                                   pad_token="<|pad|>", bos_token="<|bos|>",
                                   model_max_length=max_length)


def build_tiny_causal_lm(path: str | Path, *, architecture: str = "llama", hidden_size: int = 32,
                         num_layers: int = 2, num_heads: int = 4, max_positions: int = 256,
                         seed: int = 0) -> Path:
    """Save a randomly initialised causal LM and its tokenizer to ``path``."""
    import torch
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tokenizer = byte_level_tokenizer(max_positions)
    tokenizer.save_pretrained(path)
    ids = {"vocab_size": len(tokenizer), "eos_token_id": tokenizer.eos_token_id,
           "pad_token_id": tokenizer.pad_token_id, "bos_token_id": tokenizer.bos_token_id}
    torch.manual_seed(seed)
    model: Any
    if architecture == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(n_embd=hidden_size, n_layer=num_layers,
                                           n_head=num_heads, n_positions=max_positions, **ids))
    else:
        config_class, model_class = {"llama": (LlamaConfig, LlamaForCausalLM),
                                     "qwen2": (Qwen2Config, Qwen2ForCausalLM)}[architecture]
        model = model_class(config_class(
            hidden_size=hidden_size, intermediate_size=hidden_size * 2,
            num_hidden_layers=num_layers, num_attention_heads=num_heads,
            num_key_value_heads=num_heads // 2, max_position_embeddings=max_positions, **ids))
    model.eval().save_pretrained(path)
    return path
