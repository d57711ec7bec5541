"""Token features for the PII tagger, batched as flat numpy arrays (no per-token Python).

Nothing here depends on pre-trained word vectors (docs/pii.md): hashed NORM/SHAPE/PREFIX/SUFFIX
ids, UTF-8 bytes of each token's first and last characters, POS and dependency-label ids, the
pattern recogniser's label per token, lexicon flags (first-name gazetteer, date-like
token), and the dependency graph as an edge list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.attrs import DEP, HEAD, LOWER, NORM, POS, PREFIX, SHAPE, SUFFIX
from spacy.tokens import Doc

from .patterns import PATTERN_LABELS, find_date_like, find_patterns

HASH_ATTRS = (NORM, SHAPE, PREFIX, SUFFIX)
N_CHARS = 10  # first 5 and last 5 UTF-8 bytes of each token
N_POS_ROWS = 128
N_DEP_ROWS = 512
N_PATTERN_ROWS = len(PATTERN_LABELS) + 1
FIRST_NAME_FLAG = 1
DATE_LIKE_FLAG = 2
N_LEXICON_ROWS = 4  # every combination of the two flags


@dataclass
class DocBatchFeatures:
    """Flat per-token arrays for a batch of docs; ``lengths`` splits them per doc."""

    hashes: np.ndarray  # (n_tokens, 4) uint64: norm, shape, prefix, suffix
    chars: np.ndarray  # (n_tokens, N_CHARS) int64 byte ids (255 = padding)
    pos: np.ndarray  # (n_tokens,) int64
    dep: np.ndarray  # (n_tokens,) int64
    pattern: np.ndarray  # (n_tokens,) int64, 0 = no pattern hit
    lexicon: np.ndarray  # (n_tokens,) int64 bit flags: FIRST_NAME_FLAG | DATE_LIKE_FLAG
    edges: np.ndarray  # (2, n_edges) int64 flat token ids, undirected, self loops included
    lengths: np.ndarray  # (n_docs,) int64
    # per edge of ``edges``: EDGE_SELF / EDGE_FROM_HEAD / EDGE_FROM_DEPENDENT, and the arc's
    # dependency-label row (0: self loop or linear chain), for the gated GCN
    edge_direction: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    edge_label: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: np.ndarray | None = None  # (n_tokens, width) float32 optional extra features


def _token_range(starts: np.ndarray, start: int, end: int) -> slice:
    """Tokens overlapping the char span [start, end), given each token's char offset."""
    first = int(np.searchsorted(starts, start, side="right")) - 1
    last = int(np.searchsorted(starts, end, side="left"))
    return slice(max(first, 0), last)


def token_pattern_ids(doc: Doc) -> np.ndarray:
    """Per token: 1 + index of the pattern label covering it, else 0."""
    ids = np.zeros(len(doc), dtype=np.int64)
    if len(doc) == 0:
        return ids
    starts = doc.to_array("IDX").astype(np.int64)
    for hit in find_patterns(doc.text):
        ids[_token_range(starts, hit.start, hit.end)] = 1 + PATTERN_LABELS.index(hit.label)
    return ids


def token_lexicon_flags(doc: Doc, name_hashes: np.ndarray | None = None) -> np.ndarray:
    """Per token: FIRST_NAME_FLAG if its lowercase form is a known first name (hashes of
    lowercase names), plus DATE_LIKE_FLAG if it lies in a date-like char span."""
    flags = np.zeros(len(doc), dtype=np.int64)
    if len(doc) == 0:
        return flags
    if name_hashes is not None and len(name_hashes):
        lower = doc.to_array(LOWER).astype(np.uint64)
        flags[np.isin(lower, name_hashes)] |= FIRST_NAME_FLAG
    starts = doc.to_array("IDX").astype(np.int64)
    for start, end in find_date_like(doc.text):
        flags[_token_range(starts, start, end)] |= DATE_LIKE_FLAG
    return flags


def _arcs(doc: Doc, linear_fallback: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """(dependents, their heads, whether they come from a parse): the tree's arcs, or the
    linear chain (i+1 under i) when there is no parse and that is allowed."""
    own = np.arange(len(doc), dtype=np.int64)
    if len(doc) and doc.has_annotation("DEP"):
        heads = own + doc.to_array([HEAD]).astype(np.int64).reshape(-1)
        return own[heads != own], heads[heads != own], True
    if linear_fallback:
        return own[1:], own[:-1], False
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, False


def dependency_edges(doc: Doc, linear_fallback: bool = True) -> np.ndarray:
    """(2, n) local token-index pairs (receiver, sender): tree edges both ways + self loops.

    Without a parse, the linear chain (i, i+1) stands in for the tree when allowed.
    """
    child, parent, _ = _arcs(doc, linear_fallback)
    own = np.arange(len(doc), dtype=np.int64)
    source = np.concatenate([child, parent, own])
    target = np.concatenate([parent, child, own])
    return np.stack([source, target])


EDGE_SELF, EDGE_FROM_HEAD, EDGE_FROM_DEPENDENT = 0, 1, 2
N_EDGE_DIRECTIONS = 3


def dependency_edge_types(doc: Doc, linear_fallback: bool = True
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Per edge of :func:`dependency_edges` (same order): its direction (the receiver hears
    its head, its dependent, or itself) and the arc's dependency-label row, as in the
    syntactic GCNs of Marcheggiani & Titov 2017; linear-chain arcs and self loops get row 0."""
    child, _parent, parsed = _arcs(doc, linear_fallback)
    n_arcs, n = len(child), len(doc)
    direction = np.concatenate([np.full(n_arcs, EDGE_FROM_HEAD), np.full(
        n_arcs, EDGE_FROM_DEPENDENT), np.full(n, EDGE_SELF)]).astype(np.int64)
    labels = (_dep_rows(doc.to_array([DEP]).astype(np.uint64).reshape(-1))[child] if parsed
              else np.zeros(n_arcs, dtype=np.int64))
    return direction, np.concatenate([labels, labels, np.zeros(n, dtype=np.int64)])


def _dep_rows(dep_hashes: np.ndarray) -> np.ndarray:
    """Dependency-label hashes to embedding rows; row 0 is kept for "no label"."""
    return (dep_hashes % (N_DEP_ROWS - 1) + (dep_hashes > 0)).astype(np.int64)


def _static_vectors(doc: Doc) -> np.ndarray:
    table = doc.vocab.vectors
    width = table.shape[1]
    if len(doc) == 0 or width == 0:
        return np.zeros((len(doc), width), dtype=np.float32)
    rows = table.find(keys=doc.to_array("ORTH"))
    rows = np.asarray(rows, dtype=np.int64)
    found = np.asarray(table.data)[np.maximum(rows, 0)].astype(np.float32)
    found[rows < 0] = 0.0
    return found


def doc_features(docs: Sequence[Doc], extra: str = "none", linear_fallback: bool = True,
                 name_hashes: np.ndarray | None = None) -> DocBatchFeatures:
    """Features of ``docs``; ``extra`` adds ``static`` (vocab vectors) or ``tensor``
    (``doc.tensor``, e.g. set by a sourced ``tok2vec`` or ``lexiplug_embed``) as dense token
    features; ``name_hashes`` (uint64 hashes of lowercase first names) the gazetteer flag."""
    lengths = np.array([len(doc) for doc in docs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(docs) else lengths
    hashes, chars, pos, dep, pattern, lexicon, edges, vectors = [], [], [], [], [], [], [], []
    directions, edge_labels = [], []
    for doc, offset in zip(docs, offsets, strict=True):
        if len(doc):
            hashes.append(doc.to_array(list(HASH_ATTRS)).astype(np.uint64))
            chars.append(doc.to_utf8_array(nr_char=N_CHARS).astype(np.int64))
            tags = doc.to_array([POS, DEP]).astype(np.uint64)
            pos.append((tags[:, 0] % N_POS_ROWS).astype(np.int64))
            dep.append(_dep_rows(tags[:, 1]))
            pattern.append(token_pattern_ids(doc))
            lexicon.append(token_lexicon_flags(doc, name_hashes))
        edges.append(dependency_edges(doc, linear_fallback) + offset)
        direction, edge_label = dependency_edge_types(doc, linear_fallback)
        directions.append(direction)
        edge_labels.append(edge_label)
        if extra == "static":
            vectors.append(_static_vectors(doc))
        elif extra == "tensor":
            vectors.append(np.asarray(doc.tensor, dtype=np.float32).reshape(len(doc), -1))
    n = int(lengths.sum())
    return DocBatchFeatures(
        hashes=np.concatenate(hashes) if hashes else np.zeros((0, 4), dtype=np.uint64),
        chars=np.concatenate(chars) if chars else np.zeros((0, N_CHARS), dtype=np.int64),
        pos=np.concatenate(pos) if pos else np.zeros(0, dtype=np.int64),
        dep=np.concatenate(dep) if dep else np.zeros(0, dtype=np.int64),
        pattern=np.concatenate(pattern) if pattern else np.zeros(0, dtype=np.int64),
        lexicon=np.concatenate(lexicon) if lexicon else np.zeros(0, dtype=np.int64),
        edges=np.concatenate(edges, axis=1) if edges else np.zeros((2, 0), dtype=np.int64),
        lengths=lengths,
        edge_direction=np.concatenate(directions) if directions else np.zeros(0, np.int64),
        edge_label=np.concatenate(edge_labels) if edge_labels else np.zeros(0, np.int64),
        vectors=np.concatenate(vectors) if vectors and n else None,
    )
