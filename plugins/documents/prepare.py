"""``lexiplug task prepare newsgroups ARCHIVE -o train.spacy [--dev-output dev.spacy]``:
20 Newsgroups messages as spaCy DocBins for ``textcat`` (one-hot ``cats``), so
``python -m spacy train configs/rcnn_20news.cfg`` can train on them.

Options (``--option KEY=VALUE``): ``subset`` (``all20`` or ``major4``, Lai et al.'s four
groups), ``remove`` (comma-separated parts of headers,footers,quotes; ``none`` keeps the raw
posts), ``drop_empty`` (default true: a message that is only quotes has nothing to classify),
``max_docs`` (a seeded random sample, for quick runs), ``lang`` (the spaCy tokenizer).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError

from .newsgroups import REMOVABLE, check_remove, dev_mask, document_tokens, read_newsgroups

DEFAULT_REMOVE = ",".join(REMOVABLE)
OPTIONS = ("subset", "remove", "drop_empty", "max_docs", "lang", "dev_output",
           "dev_fraction", "seed")


def _remove_option(value: Any) -> tuple[str, ...]:
    if value in (None, "none", ""):
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    return check_remove(p.strip() for p in parts)


def prepare(sources: Sequence[str | Path], output: str | Path, *, subset: str = "all20",
            remove: Any = DEFAULT_REMOVE, drop_empty: bool = True,
            max_docs: int | None = None, lang: str = "en",
            dev_output: str | Path | None = None, dev_fraction: float = 0.1,
            seed: int = 0, **unknown: Any) -> dict[str, Any]:
    """Write the DocBin(s); returns the counts per label."""
    import spacy
    from lexiplug.atomic import atomic_path
    from spacy.tokens import DocBin

    if unknown:
        raise ConfigError(f"unknown option {sorted(unknown)[0]!r}; newsgroups takes "
                          f"{', '.join(OPTIONS)}", where="task prepare newsgroups")
    if len(sources) != 1:
        raise ConfigError(f"expected one archive (20news-bydate-*.tar.gz), found "
                          f"{len(sources)} sources", where="task prepare newsgroups")
    documents = read_newsgroups(sources[0], remove=_remove_option(remove), subset=subset)
    if drop_empty:
        documents = [d for d in documents if document_tokens(d.text)]
    if max_docs is not None:
        if int(max_docs) < 1:
            raise ConfigError(f"expected a positive number, found {max_docs!r}",
                              where="max_docs")
        keep = np.sort(np.random.default_rng(seed).permutation(len(documents))[:int(max_docs)])
        documents = [documents[i] for i in keep]
    labels = sorted({str(d.label) for d in documents})
    nlp = spacy.blank(lang)
    dev = (dev_mask([str(d.label) for d in documents], dev_fraction, seed)
           if dev_output is not None else np.zeros(len(documents), dtype=bool))
    summary: dict[str, Any] = {"labels": labels}
    for path, mask in ((output, ~dev), (dev_output, dev)):
        if path is None:
            continue
        chosen = [d for d, keep_it in zip(documents, mask.tolist(), strict=True) if keep_it]
        docs = []
        for document, doc in zip(chosen, nlp.pipe(d.text for d in chosen), strict=True):
            doc.cats = {label: float(label == document.label) for label in labels}
            docs.append(doc)
        with atomic_path(Path(path)) as tmp:
            DocBin(docs=docs, store_user_data=False).to_disk(tmp)
        summary[str(path)] = {"docs": len(docs),
                              "per_label": {lab: sum(d.label == lab for d in chosen)
                                            for lab in labels}}
    return summary
