"""``lexiplug.retrofit.v1``: retrofitting to a graph (Faruqui et al. 2015, docs/transforms.md).

Minimises Σ_i α‖q_i − q̂_i‖² + Σ_(i,j)∈E β_ij‖q_i − q_j‖² by the coordinate update
q_i ← (Σ_j β_ij q_j + α q̂_i) / (Σ_j β_ij + α), with β_ij = w_ij / Σ_j w_ij (1/degree for
unweighted graphs). ``order="jacobi"`` (default) updates every word from the previous
iterate, so the result does not depend on the node order, and is one sparse product per
iteration; ``order="in_place"`` is the original code's Gauss–Seidel sweep in graph order.
Only words with an in-vocabulary neighbour move; words of the graph that the vectors lack
are listed in the output's metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugins.datasets.graph import WordGraph, read_edge_list, read_lexicon
from lexiplug.registry import Registries
from lexiplug.vectors.vectors import Vectors, unit_rows
from lexiplug.words import match_words, preview

NAME = "lexiplug.retrofit.v1"
WHERE = "transforms.retrofit"
ORDERS = ("jacobi", "in_place")
BETAS = ("inverse_degree", "weight")
logger = logging.getLogger(__name__)


def load_graph(graph: str | Path | WordGraph, graph_format: str = "auto") -> WordGraph:
    """A WordGraph from a graph object, a registered graph dataset, or a file."""
    if isinstance(graph, WordGraph):
        return graph
    from lexiplug.registry import registry

    if isinstance(graph, str) and registry.datasets.has(graph):
        loaded = registry.datasets.get(graph)().load()
        if not isinstance(loaded, WordGraph):
            raise ConfigError(f"dataset {graph!r} is a {type(loaded).__name__}, not a graph",
                              where=f"{WHERE}.graph")
        return loaded
    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path(graph, what=f"{WHERE}.graph")
    if graph_format == "auto":
        graph_format = "tsv" if _looks_tabbed(path) else "lexicon"
    if graph_format not in ("tsv", "lexicon"):
        raise ConfigError(f"expected 'auto', 'tsv' or 'lexicon'; found {graph_format!r}",
                          where=f"{WHERE}.graph_format")
    return read_edge_list(path) if graph_format == "tsv" else read_lexicon(path)


def _looks_tabbed(path: Path) -> bool:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                return "\t" in line
    return True


@dataclass
class GraphOnVectors:
    """The graph's edges between vector rows: local node ids, β matrix, what was missing."""

    rows: np.ndarray  # vector row of each local node
    beta: Any  # scipy CSR, local x local
    missing: list[str]
    n_nodes: int
    n_edges: int


def graph_on_vectors(graph: WordGraph, vectors: Vectors, *, beta: str, lower_fallback: bool
                     ) -> GraphOnVectors:
    from scipy.sparse import csr_matrix

    match = match_words(vectors.key_to_index, graph.nodes(), lower_fallback=lower_fallback)
    row_of = {node: vectors.key_to_index[key] for node, key in match.found.items()}
    pairs: dict[tuple[int, int], float] = {}
    for head, tail, weight, _ in graph:
        h, t = row_of.get(head), row_of.get(tail)
        if h is not None and t is not None and h != t:
            pairs[(h, t)] = max(weight, pairs.get((h, t), 0.0))
    linked = {r for pair in pairs for r in pair}
    # Graph order (first appearance): the in-place sweep visits words in this order.
    ordered = dict.fromkeys(row_of[n] for n in graph.nodes() if row_of.get(n) in linked)
    rows = np.array(list(ordered), dtype=np.int64)
    local = {int(r): i for i, r in enumerate(rows)}
    heads = np.array([local[h] for h, _ in pairs], dtype=np.int64)
    tails = np.array([local[t] for _, t in pairs], dtype=np.int64)
    weights = np.array(list(pairs.values()), dtype=np.float64)
    matrix = csr_matrix((weights, (heads, tails)), shape=(len(rows), len(rows)))
    if beta == "inverse_degree":
        totals = np.asarray(matrix.sum(axis=1)).ravel()
        totals[totals == 0] = 1.0
        matrix = csr_matrix(matrix.multiply(1.0 / totals[:, None]))
    return GraphOnVectors(rows, matrix, match.missing, len(match.found) + len(match.missing),
                          len(pairs))


@dataclass
class Retrofit:
    graph: str | WordGraph
    alpha: float = 1.0
    iterations: int = 10
    order: Literal["jacobi", "in_place"] = "jacobi"
    beta: Literal["inverse_degree", "weight"] = "inverse_degree"
    undirected: bool = True
    normalize: bool = True
    lower_fallback: bool = True
    graph_format: str = "auto"

    def apply(self, vectors: Vectors, **refs: Any) -> Vectors:
        graph = load_graph(self.graph, self.graph_format)
        if self.undirected:
            graph = graph.undirected()
        on = graph_on_vectors(graph, vectors, beta=self.beta, lower_fallback=self.lower_fallback)
        if on.n_edges == 0:
            raise TrainingError(
                f"no edge of graph {graph.name!r} joins two words of the vectors; "
                f"{len(on.missing)} of {on.n_nodes} graph words are missing, e.g. "
                f"{preview(on.missing)}", where=f"{WHERE}.graph")
        base = unit_rows(vectors.matrix) if self.normalize else np.asarray(vectors.matrix)
        original = base[on.rows].astype(np.float64)
        moved = self._iterate(original, on.beta)
        matrix = np.array(base, dtype=np.float32, copy=True)
        matrix[on.rows] = moved.astype(np.float32)
        if on.missing:
            logger.warning("retrofit: %d of %d graph words are not in the vectors: %s",
                           len(on.missing), on.n_nodes, preview(on.missing))
        out = vectors.with_matrix(matrix, note="retrofit")
        out.metadata["retrofit"] = {
            "graph": graph.name, "n_graph_words": on.n_nodes, "n_edges_used": on.n_edges,
            "n_updated": len(on.rows), "coverage": 1 - len(on.missing) / max(on.n_nodes, 1),
            "missing": on.missing[:500], "n_missing": len(on.missing),
            "order": self.order, "iterations": self.iterations, "alpha": self.alpha,
        }
        return out

    def _iterate(self, original: np.ndarray, beta: Any) -> np.ndarray:
        totals = np.asarray(beta.sum(axis=1)).ravel()
        moving = totals > 0
        denominator = (totals + self.alpha)[:, None]
        current = original.copy()
        if self.order == "jacobi":
            for _ in range(self.iterations):
                updated = (beta @ current + self.alpha * original) / denominator
                current = np.where(moving[:, None], updated, original)
            return current
        indptr, indices, data = beta.indptr, beta.indices, beta.data
        for _ in range(self.iterations):
            for i in np.flatnonzero(moving):
                row = slice(indptr[i], indptr[i + 1])
                current[i] = (data[row] @ current[indices[row]] + self.alpha * original[i]) \
                    / denominator[i]
        return current


def retrofit_v1(
    graph: str = "seer_icdo3_graph",
    alpha: float = 1.0,
    iterations: int = 10,
    order: str = "jacobi",
    beta: str = "inverse_degree",
    undirected: bool = True,
    normalize: bool = True,
    lower_fallback: bool = True,
    graph_format: str = "auto",
) -> Retrofit:
    """Retrofit to ``graph``: a graph dataset name or an edge-list / lexicon file."""
    if order not in ORDERS:
        raise ConfigError(f"expected one of {ORDERS}; found {order!r}", where=f"{WHERE}.order")
    if beta not in BETAS:
        raise ConfigError(f"expected one of {BETAS}; found {beta!r}", where=f"{WHERE}.beta")
    if not alpha > 0:
        raise ConfigError(f"expected alpha > 0; found {alpha!r}", where=f"{WHERE}.alpha")
    if not isinstance(iterations, int) or iterations < 1:
        raise ConfigError(f"expected a positive integer; found {iterations!r}",
                          where=f"{WHERE}.iterations")
    return Retrofit(graph, float(alpha), iterations, order, beta,  # type: ignore[arg-type]
                    undirected, normalize, lower_fallback, graph_format)


def register(registry: Registries) -> None:
    registry.transforms.register(NAME, func=retrofit_v1)
