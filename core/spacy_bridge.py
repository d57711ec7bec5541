"""The ``spacy_misc`` bridge: build lexiplug objects inside a spaCy config.

spaCy imports every ``spacy_misc`` entry point's module when it scans its registry, so this
module imports nothing heavy at import time.
"""

from __future__ import annotations

from typing import Any


def lexiplug_vectors(name_or_path: str | None, oov: str = "zero",
                     oov_encoder: str | None = None) -> Any:
    """``@misc = "lexiplug.vectors.v1"``: returns a function that loads the vectors on demand
    (``None`` when ``name_or_path`` is null, so a config can leave pretraining off).
    ``oov_encoder``: a saved byte word encoder's folder; unknown words then get its inferred
    vectors (``lexiplug.complete_oov.v1``, docs/oov.md) instead of the ``oov`` policy's."""

    def load() -> Any:
        if name_or_path is None:
            return None
        from .vectors.io import load_vectors

        vectors = load_vectors(name_or_path, oov=oov)  # type: ignore[arg-type]
        if oov_encoder is None:
            return vectors
        from .registry import registry

        return registry.transforms.get("lexiplug.complete_oov.v1")(path=oov_encoder).apply(vectors)

    return load


def lexiplug_embedder(name: str, options: dict[str, Any] | None = None) -> Any:
    """``@misc = "lexiplug.embedder.v1"``: returns a function that builds the registered
    encoder ``name`` (e.g. ``lexiplug.transformer.v1``) with ``options`` on demand."""
    settings = dict(options or {})

    def build(**overrides: Any) -> Any:
        # overrides: lexiplug_embed points model_path at the copy saved inside its pipeline
        from .errors import ConfigError, LexiplugError
        from .registry import registry
        from .study.plan import located

        if not registry.encoders.has(name) and registry.embedders.has(name):
            raise ConfigError(
                f"{name!r} is an embedder (it needs a corpus to fit); fit it, save the vectors "
                'and use @misc = "lexiplug.vectors.v1" with their path instead',
                where="lexiplug.embedder.v1.name",
            )
        arguments = {**settings, **overrides}
        try:
            return registry.encoders.get(name)(**arguments)
        except LexiplugError as error:  # the encoder names its argument; add where it sits
            raise located(error, "lexiplug.embedder.v1.options", set(arguments)) from None

    return build
