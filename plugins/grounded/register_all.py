"""Registers the visual grounding transform and the visual-feature rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lexiplug.plugin_tools import class_factory
from lexiplug.vectors import Vectors


@dataclass
class VisualFeatures:
    """``lexiplug.visual_features.v1``: a visual feature table as a row other steps refer to;
    ``fit`` ignores any corpus it is given."""

    table: str | None = None
    images: str | None = None
    model: str | None = None
    batch_size: int = 32
    device: str = "auto"

    def __post_init__(self) -> None:
        from lexiplug.errors import ConfigError

        if self.table is None and self.images is None:
            raise ConfigError(
                "give exactly one visual source: `table` (a word -> vector file) or `images` "
                "(a folder of concept sub-folders) with `model` (a local vision model folder)",
                where="table",
            )
        if self.table is not None and self.images is not None:
            raise ConfigError("give exactly one visual source: `table` or `images`, not both",
                              where="images")
        if self.images is not None and self.model is None:
            raise ConfigError("`images` needs `model`, the path of a local vision model",
                              where="model")

    def fit(self, corpus: Any = None) -> Vectors:
        from .visual_features import encode_image_folder, load_visual_table

        if self.table is not None:
            return load_visual_table(self.table)
        assert self.images is not None and self.model is not None
        return encode_image_folder(self.images, self.model, batch_size=self.batch_size,
                                   device=self.device)


make_visual_features = class_factory(VisualFeatures, name="make_visual_features")


def register(registry: Any) -> None:
    from .grounding import make_visual_grounding

    registry.transforms.register("lexiplug.visual_grounding.v1", func=make_visual_grounding)
    registry.embedders.register("lexiplug.visual_features.v1", func=make_visual_features)
