"""Visual feature tables: word/concept -> vector, read from a file or computed from images.

No per-word visual feature set is openly available to us, so users bring their own: a table
(TSV/GloVe-style text, any lexiplug vectors format, or ``.npz`` with ``words`` and
``vectors``), or a folder of images (one sub-folder per concept) encoded by any local vision
model loadable with transformers' ``AutoModel``. Nothing is downloaded.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.devices import resolve_device
from lexiplug.errors import DataNotFoundError, FormatError, LexiplugError
from lexiplug.vectors import Vectors

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


def load_visual_table(path: str | Path) -> Vectors:
    """Read a word -> visual vector table (``.npz`` or any lexiplug vectors format)."""
    path = Path(path)
    if not path.exists():
        raise DataNotFoundError(f"visual feature table {path} does not exist", where=str(path))
    if path.suffix == ".npz":
        return _load_npz_table(path)
    from lexiplug.vectors.io import load_vectors

    vectors = load_vectors(path)
    vectors.metadata["source"] = str(path)
    return vectors


def _load_npz_table(path: Path) -> Vectors:
    with np.load(path, allow_pickle=False) as data:
        missing = [key for key in ("words", "vectors") if key not in data.files]
        if missing:
            raise FormatError(
                f"visual .npz needs arrays 'words' and 'vectors'; missing {missing}, "
                f"found {sorted(data.files)}",
                path=path,
            )
        words = [str(w) for w in data["words"]]
        matrix = np.asarray(data["vectors"], dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise FormatError(
            f"'vectors' must be a (len(words), dim) matrix; got {matrix.shape} for "
            f"{len(words)} words",
            path=path,
        )
    if not np.isfinite(matrix).all():
        row = int(np.nonzero(~np.isfinite(matrix).all(axis=1))[0][0])
        raise FormatError(f"non-finite value in the vector of {words[row]!r}", path=path)
    return Vectors(words, matrix, metadata={"source": str(path), "kind": "visual"})


def concept_images(root: str | Path) -> dict[str, list[Path]]:
    """``{concept: [image paths]}`` from a folder holding one sub-folder per concept."""
    root = Path(root)
    if not root.is_dir():
        raise DataNotFoundError(f"image folder {root} does not exist", where=str(root))
    concepts: dict[str, list[Path]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if images:
            concepts[folder.name] = images
    if not concepts:
        raise FormatError(
            f"no images found: expected one sub-folder per concept holding "
            f"{'/'.join(IMAGE_SUFFIXES)} files",
            path=root,
        )
    return concepts


def encode_image_folder(
    root: str | Path,
    model_path: str | Path,
    *,
    batch_size: int = 32,
    device: str = "auto",
    progress: bool = False,
) -> Vectors:
    """One vector per concept: the mean of its images' L2-normalised vision-model features.

    The model is any local transformers vision encoder (ViT, CLIP vision tower, DINO...); the
    image feature is its pooled output, or the mean of the last hidden states when it has none.
    """
    import torch
    from PIL import Image
    from tqdm import tqdm

    processor, model = _load_vision_model(model_path)
    torch_device = resolve_device(device)
    model.to(torch_device).eval()
    concepts = concept_images(root)
    items = [(concept, path) for concept, paths in concepts.items() for path in paths]
    features = []
    with torch.inference_mode():
        batches = range(0, len(items), batch_size)
        for start in tqdm(batches, desc="encoding images", disable=not progress):
            batch = items[start : start + batch_size]
            images = []
            for _, path in batch:
                try:
                    with Image.open(path) as image:
                        images.append(image.convert("RGB"))
                except OSError as error:
                    raise FormatError(f"cannot read image: {error}", path=path) from None
            inputs = processor(images=images, return_tensors="pt").to(torch_device)
            output = model(**inputs)
            pooled = getattr(output, "pooler_output", None)
            if pooled is None:
                pooled = output.last_hidden_state.mean(dim=1)
            pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
            features.append(pooled.cpu().numpy())
    matrix = np.concatenate(features)
    names = list(concepts)
    owner = np.array([names.index(concept) for concept, _ in items])
    sums = np.zeros((len(names), matrix.shape[1]), dtype=np.float64)
    np.add.at(sums, owner, matrix)
    means = sums / np.bincount(owner, minlength=len(names))[:, None]
    return Vectors(
        names, means.astype(np.float32),
        metadata={"source": str(root), "kind": "visual", "model": str(model_path),
                  "images": len(items)},
    )


def _load_vision_model(model_path: str | Path) -> tuple[Any, Any]:
    from transformers import AutoImageProcessor, AutoModel

    path = Path(model_path)
    if not (path / "config.json").exists():
        raise LexiplugError(
            f"{path} holds no transformers model (expected config.json and weights); pass the "
            f"folder of a local vision model, e.g. one saved with save_pretrained",
            where=str(path),
        )
    try:
        processor = AutoImageProcessor.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as error:
        raise LexiplugError(f"cannot load vision model: {error}", where=str(path)) from None
    if hasattr(model, "vision_model"):  # CLIP-style: use the vision tower alone
        model = model.vision_model
    return processor, model



def align_words(text: Vectors, visual: Vectors, words: Sequence[str] | None = None) -> list[str]:
    """Words present in both tables (in the visual table's order)."""
    candidates = visual.keys if words is None else list(words)
    return [w for w in candidates if w in text and w in visual]
