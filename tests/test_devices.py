"""One rule for a ``device`` setting, shared by every torch family."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from lexiplug.devices import resolve_device
from lexiplug.errors import ConfigError


def test_auto_is_the_cpu_without_cuda_and_cuda_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)


def test_a_gpu_asked_for_without_one_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="torch sees none") as caught:
        resolve_device("cuda:0", where="training.device")
    assert caught.value.where == "training.device"
    assert resolve_device("cpu") == torch.device("cpu")


def test_an_unparsable_device_is_refused_with_what_was_expected() -> None:
    with pytest.raises(ConfigError, match="expected 'auto', 'cpu'") as caught:
        resolve_device("gpu-please")
    assert caught.value.where == "device"


def test_importing_the_module_does_not_import_torch() -> None:
    code = "import sys, lexiplug.devices; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
