"""The sentiment model: feature extractors (features.py) + one logistic regression.

Fitting is closed-form-ish and needs every training document at once (IDF, delta-IDF, the
lexicon's corpus, the PMI counts), so the component fits it in ``initialize`` (see
component.py). The supervised dense feature (delta-IDF) is cross-fitted on the training
documents: each fold's values come from scores fitted on the other folds, so the classifier
does not learn to trust a feature that has seen the label of its own document. The
unsupervised ones (lexicon, PMI, vectors) use no labels.

State is plain arrays and lists: :meth:`SentimentModel.save` writes ``model.npz`` (no
pickle: ``allow_pickle=False`` on load) and ``model.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError, TrainingError

from .features import (
    DENSE_WIDTHS,
    TfidfBag,
    delta_idf_scores,
    doc_vector,
    lexicon_stats,
    pmi_orientation,
    word_stats,
)
from .lexicon_config import LexiconSettings
from .morphology import TurkishMorphology
from .seeds import SeedSet, load_seeds
from .terms import DocTerms, doc_terms

FEATURES = ("bag", "delta_idf", "lexicon", "pmi", "doc_vector")
FORMAT_VERSION = 1
# "delta_idf": each bag column scaled by 1 + |its delta-IDF score| (Martineau & Finin's Delta
# TF-IDF, as NBSVM scales by the log-count ratio): a per-term prior that lets the logistic
# regression spend less of its L2 budget on class-discriminative terms
BAG_SCALES = ("none", "delta_idf")
CLIP = 10.0  # standardised dense features are clipped to +-CLIP standard deviations


@dataclass
class ModelSettings:
    language: str = "en"
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    morphology: bool = False
    analyse_unseen: bool = False
    ngrams: int = 2
    min_df: int = 2
    C: float = 1.0
    dense_weight: float = 0.5
    bag_scale: str = "none"
    folds: int = 5
    seed: int = 0

    def check(self, where: str) -> None:
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown or not self.features:
            raise ConfigError(f"expected a non-empty subset of {list(FEATURES)}, found "
                              f"{self.features!r}", where=f"{where}.features")
        if self.language not in ("en", "tr"):
            raise ConfigError(f"expected 'en' or 'tr', found {self.language!r}",
                              where=f"{where}.language")
        if self.morphology and self.language != "tr":
            raise ConfigError("morphology is the Turkish analyser; set it only for 'tr'",
                              where=f"{where}.morphology")
        for key in ("ngrams", "min_df", "folds"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"expected a positive integer, found {value!r}",
                                  where=f"{where}.{key}")
        if self.folds < 2:
            raise ConfigError(f"expected at least 2 folds, found {self.folds}",
                              where=f"{where}.folds")
        if self.bag_scale not in BAG_SCALES:
            raise ConfigError(f"expected one of {BAG_SCALES}, found {self.bag_scale!r}",
                              where=f"{where}.bag_scale")
        if not self.C > 0 or not self.dense_weight > 0:
            raise ConfigError("expected C and dense_weight > 0", where=f"{where}.C")


class SentimentModel:
    """Fitted state of every feature extractor plus the classifier's weights."""

    def __init__(self, settings: ModelSettings, lexicon_settings: LexiconSettings) -> None:
        self.settings = settings
        self.lexicon_settings = lexicon_settings
        self.seeds: SeedSet = load_seeds(lexicon_settings.seeds)
        self._negators = frozenset(self.seeds.negators)
        self.morphology = (TurkishMorphology(analyse_unseen=settings.analyse_unseen)
                           if settings.morphology else None)
        self.bag: TfidfBag | None = None
        self.delta: dict[str, float] = {}
        self.lexicon: dict[str, float] = {}
        self.pmi: dict[str, float] = {}
        self.vector_index: dict[str, int] = {}
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self.dense_mean = np.zeros(0, dtype=np.float32)
        self.dense_std = np.ones(0, dtype=np.float32)
        self.column_scale = np.zeros(0, dtype=np.float32)
        self.coef = np.zeros(0, dtype=np.float32)
        self.intercept = 0.0
        self.induced: Any = None  # the PolarityLexicon of the last fit (docs, TSV export)

    # -- terms ---------------------------------------------------------------------------

    @property
    def fitted(self) -> bool:
        return self.coef.size > 0

    def terms(self, words: Sequence[str]) -> DocTerms:
        return doc_terms(words, language=self.settings.language, negators=self._negators,
                         morphology=self.morphology, ngrams=self.settings.ngrams)

    def _uses(self, name: str) -> bool:
        return name in self.settings.features

    # -- features ------------------------------------------------------------------------

    def _dense(self, docs: Sequence[DocTerms], delta: dict[str, float]) -> np.ndarray:
        rows = []
        for terms in docs:
            row: list[float] = []
            if self._uses("delta_idf"):
                row += word_stats(terms, delta, signed=False, use_keys=False)
            if self._uses("lexicon"):
                row += lexicon_stats(terms, self.lexicon)
            if self._uses("pmi"):
                row += word_stats(terms, self.pmi, signed=True, use_keys=True)
            if self._uses("doc_vector") and self.vectors.size:
                row += doc_vector(terms, self.vector_index, self.vectors).tolist()
            rows.append(row)
        return np.asarray(rows, dtype=np.float32).reshape(len(docs), -1)

    def _design(self, docs: Sequence[DocTerms], dense: np.ndarray):  # type: ignore[no-untyped-def]
        import scipy.sparse as sp

        blocks = []
        if self._uses("bag") and self.bag is not None:
            bag = self.bag.transform(d.bag for d in docs)
            if self.column_scale.size:
                bag.data *= self.column_scale[bag.indices]
            blocks.append(bag)
        if dense.shape[1]:
            scaled = np.clip((dense - self.dense_mean) / self.dense_std, -CLIP, CLIP)
            scaled *= self.settings.dense_weight
            blocks.append(sp.csr_matrix(scaled.astype(np.float32)))
        return sp.hstack(blocks, format="csr")

    # -- fitting -------------------------------------------------------------------------

    def fit(self, docs_words: Sequence[Sequence[str]], positive: np.ndarray,
            unlabelled: Sequence[Sequence[str]] = ()) -> SentimentModel:
        """Fit on tokenised documents and boolean labels; ``unlabelled`` documents join
        only the lexicon, PMI and vector corpus (never evaluation text)."""
        positive = np.asarray(positive, dtype=bool)
        if len(docs_words) != positive.size or positive.size == 0:
            raise TrainingError("expected one label per training document and at least one "
                                "document", where="sentiment.initialize")
        if positive.all() or not positive.any():
            raise TrainingError("expected training documents of both classes (POSITIVE and "
                                "NEGATIVE), found one", where="sentiment.initialize")
        if self.morphology is not None:
            self.morphology.fill(w for doc in [*docs_words, *unlabelled] for w in doc)
        docs = [self.terms(words) for words in docs_words]
        corpus = [d.keys for d in docs] + [self.terms(w).keys for w in unlabelled]
        if self._uses("lexicon") or self._uses("doc_vector"):
            words, vectors = self.lexicon_settings.word_vectors(corpus)
            if self._uses("lexicon"):
                self.induced = self.lexicon_settings.induce(
                    words, vectors, self._keys(self.seeds.positive),
                    self._keys(self.seeds.negative))
                self.lexicon = self.induced.as_dict()
            if self._uses("doc_vector"):
                dim = min(self.lexicon_settings.doc_vector_dim, vectors.shape[1])
                reduced = vectors[:, :dim]
                self.vectors = (reduced / np.maximum(
                    np.linalg.norm(reduced, axis=1, keepdims=True), 1e-9)).astype(np.float32)
                self.vector_index = {w: i for i, w in enumerate(words)}
        if self._uses("pmi"):
            pairs = [(self._key(p), self._key(n)) for p, n in self.seeds.antonym_pairs]
            self.pmi = pmi_orientation(corpus, pairs)
        self.bag = TfidfBag.fit([d.bag for d in docs], self.settings.min_df)
        dense = self._cross_fitted_dense(docs, positive)
        if dense.shape[1]:
            self.dense_mean = dense.mean(axis=0)
            std = dense.std(axis=0)
            # a column (nearly) constant in training carries nothing; dividing by its tiny
            # spread would turn any unseen value into a huge one, so it is zeroed instead
            self.dense_std = np.where(std < 1e-4, np.inf, std).astype(np.float32)
        self._dense_train = dense
        self._docs_train = docs
        self._labels_train = positive
        return self.fit_classifier(self.settings.C)

    def fit_classifier(self, C: float) -> SentimentModel:
        """(Re)fit only the logistic regression (dev-set tuning of C reuses the features)."""
        from sklearn.linear_model import LogisticRegression

        self.settings.C = C
        design = self._design(self._docs_train, self._dense_train)
        classifier = LogisticRegression(C=C, solver="liblinear", max_iter=2000)
        classifier.fit(design, self._labels_train.astype(np.int64))
        self.coef = classifier.coef_.ravel().astype(np.float32)
        self.intercept = float(classifier.intercept_[0])
        return self

    def _key(self, word: str) -> str:
        return self.morphology.analyse(word)[0] if self.morphology is not None else word

    def _keys(self, words: Sequence[str]) -> list[str]:
        return [self._key(w) for w in words]

    def _cross_fitted_dense(self, docs: Sequence[DocTerms], positive: np.ndarray) -> np.ndarray:
        assert self.bag is not None
        full = self.bag.transform(d.bag for d in docs)
        scores = delta_idf_scores(full, positive)
        self.delta = dict(zip(self.bag.vocabulary, scores.tolist(), strict=True))
        if self.settings.bag_scale == "delta_idf":
            self.column_scale = (1.0 + np.abs(scores)).astype(np.float32)
        if not self._uses("delta_idf"):
            return self._dense(docs, {})
        folds = np.random.default_rng(self.settings.seed).permutation(len(docs)) \
            % self.settings.folds
        dense = np.zeros((len(docs), self._dense_width()), dtype=np.float32)
        for fold in range(self.settings.folds):
            held = folds == fold
            train = ~held
            if not held.any():
                continue
            scores = delta_idf_scores(full[train], positive[train])
            fold_delta = dict(zip(self.bag.vocabulary, scores.tolist(), strict=True))
            held_ids = np.flatnonzero(held)
            dense[held_ids] = self._dense([docs[i] for i in held_ids], fold_delta)
        return dense

    def _dense_width(self) -> int:
        width = sum(w for name, w in DENSE_WIDTHS.items() if self._uses(name))
        if self._uses("doc_vector"):
            width += self.vectors.shape[1]
        return width

    # -- inference -----------------------------------------------------------------------

    def positive_probability(self, docs_words: Sequence[Sequence[str]]) -> np.ndarray:
        if not self.fitted:
            raise TrainingError("the sentiment model is not fitted; train the pipeline "
                                "(nlp.initialize / spacy train) first", where="sentiment")
        docs = [self.terms(words) for words in docs_words]
        design = self._design(docs, self._dense(docs, self.delta))
        logits = design @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32).ravel()

    # -- serialisation -------------------------------------------------------------------

    def to_parts(self) -> tuple[str, bytes]:
        """(JSON text, npz bytes): the whole state, no pickle."""
        import io

        delta_words = list(self.delta)
        lexicon_words = list(self.lexicon)
        pmi_words = list(self.pmi)
        vector_words = sorted(self.vector_index, key=self.vector_index.__getitem__)
        buffer = io.BytesIO()
        # the word scores and the intercept are Python floats in memory: saved as float64, so
        # a loaded pipeline predicts the very bits the trained one did
        np.savez(buffer,
                 idf=self.bag.idf if self.bag is not None else np.zeros(0, np.float32),
                 delta=np.asarray([self.delta[w] for w in delta_words], np.float64),
                 lexicon=np.asarray([self.lexicon[w] for w in lexicon_words], np.float64),
                 pmi=np.asarray([self.pmi[w] for w in pmi_words], np.float64),
                 vectors=self.vectors, dense_mean=self.dense_mean, dense_std=self.dense_std,
                 column_scale=self.column_scale, coef=self.coef,
                 intercept=np.asarray([self.intercept], np.float64))
        state = {
            "format": FORMAT_VERSION,
            "settings": asdict(self.settings),
            "lexicon_settings": self.lexicon_settings.as_json(),
            "bag_vocabulary": self.bag.vocabulary if self.bag is not None else [],
            "delta_words": delta_words, "lexicon_words": lexicon_words, "pmi_words": pmi_words,
            "vector_words": vector_words,
            "morphology": ({w: list(a) for w, a in self.morphology.table.items()}
                           if self.morphology is not None else None),
        }
        return json.dumps(state, ensure_ascii=False), buffer.getvalue()

    def save(self, folder: Path) -> None:
        """``model.json`` + ``model.npz`` inside ``folder`` (the component's own folder, which
        spaCy's ``nlp.to_disk`` writes as a whole)."""
        folder.mkdir(parents=True, exist_ok=True)
        text, blob = self.to_parts()
        (folder / "model.json").write_text(text, encoding="utf-8")
        (folder / "model.npz").write_bytes(blob)

    @classmethod
    def load(cls, folder: Path, lexicon_settings: LexiconSettings) -> SentimentModel:
        json_path, npz_path = folder / "model.json", folder / "model.npz"
        for path in (json_path, npz_path):
            if not path.is_file():
                raise FormatError("expected a saved sentiment model file", path=str(path))
        return cls.from_parts(json_path.read_text(encoding="utf-8"), npz_path.read_bytes(),
                              lexicon_settings, where=str(folder))

    @classmethod
    def from_parts(cls, text: str, blob: bytes, lexicon_settings: LexiconSettings, *,
                   where: str) -> SentimentModel:
        import io
        import zipfile

        try:
            state = json.loads(text)
        except json.JSONDecodeError as error:
            raise FormatError(f"expected JSON ({error.msg})", path=f"{where}/model.json",
                              line=error.lineno) from None
        if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
            raise FormatError(f"expected a sentiment model of format {FORMAT_VERSION}",
                              path=f"{where}/model.json")
        try:
            arrays = dict(np.load(io.BytesIO(blob), allow_pickle=False))
        except (ValueError, OSError, zipfile.BadZipFile) as error:
            raise FormatError(f"expected an npz archive ({error})",
                              path=f"{where}/model.npz") from None
        model = cls(ModelSettings(**state["settings"]), lexicon_settings)
        if state["bag_vocabulary"]:
            model.bag = TfidfBag(state["bag_vocabulary"], arrays["idf"])
        model.delta = dict(zip(state["delta_words"], arrays["delta"].tolist(), strict=True))
        model.lexicon = dict(zip(state["lexicon_words"], arrays["lexicon"].tolist(), strict=True))
        model.pmi = dict(zip(state["pmi_words"], arrays["pmi"].tolist(), strict=True))
        model.vectors = arrays["vectors"]
        model.vector_index = {w: i for i, w in enumerate(state["vector_words"])}
        model.dense_mean, model.dense_std = arrays["dense_mean"], arrays["dense_std"]
        model.column_scale = arrays["column_scale"]
        model.coef, model.intercept = arrays["coef"], float(arrays["intercept"][0])
        if model.morphology is not None and state.get("morphology"):
            model.morphology.table = {w: (a[0], bool(a[1]))
                                      for w, a in state["morphology"].items()}
        return model
