"""A word graph for retrofitting: weighted, optionally typed edges between words.

Read from a TSV edge list (``head<TAB>tail[<TAB>weight[<TAB>relation]]``, ``#`` comments) or
a Faruqui-style lexicon (``word neighbour1 neighbour2 ...``), or built by a graph dataset
(``seer_icdo3_graph``). Lexicons are directed as written (docs/transforms.md); ``undirected()``
adds the reverse of every edge when that is what is meant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lexiplug.errors import FormatError


@dataclass
class WordGraph:
    heads: list[str]
    tails: list[str]
    weights: np.ndarray
    relations: list[str] = field(default_factory=list)
    name: str = "graph"

    def __post_init__(self) -> None:
        self.weights = np.asarray(self.weights, dtype=np.float64)
        if not self.relations:
            self.relations = [""] * len(self.heads)
        if not (len(self.heads) == len(self.tails) == len(self.weights) == len(self.relations)):
            raise ValueError("heads, tails, weights and relations must have the same length")

    def __len__(self) -> int:
        return len(self.heads)

    def __iter__(self) -> Iterator[tuple[str, str, float, str]]:
        return iter(zip(self.heads, self.tails, self.weights.tolist(), self.relations,
                        strict=True))

    def nodes(self) -> list[str]:
        return list(dict.fromkeys([*self.heads, *self.tails]))

    def undirected(self) -> WordGraph:
        """Both directions of every edge, duplicates (same head, tail) merged by max weight."""
        best: dict[tuple[str, str], tuple[float, str]] = {}
        for head, tail, weight, relation in self:
            for key in ((head, tail), (tail, head)):
                if key[0] != key[1] and (key not in best or best[key][0] < weight):
                    best[key] = (weight, relation)
        return WordGraph([h for h, _ in best], [t for _, t in best],
                         np.array([w for w, _ in best.values()]),
                         [r for _, r in best.values()], self.name)

    def lowercased(self) -> WordGraph:
        return WordGraph([h.lower() for h in self.heads], [t.lower() for t in self.tails],
                         self.weights, self.relations, self.name)

    def write_tsv(self, path: str | Path) -> Path:
        from lexiplug.atomic import atomic_open

        with atomic_open(path, "w", encoding="utf-8") as handle:
            handle.write("# head\ttail\tweight\trelation\n")
            for head, tail, weight, relation in self:
                handle.write(f"{head}\t{tail}\t{weight:g}\t{relation}\n")
        return Path(path)


def read_edge_list(path: str | Path, *, name: str | None = None) -> WordGraph:
    """TSV edges; a missing weight is 1; weights must be positive numbers."""
    path = Path(path)
    heads, tails, weights, relations = [], [], [], []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2 or not parts[0] or not parts[1]:
                raise FormatError(f"expected 'head<TAB>tail[<TAB>weight[<TAB>relation]]', "
                                  f"found {line[:80]!r}", path=path, line=number)
            weight = 1.0
            if len(parts) > 2 and parts[2].strip():
                try:
                    weight = float(parts[2])
                except ValueError:
                    raise FormatError(f"expected a number as the weight, found {parts[2]!r}",
                                      path=path, line=number) from None
                if not weight > 0:
                    raise FormatError(f"expected a positive weight, found {weight}",
                                      path=path, line=number)
            heads.append(parts[0])
            tails.append(parts[1])
            weights.append(weight)
            relations.append(parts[3] if len(parts) > 3 else "")
    if not heads:
        raise FormatError("expected at least one edge, found none", path=path)
    return WordGraph(heads, tails, np.array(weights), relations, name or path.stem)


def read_lexicon(path: str | Path, *, name: str | None = None) -> WordGraph:
    """Faruqui et al.'s lexicon format: each line ``word neighbour ...`` (directed)."""
    path = Path(path)
    heads, tails = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            words = line.split()
            for neighbour in words[1:]:
                heads.append(words[0])
                tails.append(neighbour)
    if not heads:
        raise FormatError("expected lines 'word neighbour ...', found no edge", path=path)
    return WordGraph(heads, tails, np.ones(len(heads)), [], name or path.stem)
