"""The baselines Binary PV is measured against, as document embedders of the same kind.

- ``lexiplug.pv_sign.v1``: real-valued PV-DBOW (gensim) binarised after training: centre the
  vectors, rotate by a seeded random orthogonal matrix, keep the signs of the first ``bits``
  coordinates (random-rotation sign hashing; it needs ``dim >= bits``).
- ``lexiplug.tfidf_autoencoder.v1``: the semantic-hashing family: a TF-IDF vector is encoded
  through a hidden layer to ``bits`` sigmoid units, rounded straight-through, and decoded
  to a softmax over the vocabulary that must reproduce the document's normalised TF-IDF
  distribution. Codes of unseen documents come from one encoder pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

from .checks import check_learning_rate, positive_integers
from .corpus import labels_of, tokenised_documents
from .doc2vec import Doc2VecEmbedder, Doc2VecSettings
from .doc_vectors import DocumentVectors, check_bits, pack_codes
from .newsgroups import document_tokens
from .torch_threads import torch_threads

SIGN_NAME = "lexiplug.pv_sign.v1"
AUTOENCODER_NAME = "lexiplug.tfidf_autoencoder.v1"


def random_rotation(dim: int, seed: int) -> np.ndarray:
    """A uniformly random orthogonal ``dim × dim`` matrix (QR of a Gaussian, signs fixed)."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def sign_codes(vectors: np.ndarray, mean: np.ndarray, rotation: np.ndarray, bits: int
               ) -> np.ndarray:
    return pack_codes(((vectors - mean) @ rotation[:, :bits]) > 0)


@dataclass
class PVSignSettings:
    """PV-DBOW binarised after training by the signs of a random rotation."""

    bits: int = 128
    dim: int = 128
    min_count: int = 2
    epochs: int = 20
    negative: int = 5
    sample: float = 1e-4
    workers: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        check_bits(self.bits)
        if self.dim < self.bits:
            raise ConfigError(f"a rotation keeps at most dim = {self.dim} signs; expected "
                              f"dim >= bits = {self.bits}", where="dim")


@dataclass
class PVSignEmbedder:
    settings: PVSignSettings
    pv: Doc2VecEmbedder | None = field(default=None, repr=False)
    mean: np.ndarray | None = field(default=None, repr=False)
    rotation: np.ndarray | None = field(default=None, repr=False)

    @property
    def vocabulary(self) -> dict[str, int]:
        return self.pv.vocabulary if self.pv is not None else {}

    def fit(self, docs: Any) -> DocumentVectors:
        s = self.settings
        self.pv = Doc2VecEmbedder(Doc2VecSettings(
            mode="dbow", dim=s.dim, min_count=s.min_count, epochs=s.epochs,
            negative=s.negative, sample=s.sample, workers=s.workers, seed=s.seed))
        real = self.pv.fit(docs)
        assert real.vectors is not None
        self.mean = real.vectors.mean(axis=0)
        self.rotation = random_rotation(s.dim, s.seed)
        codes = sign_codes(real.vectors, self.mean, self.rotation, s.bits)
        return DocumentVectors(real.keys, real.labels, codes=codes, bits=s.bits,
                               metadata={"model": SIGN_NAME}, model=self)

    def infer(self, texts: Sequence[str]) -> np.ndarray:
        if self.pv is None or self.mean is None or self.rotation is None:
            raise TrainingError("infer() needs a fitted model; call fit() first", where="infer")
        return sign_codes(self.pv.infer(texts), self.mean, self.rotation, self.settings.bits)


@dataclass
class TfidfAutoencoderSettings:
    """A TF-IDF autoencoder with a straight-through binary bottleneck (semantic hashing)."""

    bits: int = 128
    hidden: int = 500
    max_features: int = 10000
    min_count: int = 2
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 0.001
    threads: int | None = 1
    seed: int = 0

    def __post_init__(self) -> None:
        check_bits(self.bits)
        positive_integers(self, ("hidden", "max_features", "min_count", "epochs", "batch_size"))
        check_learning_rate(self.learning_rate, "learning_rate")


@dataclass
class TfidfAutoencoder:
    settings: TfidfAutoencoderSettings
    tfidf: Any = field(default=None, repr=False)
    encoder: Any = field(default=None, repr=False)
    losses: list[float] = field(default_factory=list)

    @property
    def vocabulary(self) -> dict[str, int]:
        return dict(self.tfidf.vocabulary_) if self.tfidf is not None else {}

    def fit(self, docs: Any) -> DocumentVectors:
        with torch_threads(self.settings.threads):
            return self._fit(docs)

    def _fit(self, docs: Any) -> DocumentVectors:
        import torch
        from sklearn.feature_extraction.text import TfidfVectorizer

        s = self.settings
        triples = tokenised_documents(docs)
        self.tfidf = TfidfVectorizer(analyzer=lambda tokens: tokens, min_df=s.min_count,
                                     max_features=s.max_features, sublinear_tf=True)
        try:
            matrix = self.tfidf.fit_transform([tokens for _, tokens, _ in triples])
        except ValueError as error:  # sklearn: "After pruning, no terms remain"
            raise TrainingError(f"no word is left for TF-IDF ({error}); lower min_count",
                                where="min_count") from None
        torch.manual_seed(s.seed)
        n_words = matrix.shape[1]
        self.encoder = torch.nn.Sequential(torch.nn.Linear(n_words, s.hidden), torch.nn.ReLU(),
                                           torch.nn.Linear(s.hidden, s.bits))
        decoder = torch.nn.Linear(s.bits, n_words)
        optimizer = torch.optim.Adam([*self.encoder.parameters(), *decoder.parameters()],
                                     lr=s.learning_rate)
        rng = np.random.default_rng(s.seed)
        for _ in range(s.epochs):
            total = 0.0
            order = rng.permutation(matrix.shape[0])
            for start in range(0, len(order), s.batch_size):
                rows = matrix[order[start:start + s.batch_size]]
                x = torch.from_numpy(rows.toarray().astype(np.float32))
                target = x / x.sum(dim=1, keepdim=True).clamp_min(1e-12)
                p = torch.sigmoid(self.encoder(x))
                code = p + (torch.round(p) - p).detach()
                loss = -(target * torch.log_softmax(decoder(code), dim=1)).sum(dim=1).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += float(loss.detach())
            self.losses.append(total)
        codes = self._codes(matrix)
        return DocumentVectors([k for k, _, _ in triples], labels_of(triples), codes=codes,
                               bits=s.bits, metadata={"model": AUTOENCODER_NAME}, model=self)

    def _codes(self, matrix: Any) -> np.ndarray:
        import torch

        out = []
        with torch.no_grad():
            for start in range(0, matrix.shape[0], 1024):
                x = torch.from_numpy(matrix[start:start + 1024].toarray().astype(np.float32))
                out.append(torch.sigmoid(self.encoder(x)).numpy() > 0.5)
        return pack_codes(np.concatenate(out))

    def infer(self, texts: Sequence[str]) -> np.ndarray:
        if self.tfidf is None:
            raise TrainingError("infer() needs a fitted model; call fit() first", where="infer")
        matrix = self.tfidf.transform([document_tokens(t) for t in texts])
        empty = np.flatnonzero(matrix.getnnz(axis=1) == 0)
        if len(empty):
            raise TrainingError(f"{len(empty)} text(s) have no word the model knows (first: "
                                f"{empty[:3].tolist()})", where="texts")
        return self._codes(matrix)


pv_sign_v1 = settings_factory(PVSignEmbedder, PVSignSettings, name="pv_sign_v1")
tfidf_autoencoder_v1 = settings_factory(TfidfAutoencoder, TfidfAutoencoderSettings,
                                        name="tfidf_autoencoder_v1")


def register(registry: Registries) -> None:
    registry.doc_embedders.register(SIGN_NAME, func=pv_sign_v1)
    registry.doc_embedders.register(AUTOENCODER_NAME, func=tfidf_autoencoder_v1)
