"""Slices for CADE: each encoded on its own, then mapped onto the compass vocabulary.

The compass vocabulary is every word whose count over *all* slices reaches ``min_count``
(frequency order); a slice keeps the compass words it holds at least ``slice_min_count``
times (CADE's trim rule: nothing outside the compass). Token ids everywhere are compass rows,
so the frozen compass context matrix is indexed directly.

The compass itself trains on every token of the compass vocabulary (the original trains on
the concatenated text with gensim's own ``min_count``), *not* on the slices' trimmed streams:
a word frequent enough overall but rare in each slice must still be trained in the compass,
and the slices' context windows must not shrink the compass's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError


@dataclass
class SliceStream:
    """A slice's token stream in compass ids, and its vocabulary (compass rows + counts)."""

    name: str
    ids: np.ndarray  # int32 compass rows
    offsets: np.ndarray  # int64
    rows: np.ndarray  # compass rows of the slice vocabulary, by slice frequency
    counts: np.ndarray  # slice counts of those rows
    n_raw_tokens: int
    compass_ids: np.ndarray  # int32: every token of the slice that is in the compass vocabulary
    compass_offsets: np.ndarray  # int64


@dataclass
class CompassData:
    words: list[str]
    counts: np.ndarray
    slices: dict[str, SliceStream]

    def concatenated(self) -> tuple[np.ndarray, np.ndarray]:
        """Every slice's compass-vocabulary tokens as one stream (the compass's corpus)."""
        ids = np.concatenate([s.compass_ids for s in self.slices.values()])
        offsets, base = [np.zeros(1, np.int64)], 0
        for stream in self.slices.values():
            offsets.append(stream.compass_offsets[1:] + base)
            base += len(stream.compass_ids)
        return ids, np.concatenate(offsets)


def encode_slice(corpus: Any, name: str) -> Any:
    """An EncodedCorpus (kept), a lexiplug Corpus, or an iterable of token lists."""
    if all(hasattr(corpus, a) for a in ("vocab", "ids", "offsets")):
        return corpus
    from lexiplug.corpus.encoded import encode_corpus, encode_sentences

    if hasattr(corpus, "checksum"):
        return encode_corpus(corpus, min_count=1, progress=False)
    if isinstance(corpus, (str, bytes)):
        raise ConfigError(f"slice {name!r}: expected a corpus or token lists, found a string",
                          where="embedders.cade.corpus")
    return encode_sentences(iter(corpus), min_count=1)


def _restricted(ids: np.ndarray, offsets: np.ndarray, mapping: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    mapped = mapping[ids]
    keep = mapped >= 0
    kept_before = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
    new_offsets = np.unique(kept_before[offsets])
    return np.ascontiguousarray(mapped[keep], dtype=np.int32), new_offsets.astype(np.int64)


def build_compass(slices: Mapping[str, Any], *, min_count: int, slice_min_count: int
                  ) -> CompassData:
    if len(slices) < 2:
        raise ConfigError(f"CADE needs two or more slices; found {len(slices)} "
                          f"({', '.join(slices) or 'none'})", where="embedders.cade.corpus")
    encoded = {name: encode_slice(corpus, name) for name, corpus in slices.items()}
    totals: dict[str, int] = {}
    for enc in encoded.values():
        for word, count in zip(enc.vocab.words, np.asarray(enc.vocab.counts).tolist(),
                               strict=True):
            totals[word] = totals.get(word, 0) + int(count)
    words = [w for w, c in totals.items() if c >= min_count]
    words.sort(key=lambda w: -totals[w])  # stable: ties keep first-seen order
    if not words:
        raise TrainingError(f"no word occurs {min_count}+ times over all slices",
                            where="embedders.cade.min_count")
    row_of = {w: i for i, w in enumerate(words)}
    streams: dict[str, SliceStream] = {}
    for name, enc in encoded.items():
        local_counts = np.asarray(enc.vocab.counts, dtype=np.int64)
        to_compass = np.array([row_of.get(w, -1) for w in enc.vocab.words], dtype=np.int64)
        kept = (to_compass >= 0) & (local_counts >= slice_min_count)
        mapping = np.where(kept, to_compass, -1)
        raw_ids, raw_offsets = np.asarray(enc.ids), np.asarray(enc.offsets)
        ids, offsets = _restricted(raw_ids, raw_offsets, mapping)
        compass_ids, compass_offsets = _restricted(raw_ids, raw_offsets, to_compass)
        if len(ids) == 0:
            raise TrainingError(
                f"slice {name!r} keeps no token: none of its words is in the compass "
                f"vocabulary {slice_min_count}+ times", where="embedders.cade.corpus")
        order = np.argsort(-local_counts[kept], kind="stable")
        streams[name] = SliceStream(name, ids, offsets, to_compass[kept][order],
                                    local_counts[kept][order], len(enc.ids), compass_ids,
                                    compass_offsets)
    check_shared_vocabulary(streams)
    return CompassData(words, np.array([totals[w] for w in words], dtype=np.int64), streams)


def check_shared_vocabulary(streams: Mapping[str, SliceStream]) -> None:
    """Alignment rests on shared words; a slice sharing none with the others is an error."""
    for name, stream in streams.items():
        others = set()
        for other, s in streams.items():
            if other != name:
                others.update(s.rows.tolist())
        if not others.intersection(stream.rows.tolist()):
            raise TrainingError(
                f"slice {name!r} shares no vocabulary with the other slices "
                f"({', '.join(o for o in streams if o != name)}); CADE can only align slices "
                "through shared words", where="embedders.cade.corpus")


COMPASS_BALANCES = ("none", "equal")
COMPASS_ORDERS = ("concatenated", "shuffled")


def gather_sentences(ids: np.ndarray, offsets: np.ndarray, order: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The sentences ``order`` (indices, repeats allowed) as one new stream, vectorised."""
    lengths = np.diff(offsets)[order]
    new_offsets = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    starts = np.repeat(offsets[order] - new_offsets[:-1], lengths)
    positions = starts + np.arange(new_offsets[-1], dtype=np.int64)
    return np.ascontiguousarray(ids[positions], dtype=np.int32), new_offsets


def compass_corpus(data: CompassData, *, balance: str, order: str, seed: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The compass's training stream.

    ``balance="none"`` is the original: the slices' texts as they are, so the largest slice
    dominates the shared context matrix. ``"equal"`` resamples every slice's sentences to the
    largest slice's token count (whole repeats, then a seeded random share for the fraction),
    so each slice pulls on the shared context vectors equally. ``order="concatenated"`` is the
    original file order (with a linearly decaying learning rate the last slice is fitted
    last); ``"shuffled"`` permutes sentences across slices once, seeded, as SGD assumes.
    """
    ids, offsets = data.concatenated()
    rng = np.random.default_rng(seed)
    base, parts = 0, []
    streams = list(data.slices.values())
    largest = max(len(s.compass_ids) for s in streams)
    for stream in streams:
        n_sentences = len(stream.compass_offsets) - 1
        sentences = np.arange(base, base + n_sentences)
        base += n_sentences
        if balance == "equal" and len(stream.compass_ids):
            factor = largest / len(stream.compass_ids)
            whole = int(np.floor(factor))
            extra = round((factor - whole) * n_sentences)
            chosen = rng.choice(sentences, size=extra, replace=False)
            sentences = np.concatenate([np.tile(sentences, whole), np.sort(chosen)])
        parts.append(sentences)
    selected = np.concatenate(parts)
    if order == "shuffled":
        selected = rng.permutation(selected)
    if balance == "none" and order == "concatenated":
        return ids, offsets
    return gather_sentences(ids, offsets, selected)
