"""The one torch serialisation of the task components: safetensors bytes, never pickle.

thinc's ``PyTorchWrapper_v3`` takes ``serialize_model``/``deserialize_model``; every task
passes these (``model_to_bytes`` may carry string metadata, e.g. constructor settings, that
``safetensors_metadata`` reads back before the module is rebuilt). Imports torch: load this
module only inside the functions that build a network.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn


def model_to_bytes(module: nn.Module, metadata: dict[str, str] | None = None) -> bytes:
    """The module's weights (detached, on CPU) as safetensors bytes."""
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in
             module.state_dict().items()}
    return save_safetensors(state, metadata=metadata)


def load_weights(module: nn.Module, data: bytes, device: Any) -> nn.Module:
    """Load safetensors bytes into ``module`` (names and shapes must match) on ``device``."""
    module.load_state_dict(load_safetensors(data))
    return module.to(device)


def safetensors_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of safetensors bytes (the header is 8 bytes of length + JSON)."""
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    return dict(header.get("__metadata__", {}))
