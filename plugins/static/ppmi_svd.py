"""``lexiplug.ppmi_svd.v1``: shifted positive PMI + truncated SVD (Levy, Goldberg & Dagan 2015).

SPPMI(w, c) = max(0, log(#(w,c) * D_alpha / (#(w) * #(c)^alpha)) - log k), with the context
distribution smoothed by ``cds`` (0.75), ``#(w)`` the row sums and ``D_alpha`` the sum of
smoothed context counts. Word vectors are U_d * S_d^p (``eig`` = p in {0, 0.5, 1});
``add_context`` adds the context vectors V_d * S_d^p (the "w+c" variant).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import TrainingError
from lexiplug.plugin_tools import settings_factory

from ._common import ProgressFromParams, TrainedVectorSettings, make_vectors

if TYPE_CHECKING:
    import scipy.sparse
    from lexiplug.vectors import Vectors


@dataclass
class PpmiSvdParams(TrainedVectorSettings):
    """Shifted PPMI with context-distribution smoothing, truncated SVD, eigenvalue weighting."""

    weighting: str = "flat"
    dynamic_window: bool = False
    cds: float = 0.75
    neg: float = 1.0
    eig: float = 0.5
    add_context: bool = False
    solver: str = "randomized"
    n_iter: int = 5
    memory_budget_mb: int = 512

    def validate(self) -> None:
        super().validate()
        self.check_positive_int("memory_budget_mb")
        self.check_choice("weighting", ("harmonic", "flat"))
        self.check_choice("eig", (0, 0.5, 1, 0.0, 1.0))
        self.check_choice("solver", ("randomized", "arpack"))
        self.check(0 < self.cds <= 1, "cds", "a smoothing exponent in (0, 1]")
        self.check(self.neg >= 1, "neg", "a shift k >= 1 (log k is subtracted)")
        self.check_positive_int("n_iter")


def shifted_ppmi(counts: scipy.sparse.csr_matrix, cds: float, neg: float) -> Any:
    """The SPPMI matrix of a co-occurrence matrix, computed on its nonzeros only."""
    import scipy.sparse

    coo = counts.tocoo()
    values = coo.data.astype(np.float64)
    row_sums = np.asarray(counts.sum(axis=1)).ravel()
    context_sums = np.asarray(counts.sum(axis=0)).ravel() ** cds
    pmi = (np.log(values) + np.log(context_sums.sum()) - np.log(row_sums[coo.row])
           - np.log(context_sums[coo.col]) - np.log(neg))
    keep = pmi > 0
    return scipy.sparse.csr_matrix(
        (pmi[keep].astype(np.float32), (coo.row[keep], coo.col[keep])), shape=counts.shape
    )


def truncated_svd(
    matrix: Any, k: int, solver: str, n_iter: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The top-``k`` singular triplets, largest first."""
    if solver == "arpack":
        from scipy.sparse.linalg import svds

        v0 = np.random.default_rng(seed).uniform(-1, 1, min(matrix.shape))
        u, s, vt = svds(matrix.astype(np.float64), k=k, v0=v0)
        order = np.argsort(-s)
        return u[:, order], s[order], vt[order]
    from sklearn.utils.extmath import randomized_svd

    return randomized_svd(matrix, n_components=k, n_iter=n_iter, random_state=seed)


class PpmiSvdEmbedder(ProgressFromParams):
    """Count-based vectors: shifted PPMI, then truncated SVD with eigenvalue weighting."""

    name = "lexiplug.ppmi_svd.v1"

    def __init__(self, params: PpmiSvdParams) -> None:
        self.params = params

    def fit(self, corpus: Any) -> Vectors:
        from lexiplug.corpus.cooccurrence import cooccurrence_counts

        p = self.params
        encoded = p.encode(corpus)
        n_words = len(encoded.vocab.words)
        counts = cooccurrence_counts(
            encoded, window=p.window, weighting=p.weighting, symmetric=True,
            dynamic_window=p.dynamic_window, seed=p.seed, memory_budget_mb=p.memory_budget_mb,
            progress=p.show_progress,
        )
        sppmi = shifted_ppmi(counts, p.cds, p.neg)
        k = p.vector_size
        if k >= min(sppmi.shape) or sppmi.nnz == 0:
            raise TrainingError(
                f"vector_size={k} needs a vocabulary larger than {k} words with nonzero PPMI "
                f"(found {n_words} words, {sppmi.nnz} positive cells); lower vector_size or "
                "min_count", where="vector_size",
            )
        u, s, vt = truncated_svd(sppmi, k, p.solver, p.n_iter, p.seed)
        scale = s ** float(p.eig)
        matrix = u * scale
        if p.add_context:
            matrix = matrix + vt.T * scale
        return make_vectors(encoded, matrix, method=self.name,
                            params={**asdict(p), "singular_values": s[:10].tolist()})


ppmi_svd_v1 = settings_factory(PpmiSvdEmbedder, PpmiSvdParams, name="ppmi_svd_v1")
