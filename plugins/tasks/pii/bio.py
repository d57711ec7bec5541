"""BIO tags: gold tags from spans, constrained Viterbi decoding, spans from tags.

Decoding forbids ``I-x`` unless the previous tag is ``B-x`` or ``I-x`` (and at the start), so
every decoded sequence is well-formed; the loop runs over positions, vectorised over docs
and tags.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NEG = -1e9


def allowed_transitions(tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) boolean matrix and the boolean start vector of legal BIO moves."""
    n = len(tags)
    allowed = np.ones((n, n), dtype=bool)
    start = np.ones(n, dtype=bool)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            label = tag[2:]
            start[j] = False
            allowed[:, j] = [t in (f"B-{label}", f"I-{label}") for t in tags]
    return allowed, start


def viterbi_decode(scores: Sequence[np.ndarray], tags: Sequence[str],
                   max_cells: int = 262_144) -> list[np.ndarray]:
    """Best legal tag-id path per doc from per-token log-probabilities (n_i, n_tags).

    Docs are decoded in groups of similar length (at most ``max_cells`` padded positions
    per group), so one long doc does not pad a whole batch to its length.
    """
    allowed, start = allowed_transitions(tags)
    transition = np.where(allowed, 0.0, NEG)
    start_scores = np.where(start, 0.0, NEG)
    lengths = np.array([len(s) for s in scores], dtype=np.int64)
    results: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in scores]
    group: list[int] = []
    for index in (int(i) for i in np.argsort(lengths, kind="stable") if lengths[i] > 0):
        if group and (len(group) + 1) * lengths[index] > max_cells:
            _decode_group(group, scores, lengths, transition, start_scores, results)
            group = []
        group.append(index)
    if group:
        _decode_group(group, scores, lengths, transition, start_scores, results)
    return results


def _decode_group(group: list[int], scores: Sequence[np.ndarray], lengths: np.ndarray,
                  transition: np.ndarray, start_scores: np.ndarray,
                  results: list[np.ndarray]) -> None:
    sizes = lengths[group]
    longest = int(sizes.max())
    n_tags = transition.shape[0]
    emissions = np.zeros((len(group), longest, n_tags))
    for row, index in enumerate(group):
        emissions[row, : sizes[row]] = scores[index]
    best = emissions[:, 0] + start_scores
    pointers = np.zeros((len(group), longest, n_tags), dtype=np.int16)
    for t in range(1, longest):
        candidates = best[:, :, None] + transition[None]
        pointers[:, t] = candidates.argmax(axis=1)
        stepped = candidates.max(axis=1) + emissions[:, t]
        best = np.where((t < sizes)[:, None], stepped, best)
    for row, index in enumerate(group):
        n = int(sizes[row])
        path = np.zeros(n, dtype=np.int64)
        path[-1] = int(best[row].argmax())
        for t in range(n - 1, 0, -1):
            path[t - 1] = pointers[row, t, path[t]]
        results[index] = path


def spans_from_tags(tag_ids: np.ndarray, tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) token spans of a well-formed BIO sequence."""
    spans: list[tuple[int, int, str]] = []
    names = np.asarray(tags, dtype=object)[tag_ids] if len(tag_ids) else []
    begins = [i for i, name in enumerate(names) if name.startswith("B-")]
    for i in begins:
        label = names[i][2:]
        end = i + 1
        while end < len(names) and names[end] == f"I-{label}":
            end += 1
        spans.append((i, end, label))
    return spans


def tags_from_spans(n_tokens: int, spans: Sequence[tuple[int, int, str]],
                    tags: Sequence[str]) -> np.ndarray:
    """Gold tag ids for non-overlapping token spans; labels outside ``tags`` stay O."""
    index = {tag: i for i, tag in enumerate(tags)}
    out = np.zeros(n_tokens, dtype=np.int64)
    for start, end, label in spans:
        if f"B-{label}" not in index or end <= start:
            continue
        out[start] = index[f"B-{label}"]
        out[start + 1:end] = index[f"I-{label}"]
    return out


def is_well_formed(tag_ids: np.ndarray, tags: Sequence[str]) -> bool:
    previous = "O"
    for tag in (tags[i] for i in tag_ids):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            return False
        previous = tag
    return True
