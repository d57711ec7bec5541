"""Planted 20-Newsgroups-style archives for the documents tests (no shared data needed)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

TOPICS = {
    "comp.graphics": "pixel render shader polygon texture image bitmap gpu vertex raster",
    "rec.autos": "engine brake clutch tire sedan gearbox piston exhaust coupe mileage",
    "talk.politics.guns": "rifle ammo license senate amendment holster caliber permit vote law",
    "sci.space": "orbit rocket launch lunar probe shuttle nasa payload comet thrust",
}
COMMON = "the a of and to in is that it for on with as this was".split()


def planted_message(group: str, rng: np.random.Generator, n_words: int = 40) -> str:
    words = TOPICS[group].split()
    body = " ".join(rng.choice(words + COMMON, size=n_words))
    return (f"From: someone@example.com\nSubject: about {group}\nLines: 3\n\n{body}\n"
            f"> quoted text that should go\nIn article <1@x> someone writes:\n"
            f"--\nSignature Line Here\n")


def planted_archive(path: Path, per_group: int = 30, seed: int = 0,
                    split: str = "train") -> Path:
    """A bydate-layout tar.gz of ``per_group`` planted messages per topic group."""
    rng = np.random.default_rng(seed)
    with tarfile.open(path, "w:gz") as archive:
        for group in TOPICS:
            for number in range(per_group):
                data = planted_message(group, rng).encode("latin-1")
                info = tarfile.TarInfo(f"20news-bydate-{split}/{group}/{1000 + number}")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path
