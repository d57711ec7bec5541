"""Running a causal LM with its causal mask removed (bidirectional attention, as in
KaLM-Embedding, docs/decoder_embeddings.md).

Two things make a Hugging Face decoder causal: the mask its forward builds from the 2-D
padding mask, and, for SDPA/flash kernels, each attention module's ``is_causal`` flag (used
when no mask is passed). :func:`hidden_states` replaces both: it hands the model a
ready 4-D padding-only mask (transformers uses a 4-D mask as given) and clears ``is_causal``
for the duration of the call. ``tests/test_decoders.py`` checks the result by changing a later
token and watching an earlier position's state change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch


@contextmanager
def causal_flags_cleared(model: torch.nn.Module) -> Iterator[None]:
    """Set ``is_causal = False`` on every submodule that has the flag; restore on exit."""
    saved = [(m, m.is_causal) for m in model.modules() if isinstance(getattr(m, "is_causal", None),
                                                                       bool)]
    for module, _ in saved:
        module.is_causal = False
    try:
        yield
    finally:
        for module, value in saved:
            module.is_causal = value


def padding_only_mask(model: torch.nn.Module, attention_mask: torch.Tensor,
                      dtype: torch.dtype) -> torch.Tensor:
    """A 4-D mask in the form the model's attention implementation expects, in which every
    real token sees every other real token (only padding is hidden)."""
    batch, length = attention_mask.shape
    shape_only = torch.empty(batch, length, 0, dtype=dtype, device=attention_mask.device)
    try:
        from transformers.masking_utils import create_bidirectional_mask
    except ImportError:  # older transformers: an additive float mask, accepted by eager and SDPA
        keep = attention_mask[:, None, None, :].to(torch.bool).expand(batch, 1, length, length)
        blocked = torch.finfo(dtype).min
        return torch.zeros(keep.shape, dtype=dtype, device=keep.device).masked_fill(~keep,
                                                                                    blocked)
    config: Any = model.config
    mask = create_bidirectional_mask(config=config, inputs_embeds=shape_only,
                                     attention_mask=attention_mask,
                                     allow_is_bidirectional_skip=False)
    if mask is None:  # an attention implementation that takes no mask at all
        raise RuntimeError(f"attention implementation {config._attn_implementation!r} takes "
                           "no mask, so bidirectional attention cannot be imposed")
    return mask


def hidden_states(model: torch.nn.Module, input_ids: torch.Tensor | None,
                  attention_mask: torch.Tensor, *, bidirectional: bool,
                  inputs_embeds: torch.Tensor | None = None) -> torch.Tensor:
    """Last hidden states ``(batch, seq, dim)`` of ``model`` (a base decoder, no LM head)."""
    if not bidirectional:
        return model(input_ids=input_ids, inputs_embeds=inputs_embeds,
                     attention_mask=attention_mask).last_hidden_state
    dtype = next(model.parameters()).dtype
    mask = padding_only_mask(model, attention_mask, dtype)
    with causal_flags_cleared(model):
        return model(input_ids=input_ids, inputs_embeds=inputs_embeds,
                     attention_mask=mask).last_hidden_state
