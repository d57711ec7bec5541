"""A generated corpus with planted structure: two topics whose words share contexts."""

from __future__ import annotations

import numpy as np

TOPIC_A = [f"a{i}" for i in range(6)]
TOPIC_B = [f"b{i}" for i in range(6)]
CONTEXT_A = [f"x{i}" for i in range(12)]
CONTEXT_B = [f"y{i}" for i in range(12)]
SHARED = [f"s{i}" for i in range(6)]


def planted_sentences(
    n_sentences: int = 1500, length: int = 8, seed: int = 0, noise: float = 0.1
) -> list[list[str]]:
    """Each sentence is about one topic: its target words meet that topic's contexts (plus
    topic-neutral words, and with probability ``noise`` the other topic's contexts, so
    count-based methods see low counts rather than nothing), so same-topic targets share
    contexts and others rarely do."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        topic_a = bool(rng.integers(2))
        targets, contexts = (TOPIC_A, CONTEXT_A) if topic_a else (TOPIC_B, CONTEXT_B)
        other = CONTEXT_B if topic_a else CONTEXT_A
        pool = contexts + SHARED
        words = [other[rng.integers(len(other))] if rng.random() < noise else pool[k]
                 for k in rng.integers(len(pool), size=length)]
        for pos in rng.choice(length, size=2, replace=False):
            words[pos] = targets[rng.integers(len(targets))]
        sentences.append(words)
    return sentences


def planted_encoded(min_count: int = 1, **kwargs: int):  # type: ignore[no-untyped-def]
    from lexiplug.corpus.encoded import encode_sentences

    return encode_sentences(planted_sentences(**kwargs), min_count=min_count)


def topic_separation(vectors) -> float:  # type: ignore[no-untyped-def]
    """Mean cosine within topics minus mean cosine across topics (targets only)."""
    unit = vectors.unit_matrix
    a = unit[[vectors.index(w) for w in TOPIC_A]]
    b = unit[[vectors.index(w) for w in TOPIC_B]]
    n = len(TOPIC_A)
    off_diagonal = ~np.eye(n, dtype=bool)
    within = ((a @ a.T)[off_diagonal].mean() + (b @ b.T)[off_diagonal].mean()) / 2
    across = (a @ b.T).mean()
    return float(within - across)
