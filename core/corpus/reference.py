"""A plain, obviously correct co-occurrence counter: the yardstick for tests and the benchmark.

Walks every centre word and every context position with Python loops and a dict, in the
most literal reading of the definition used by :mod:`lexiplug.corpus.cooccurrence`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction

Number = float | Fraction


def reference_cooccurrence_counts(
    sentences: Iterable[Sequence[int]],
    *,
    window: int,
    weighting: str = "harmonic",
    symmetric: bool = True,
    shrunk: Sequence[int] | None = None,
    exact: bool = False,
) -> dict[tuple[int, int], Number]:
    """``{(word, context): weight sum}`` over ``sentences`` of word ids.

    ``shrunk[p]`` is the dynamic window of the token at global position ``p`` (positions run
    over all sentences in order); ``exact=True`` sums harmonic weights as fractions.
    """
    counts: dict[tuple[int, int], Number] = defaultdict(int)
    position = 0
    for sentence in sentences:
        for j, word in enumerate(sentence):
            reach = window if shrunk is None else int(shrunk[position + j])
            for d in range(1, reach + 1):
                if weighting == "flat":
                    weight: Number = 1
                else:
                    weight = Fraction(1, d) if exact else 1.0 / d
                if j - d >= 0:
                    counts[(word, sentence[j - d])] += weight
                if symmetric and j + d < len(sentence):
                    counts[(word, sentence[j + d])] += weight
        position += len(sentence)
    return dict(counts)
