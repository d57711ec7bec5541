"""Silver POS for raw-text die/dat instances, as the paper tagged Europarl automatically.

A Dutch UPOS tagger (spaCy ``morphologizer``, configs/ud_tagger_nl.cfg) is trained on
LassySmall v1.3 train minus the die/dat early-stopping Docs (:func:`prepare_tagger_data`
reuses the die/dat split), then :func:`add_silver_pos` fills the POS of every die/dat target
that has none. The tagger reads the unmasked sentence; that only makes labels, the die/dat
model still never sees the target. Silver targets are marked in the span group
:data:`SILVER_SPANS` so the component can weight their POS loss (``silver_pos_weight``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import DataNotFoundError, FormatError

from .instances import target_mask

SILVER_SPANS = "die_dat_silver_pos"


def load_tagger(path: str | Path) -> Any:
    """A spaCy pipeline that sets ``token.pos_`` (morphologizer or similar)."""
    import spacy

    path = Path(path)
    if not path.exists():
        raise DataNotFoundError(
            "no POS tagger pipeline here; train one with `python -m spacy train "
            "configs/ud_tagger_nl.cfg ...` (see docs/die_dat.md)", where=str(path))
    nlp = spacy.load(path)
    if not any("pos" in " ".join(nlp.get_pipe_meta(name).assigns) for name in nlp.pipe_names):
        raise FormatError("expected a pipeline with a component that assigns token.pos "
                          f"(e.g. morphologizer); found {nlp.pipe_names}", path=path)
    return nlp


def _tagged(docs: Sequence[Any], tagger: Any) -> list[Any]:
    """The tagger's predictions over copies of ``docs`` (same words, its own vocab)."""
    from spacy.tokens import Doc

    copies = [Doc(tagger.vocab, words=[t.text for t in doc],
                  spaces=[bool(t.whitespace_) for t in doc]) for doc in docs]
    return list(tagger.pipe(copies, batch_size=256))


def add_silver_pos(docs: Sequence[Any], tagger_path: str | Path) -> list[Any]:
    """Fill the POS of die/dat targets without one by the tagger's prediction (in place) and
    mark them in ``doc.spans[SILVER_SPANS]``; gold POS is never overwritten."""
    return silver_pos_with(docs, load_tagger(tagger_path))


def silver_pos_with(docs: Sequence[Any], tagger: Any, context: int | None = None
                    ) -> list[Any]:
    """:func:`add_silver_pos` with a loaded tagger (a streamed corpus tags shard by shard
    and loads the tagger once). ``context``: tag only ``context`` tokens either side of each
    target instead of the whole Doc; the labels are the same whenever the tagger looks no
    further (configs/ud_tagger_nl.cfg: 4 CNN layers of window 1 see 4 tokens each side), and
    the legislation's long paragraphs are tagged several times faster."""
    from spacy.tokens import Doc

    docs = list(docs)
    silver = [[int(i) for i in np.flatnonzero(target_mask(doc)) if not doc[int(i)].pos_]
              for doc in docs]
    if context is None:
        labels = [[tagged[i].pos_ for i in rows]
                  for rows, tagged in zip(silver, _tagged(docs, tagger), strict=True)]
    else:
        spans = [(max(0, i - context), i, doc) for rows, doc in zip(silver, docs, strict=True)
                 for i in rows]
        windows = [Doc(tagger.vocab, words=[t.text for t in doc[start:i + context + 1]])
                   for start, i, doc in spans]
        flat = iter([tagged[i - start].pos_ for (start, i, _), tagged
                     in zip(spans, tagger.pipe(windows, batch_size=256), strict=True)])
        labels = [[next(flat) for _ in rows] for rows in silver]
    for doc, rows, tags in zip(docs, silver, labels, strict=True):
        for i, tag in zip(rows, tags, strict=True):
            doc[i].pos_ = tag
        doc.spans[SILVER_SPANS] = [doc[i:i + 1] for i in rows]
    return docs


def count_silver(docs: Sequence[Any]) -> int:
    return sum(len(doc.spans[SILVER_SPANS]) for doc in docs if SILVER_SPANS in doc.spans)


def target_pos_accuracy(tagger_path: str | Path, docs: Sequence[Any]) -> dict[str, Any]:
    """The tagger's UPOS accuracy on the die/dat tokens of gold-tagged ``docs`` (e.g. the
    held-out LassySmall Docs), overall and by gold tag."""
    tagger = load_tagger(tagger_path)
    gold: list[str] = []
    predicted: list[str] = []
    for doc, tagged in zip(docs, _tagged(docs, tagger), strict=True):
        for i in np.flatnonzero(target_mask(doc)).tolist():
            if doc[i].pos_:
                gold.append(doc[i].pos_)
                predicted.append(tagged[i].pos_)
    gold_array, predicted_array = np.asarray(gold), np.asarray(predicted)
    correct = gold_array == predicted_array
    by_tag = {tag: {"n": int((gold_array == tag).sum()),
                    "accuracy": float(correct[gold_array == tag].mean())}
              for tag in sorted(set(gold))}
    return {"n": len(gold), "accuracy": float(correct.mean()) if gold else None,
            "by_tag": by_tag}


def prepare_tagger_data(
    conllu: str | Path,
    train_output: str | Path,
    dev_output: str | Path,
    *,
    dev_fraction: float = 0.1,
    seed: int = 0,
    sentences_per_doc: int = 2,
) -> dict[str, int]:
    """Tagger DocBins from one CoNLL-U file: every Doc goes to training except the die/dat
    Docs that ``prepare(..., dev_output=..., dev_fraction, seed, sentences_per_doc)`` holds
    out, which form the tagger's dev set (the same Docs, so no leak into early stopping)."""
    import spacy

    from ..inputs import resolve_source
    from .prepare import dev_indices, docs_of, has_target, write_docbin

    path = resolve_source(conllu, "die_dat")
    docs = list(docs_of(path, spacy.blank("nl"), sentences_per_doc, keep_all=True))
    with_target = [i for i, doc in enumerate(docs) if has_target(doc)]
    held_out = {with_target[j] for j in dev_indices(len(with_target), dev_fraction, seed)}
    train = [doc for i, doc in enumerate(docs) if i not in held_out]
    dev = [doc for i, doc in enumerate(docs) if i in held_out]
    write_docbin(train, Path(train_output))
    write_docbin(dev, Path(dev_output))
    return {"train_docs": len(train), "dev_docs": len(dev)}
