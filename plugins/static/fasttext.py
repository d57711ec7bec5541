"""``lexiplug.fasttext.v1``: fastText (gensim engine) that keeps its subword model.

The returned Vectors hold the full-word vectors of the vocabulary and use the ``subword``
OOV policy: an unknown word gets the sum of its character n-gram vectors from the trained
model. ``save_model(path)`` writes the model with gensim's ``save_facebook_model`` (the
fastText ``.bin`` format, no pickle), which ``lexiplug train`` does next to the vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lexiplug.plugin_tools import settings_factory

from .gensim_engine import GensimEmbedder, GensimParams


@dataclass
class FastTextParams(GensimParams):
    min_n: int = 3
    max_n: int = 6
    bucket: int = 2_000_000

    def validate(self) -> None:
        super().validate()
        self.check(isinstance(self.min_n, int) and self.min_n >= 0, "min_n",
                   "a non-negative integer")
        self.check(isinstance(self.max_n, int) and self.max_n >= self.min_n, "max_n",
                   f"an integer >= min_n ({self.min_n})")
        self.check_positive_int("bucket")


class FastTextEmbedder(GensimEmbedder):
    """fastText skip-gram / CBOW with character n-grams; OOV words get subword vectors."""

    name = "lexiplug.fasttext.v1"
    model_name = "FastText"

    def vector_options(self) -> dict[str, Any]:
        return {"oov": "subword", "oov_provider": self.model.wv.get_vector}

    def save_model(self, path: str | Path) -> Path:
        """Write the subword model in fastText's ``.bin`` format, atomically."""
        from gensim.models.fasttext import save_facebook_model
        from lexiplug.atomic import atomic_path
        from lexiplug.errors import TrainingError

        if self.model is None:
            raise TrainingError("save_model() needs a fitted model: call fit(corpus) first")
        target = Path(path)
        with atomic_path(target) as tmp:
            save_facebook_model(self.model, str(tmp))
        return target


fasttext_v1 = settings_factory(
    FastTextEmbedder, FastTextParams, name="fasttext_v1",
    doc="fastText (gensim engine) on lexiplug's corpus pipeline, subword model kept.",
)
