"""Comparing aligned slices: which words moved, and how their neighbourhoods changed.

After CADE (or Procrustes) the slices share one space, so a word's cosine across slices
measures its shift directly (CADE's ``jumpers`` = lowest, ``stables`` = highest). LNCS2
(Hamilton et al. 2016, as in cade/metrics) compares neighbourhoods instead of raw vectors:
union the word's top-n neighbours from both slices, build per slice the vector of cosines
from the word to each of them (a neighbour a slice lacks is replaced by that slice's mean
vector), and return the cosine of the two vectors.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lexiplug.errors import OOVError, TrainingError
from lexiplug.vectors.vectors import Vectors, unit_rows


def shared_words(a: Vectors, b: Vectors, top_k: int | None = None) -> list[str]:
    """Words of both, most frequent (summed counts, else a's order) first."""
    words = [w for w in a.keys if w in b.key_to_index]
    if a.counts is not None and b.counts is not None:
        total = {w: int(a.counts[a.key_to_index[w]]) + int(b.counts[b.key_to_index[w]])
                 for w in words}
        words.sort(key=lambda w: -total[w])
    return words[:top_k] if top_k else words


def word_cosines(a: Vectors, b: Vectors, words: Sequence[str]) -> np.ndarray:
    """cos(a[w], b[w]) for each word (rows taken as they are: the spaces must be aligned)."""
    if not words:
        return np.zeros(0, dtype=np.float32)
    x = unit_rows(a.matrix[[a.key_to_index[w] for w in words]])
    y = unit_rows(b.matrix[[b.key_to_index[w] for w in words]])
    return np.einsum("ij,ij->i", x, y)


def median_shared_cosine(a: Vectors, b: Vectors, top_k: int = 1000) -> float:
    """Median cross-slice cosine of the ``top_k`` most frequent shared words."""
    words = shared_words(a, b, top_k)
    if not words:
        raise TrainingError("the two slices share no vocabulary", where="shift")
    return float(np.median(word_cosines(a, b, words)))


def lncs2(word: str, a: Vectors, b: Vectors, topn: int = 10) -> float:
    """Hamilton's local-neighbourhood measure of ``word`` between aligned slices ``a``, ``b``."""
    for vectors in (a, b):
        if word not in vectors.key_to_index:
            raise OOVError(f"{word!r} is not in slice {vectors.metadata.get('name', '?')!r}")
    neighbours = list(dict.fromkeys(
        [w for w, _ in a.most_similar(word, topn=topn)]
        + [w for w, _ in b.most_similar(word, topn=topn)]))
    sims = []
    for vectors in (a, b):
        unit = vectors.unit_matrix
        mean = unit_rows(unit.mean(axis=0, keepdims=True))[0]
        rows = np.stack([unit[vectors.key_to_index[w]] if w in vectors.key_to_index else mean
                         for w in neighbours])
        sims.append(rows @ unit[vectors.key_to_index[word]])
    first, second = sims
    denominator = float(np.linalg.norm(first) * np.linalg.norm(second))
    return float(first @ second / denominator) if denominator else 0.0


@dataclass
class PairShift:
    first: str
    second: str
    n_shared: int
    median_cosine_top1000: float
    jumpers: list[tuple[str, float]]
    stables: list[tuple[str, float]]


@dataclass
class ShiftReport:
    pairs: list[PairShift]
    words: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_text(self) -> str:
        lines = []
        for pair in self.pairs:
            lines.append(f"{pair.first} vs {pair.second}: {pair.n_shared} shared words, median "
                         f"cosine of the 1,000 most frequent = {pair.median_cosine_top1000:.3f}")
            lines.append("  moved most:  " + ", ".join(f"{w} ({c:.2f})" for w, c in pair.jumpers))
            lines.append("  moved least: " + ", ".join(f"{w} ({c:.2f})" for w, c in pair.stables))
        for word, record in self.words.items():
            lines.append(f"{word}:")
            for key, value in record.get("cosine", {}).items():
                lines.append(f"  {key}: cosine {value:.3f}, LNCS2 {record['lncs2'][key]:.3f}")
            for name, neighbours in record.get("neighbours", {}).items():
                lines.append(f"  [{name}] " + ", ".join(neighbours))
            for problem in record.get("missing", []):
                lines.append(f"  {problem}")
        return "\n".join(lines)


def shift_report(slices: Mapping[str, Vectors], *, top_n: int = 20,
                 words: Sequence[str] = (), min_count: int = 20, topn_neighbours: int = 10
                 ) -> ShiftReport:
    """Jumpers/stables per slice pair (words seen ``min_count``+ times in both) and, for each
    of ``words``, its cross-slice cosines, LNCS2 scores and neighbours per slice."""
    pairs = []
    for (name_a, a), (name_b, b) in itertools.combinations(slices.items(), 2):
        common = shared_words(a, b)
        if not common:
            raise TrainingError(f"slices {name_a!r} and {name_b!r} share no vocabulary",
                                where="shift")
        frequent = [w for w in common if _count(a, w) >= min_count and _count(b, w) >= min_count]
        frequent = frequent or common
        cos = word_cosines(a, b, frequent)
        order = np.argsort(cos, kind="stable")
        pairs.append(PairShift(
            name_a, name_b, len(common), median_shared_cosine(a, b),
            [(frequent[i], float(cos[i])) for i in order[:top_n]],
            [(frequent[i], float(cos[i])) for i in order[::-1][:top_n]]))
    report = ShiftReport(pairs)
    for word in words:
        record: dict[str, Any] = {"cosine": {}, "lncs2": {}, "neighbours": {}, "missing": []}
        for name, vectors in slices.items():
            if word in vectors.key_to_index:
                record["neighbours"][name] = [w for w, _ in vectors.most_similar(
                    word, topn=topn_neighbours)]
            else:
                record["missing"].append(f"not in slice {name!r}")
        for (name_a, a), (name_b, b) in itertools.combinations(slices.items(), 2):
            if word in a.key_to_index and word in b.key_to_index:
                key = f"{name_a}|{name_b}"
                record["cosine"][key] = float(word_cosines(a, b, [word])[0])
                record["lncs2"][key] = lncs2(word, a, b, topn_neighbours)
        report.words[word] = record
    return report


def _count(vectors: Vectors, word: str) -> int:
    if vectors.counts is None:
        return 1 << 30
    return int(vectors.counts[vectors.key_to_index[word]])
