"""``lexiplug embed-train CONFIG``: contrastive fine-tuning of a decoder encoder.

CONFIG is a confection config with one ``[embed_train]`` block whose keys are the fields of
:class:`training.EmbedTrainSettings` (docs/decoder_embeddings.md has an example). The trained
weights go to ``output``; use them with ``lexiplug.decoder_encoder.v1``'s ``adapter`` key.
"""

from __future__ import annotations

from pathlib import Path

import typer
from lexiplug.cli.errors_boundary import user_errors

SECTION = "embed_train"


@user_errors
def embed_train(
    config: Path = typer.Argument(..., help="Config with an [embed_train] block."),
    resume: bool = typer.Option(False, "--resume",
                                help="Continue from the newest checkpoint of this run."),
) -> None:
    """Contrastively fine-tune a decoder LM as an encoder (LoRA, hard negatives, soup)."""
    typer.echo(f"trained weights: {run_config(config, resume=resume)}")


def run_config(config: Path, *, resume: bool = False) -> Path:
    """Run the config's ``[embed_train]`` block, or its ``[llm2vec_gen]`` block."""
    from .llm2vec_gen import Llm2VecGenSettings, train_llm2vec_gen
    from .training import ContrastiveTrainer, EmbedTrainSettings

    settings = read_settings(config)
    if isinstance(settings, Llm2VecGenSettings):
        return train_llm2vec_gen(settings, resume=resume)
    assert isinstance(settings, EmbedTrainSettings)
    return ContrastiveTrainer(settings).train(resume=resume)


def read_settings(config: Path) -> object:
    """The ``[embed_train]`` (or ``[llm2vec_gen]``) block as settings; errors name
    ``<block>.<key>``."""
    import dataclasses

    from confection import Config
    from lexiplug.errors import ConfigError, FormatError

    from .llm2vec_gen import Llm2VecGenSettings
    from .training import EmbedTrainSettings

    try:
        loaded = Config().from_disk(config, interpolate=True)
    except (OSError, ValueError) as error:
        raise FormatError(f"expected a config file ({error})", path=config) from None
    kinds = {SECTION: EmbedTrainSettings, "llm2vec_gen": Llm2VecGenSettings}
    found = [name for name in kinds if isinstance(loaded.get(name), dict)]
    if len(found) != 1:
        raise ConfigError(f"expected exactly one [{SECTION}] or [llm2vec_gen] block",
                          where=str(config))
    section, cls = found[0], kinds[found[0]]
    block = loaded[section]
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(block) - known)
    if unknown:
        raise ConfigError(f"unknown keys {unknown}; known: {sorted(known)}", where=section)
    try:
        return cls(**block)
    except ConfigError as error:
        raise ConfigError(error.message, where=f"{section}.{error.where}") from None
    except TypeError as error:  # a required key is missing
        raise ConfigError(str(error), where=section) from None
