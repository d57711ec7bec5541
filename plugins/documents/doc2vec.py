"""``lexiplug.doc2vec.v1``: Paragraph Vector (Le & Mikolov 2014) with gensim's ``Doc2Vec``.

PV-DBOW (``mode = "dbow"``) predicts a document's words from its vector alone; PV-DM
(``mode = "dm"``) predicts a word from the document vector averaged with its context words.
gensim is the engine: the corpus is streamed to it (one pass per epoch, never a list of all
documents), training is seeded (``workers = 1`` makes it exactly reproducible; more workers
trade that for speed, as in gensim), and :meth:`Doc2VecEmbedder.infer` gives vectors for
unseen documents by gensim's ``infer_vector`` (new document vector, frozen word weights).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

from .checks import check_learning_rate, positive_integers
from .corpus import DocumentSource, labels_of, tokenised_documents
from .doc_vectors import DocumentVectors
from .newsgroups import document_tokens

NAME = "lexiplug.doc2vec.v1"


@dataclass
class Doc2VecSettings:
    """Paragraph Vector through gensim Doc2Vec (PV-DBOW or PV-DM), seeded, streaming."""

    mode: str = "dbow"
    dim: int = 100
    window: int = 5
    min_count: int = 2
    epochs: int = 20
    negative: int = 5
    sample: float = 1e-4
    alpha: float = 0.025
    dbow_words: bool = False
    infer_epochs: int | None = None
    workers: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if self.mode not in ("dbow", "dm"):
            raise ConfigError(f"expected 'dbow' or 'dm', found {self.mode!r}", where="mode")
        positive_integers(self, ("dim", "window", "min_count", "epochs", "negative", "workers"))
        check_learning_rate(self.alpha, "alpha")


class _TaggedStream:
    """Re-iterable TaggedDocuments over a document source: gensim reads it once per epoch."""

    def __init__(self, docs: Any) -> None:
        self.docs = docs
        self.keys: list[str] = []
        self.labels: list[str | None] = []

    def __iter__(self) -> Iterator[Any]:
        from gensim.models.doc2vec import TaggedDocument

        first = not self.keys
        for index, (key, tokens, label) in enumerate(self.docs.iter_documents()):
            if not tokens:
                raise TrainingError(f"document {key!r} has no words; remove it (the "
                                    "newsgroups corpus does with drop_empty = true)",
                                    where="docs")
            if first:
                self.keys.append(key)
                self.labels.append(label)
            yield TaggedDocument(tokens, [index])


class _ListSource:
    def __init__(self, triples: list[tuple[str, list[str], str | None]]) -> None:
        self.triples = triples

    def iter_documents(self) -> Iterator[tuple[str, list[str], str | None]]:
        return iter(self.triples)


@dataclass
class Doc2VecEmbedder:
    settings: Doc2VecSettings
    model: Any = field(default=None, repr=False)

    @property
    def vocabulary(self) -> dict[str, int]:
        return dict(self.model.wv.key_to_index) if self.model is not None else {}

    def fit(self, docs: Any) -> DocumentVectors:
        from gensim.models.doc2vec import Doc2Vec

        source = docs if isinstance(docs, DocumentSource) else _ListSource(
            tokenised_documents(docs))
        stream = _TaggedStream(source)
        s = self.settings
        model = Doc2Vec(vector_size=s.dim, dm=1 if s.mode == "dm" else 0, window=s.window,
                        min_count=s.min_count, epochs=s.epochs, negative=s.negative, hs=0,
                        sample=s.sample, alpha=s.alpha, dbow_words=int(s.dbow_words),
                        workers=s.workers, seed=s.seed)
        model.build_vocab(stream)
        if not stream.keys:
            raise TrainingError("expected at least one document, found none", where="docs")
        if not model.wv.key_to_index:
            raise TrainingError(f"no word occurs min_count = {s.min_count} times; lower "
                                "min_count or give more documents", where="min_count")
        model.train(stream, total_examples=model.corpus_count, epochs=model.epochs)
        self.model = model
        triples = [(k, [], lab) for k, lab in zip(stream.keys, stream.labels, strict=True)]
        vectors = np.asarray(model.dv.vectors, dtype=np.float32)
        return DocumentVectors(list(stream.keys), labels_of(triples), vectors=vectors,
                               metadata={"model": NAME, "mode": s.mode}, model=self)

    def infer(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for unseen texts; a text without a single known word is an error."""
        if self.model is None:
            raise TrainingError("infer() needs a fitted model; call fit() first", where="infer")
        known = self.model.wv.key_to_index
        out = np.zeros((len(texts), self.settings.dim), dtype=np.float32)
        for index, text in enumerate(texts):
            tokens = document_tokens(text)
            if not any(t in known for t in tokens):
                raise TrainingError(f"text {index} has no word the model knows "
                                    f"({len(tokens)} tokens)", where="texts")
            self.model.random.seed(self.settings.seed + index)  # same text, same vector
            out[index] = self.model.infer_vector(tokens, epochs=self.settings.infer_epochs)
        return out


doc2vec_v1 = settings_factory(Doc2VecEmbedder, Doc2VecSettings, name="doc2vec_v1")


def register(registry: Registries) -> None:
    registry.doc_embedders.register(NAME, func=doc2vec_v1)
