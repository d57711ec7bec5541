"""``@misc = "lexiplug.polarity_lexicon.v1"``: the settings of the lexicon induction.

Light on purpose: spaCy imports every ``spacy_misc`` entry point's module when it scans its
registry; the induction (``lexicon.py``, ``embeddings.py``) loads when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from lexiplug.errors import ConfigError

WHERE = "components.sentiment.lexicon"


@dataclass(frozen=True)
class LexiconSettings:
    seeds: str = "en"
    path: str | None = None
    dim: int = 300
    doc_vector_dim: int = 50
    window: int = 4
    cds: float = 0.75
    min_count: int = 3
    k: int = 10
    beta: float = 0.85
    iterations: int = 120
    bootstrap: int = 50
    subset_size: int = 7
    seed: int = 0
    vectors: Callable[[], Any] | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["vectors"] = None if self.vectors is None else "lexiplug.vectors.v1"
        return data

    def word_vectors(self, docs: Sequence[Sequence[str]]) -> tuple[list[str], Any]:
        """Given vectors (``vectors``) or PPMI-SVD vectors of ``docs``."""
        import numpy as np

        loaded = self.vectors() if self.vectors is not None else None
        if loaded is not None:
            words = list(loaded.keys)
            matrix = np.asarray(loaded.matrix, dtype=np.float32)
            return words, matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
        from .embeddings import ppmi_svd

        return ppmi_svd(docs, min_count=self.min_count, window=self.window, cds=self.cds,
                        dim=self.dim, seed=self.seed)

    def induce(self, words: list[str], vectors: Any, positive: Sequence[str],
               negative: Sequence[str]) -> Any:
        """The lexicon: read from ``path`` when set, else induced over ``words``."""
        from .lexicon import induce, load_tsv

        if self.path is not None:
            return load_tsv(self.path)
        return induce(words, vectors, positive, negative, k=self.k, beta=self.beta,
                      iterations=self.iterations, bootstrap=self.bootstrap,
                      subset_size=self.subset_size, seed=self.seed)


def polarity_lexicon(
    seeds: str = "en",
    path: str | None = None,
    dim: int = 300,
    doc_vector_dim: int = 50,
    window: int = 4,
    cds: float = 0.75,
    min_count: int = 3,
    k: int = 10,
    beta: float = 0.85,
    iterations: int = 120,
    bootstrap: int = 50,
    subset_size: int = 7,
    seed: int = 0,
    vectors: Callable[[], Any] | None = None,
) -> LexiconSettings:
    """``lexiplug.polarity_lexicon.v1``: SentProp-style induction settings (see lexicon.py);
    ``path`` reads a lexicon TSV instead; ``vectors`` (``@misc = "lexiplug.vectors.v1"``)
    replaces the PPMI-SVD vectors."""
    for key, value in {"dim": dim, "doc_vector_dim": doc_vector_dim, "window": window,
                       "min_count": min_count, "k": k, "iterations": iterations,
                       "bootstrap": bootstrap, "subset_size": subset_size}.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"expected a positive integer, found {value!r}",
                              where=f"{WHERE}.{key}")
    if not 0.0 < beta < 1.0:
        raise ConfigError(f"expected a restart factor in (0, 1), found {beta!r}",
                          where=f"{WHERE}.beta")
    if not 0.0 < cds <= 1.0:
        raise ConfigError(f"expected a smoothing exponent in (0, 1], found {cds!r}",
                          where=f"{WHERE}.cds")
    return LexiconSettings(seeds=seeds, path=path, dim=dim, doc_vector_dim=doc_vector_dim,
                           window=window, cds=cds, min_count=min_count, k=k, beta=beta,
                           iterations=iterations, bootstrap=bootstrap, subset_size=subset_size,
                           seed=seed, vectors=vectors)
