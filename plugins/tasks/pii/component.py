"""The ``lexiplug_pii`` pipe: BIO tagging over the dependency graph into ``doc.spans``.

Model spans are merged with the pattern recogniser's (checksum-validated) hits; where they
overlap, the pattern hit wins. Errors and logs name offsets and labels, never text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Model, Optimizer

from ..loading import BuildsBeforeLoading
from ..numeric import log_softmax
from ..training_step import train_step
from .bio import spans_from_tags, tags_from_spans, viterbi_decode
from .labels import PII_LABELS, bio_tags
from .patterns import pattern_spans

logger = logging.getLogger(__name__)

PARSE_FALLBACKS = ("error", "linear")


class MissingParseError(ConfigError):
    """Docs reached the PII tagger without a dependency parse and no fallback was set."""


class PIITagger(BuildsBeforeLoading, TrainablePipe):
    def __init__(self, vocab: Vocab, model: Model, name: str = "lexiplug_pii", *,
                 spans_key: str = "pii", labels: Sequence[str] = PII_LABELS,
                 parse_fallback: str = "error", use_patterns: bool = True,
                 scorer: Callable | None = None) -> None:
        if parse_fallback not in PARSE_FALLBACKS:
            raise ConfigError(f"parse_fallback must be one of {PARSE_FALLBACKS}, found "
                              f"{parse_fallback!r}", where=f"components.{name}.parse_fallback")
        unknown = [label for label in labels if label not in PII_LABELS]
        if unknown or not labels:
            raise ConfigError(f"labels must be a non-empty subset of {list(PII_LABELS)}, found "
                              f"unknown {unknown}", where=f"components.{name}.labels")
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: dict[str, Any] = {"spans_key": spans_key, "labels": list(labels),
                                    "parse_fallback": parse_fallback,
                                    "use_patterns": use_patterns}

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def tags(self) -> tuple[str, ...]:
        return bio_tags(self.labels)

    @property
    def spans_key(self) -> str:
        return str(self.cfg["spans_key"])

    def _check_parse(self, docs: Iterable[Doc]) -> None:
        if self.cfg["parse_fallback"] != "error":
            return
        for position, doc in enumerate(docs):
            if len(doc) and not doc.has_annotation("DEP"):
                raise MissingParseError(
                    f"doc {position} of the batch ({len(doc)} tokens) has no dependency parse; "
                    "put a parser before this component (training configs source one and list "
                    "it in frozen_components and annotating_components) or set "
                    'parse_fallback = "linear"',
                    where=f"components.{self.name}.parse_fallback",
                )

    def predict(self, docs: Iterable[Doc]) -> list[np.ndarray]:
        docs = list(docs)
        self._check_parse(docs)
        scores = self.model.predict(docs)
        return viterbi_decode([log_softmax(self.model.ops.to_numpy(s)) for s in scores],
                              self.tags)

    def set_annotations(self, docs: Iterable[Doc], tag_ids: list[np.ndarray]) -> None:
        for doc, ids in zip(docs, tag_ids, strict=True):
            doc.spans[self.spans_key] = self._merged_spans(doc, ids)

    def _merged_spans(self, doc: Doc, ids: np.ndarray) -> list[Span]:
        found = [Span(doc, s, e, label=label) for s, e, label in spans_from_tags(ids, self.tags)]
        if not self.cfg["use_patterns"]:
            return found
        rules = pattern_spans(doc, self.labels)
        taken = np.zeros(len(doc), dtype=bool)
        for span in rules:
            taken[span.start:span.end] = True
        kept = [span for span in found if not taken[span.start:span.end].any()]
        return sorted(kept + rules, key=lambda span: (span.start, span.end))

    def gold_tag_ids(self, example: Example) -> np.ndarray:
        """Reference spans aligned to the predicted tokens, as BIO tag ids."""
        reference = example.reference.spans.get(self.spans_key, [])
        for span in reference:  # reference docs may come from another vocab (a DocBin)
            example.predicted.vocab.strings.add(span.label_)
        aligned = example.get_aligned_spans_y2x(reference, allow_overlap=True)
        aligned = sorted(aligned, key=lambda s: (s.start, -(s.end - s.start)))
        spans, last_end = [], 0
        for span in aligned:
            if span.start >= last_end:
                spans.append((span.start, span.end, span.label_))
                last_end = span.end
        return tags_from_spans(len(example.predicted), spans, self.tags)

    def get_loss(self, examples: Iterable[Example], scores: list[np.ndarray]
                 ) -> tuple[float, list[np.ndarray]]:
        """Token cross-entropy, averaged over the batch's tokens."""
        examples = list(examples)
        n_tokens = max(1, sum(len(eg.predicted) for eg in examples))
        loss, grads = 0.0, []
        for example, doc_scores in zip(examples, scores, strict=True):
            gold = self.gold_tag_ids(example)
            logits = self.model.ops.to_numpy(doc_scores)
            log_probs = log_softmax(logits)
            d = np.exp(log_probs)
            d[np.arange(len(gold)), gold] -= 1.0
            loss -= float(log_probs[np.arange(len(gold)), gold].sum())
            grads.append(self.model.ops.asarray2f((d / n_tokens).astype(np.float32)))
        return loss / n_tokens, grads

    def update(self, examples: Iterable[Example], *, drop: float = 0.0,
               sgd: Optimizer | None = None, losses: dict[str, float] | None = None
               ) -> dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = [eg for eg in examples if len(eg.predicted)]
        if not examples:
            return losses
        docs = [eg.predicted for eg in examples]
        self._check_parse(docs)
        return train_step(self, docs, lambda scores: self.get_loss(examples, scores), sgd, losses)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *,
                   nlp: Language | None = None, labels: list[str] | None = None) -> None:
        validate_get_examples(get_examples, f"{self.name}.initialize")
        if labels is not None:
            self.cfg["labels"] = list(labels)
        # No parse check here: spaCy initialises before annotating components have run.
        sample = [eg.predicted for eg in islice(get_examples(), 10) if len(eg.predicted)]
        if self.model.attrs.get("extra_features") == "tensor" and sample:
            self.cfg["tensor_width"] = self._tensor_width(sample[0], nlp)
        source = self.model.attrs.get("first_names")
        if source and not self.model.attrs.get("name_hashes"):
            from .gazetteer import first_name_hashes

            self.model.attrs["name_hashes"] = first_name_hashes(source)
        self._prepare_model()
        self.model.initialize()

    def _tensor_width(self, doc: Doc, nlp: Language | None) -> int:
        """Width of ``doc.tensor``; when the sample has none yet (spaCy initialises before
        annotating components run), the pipes before this one annotate a copy. The walk goes
        over ``nlp.components``, not ``nlp.pipeline``: ``spacy train`` initialises with the
        frozen components disabled, and the sourced tok2vec is one of them."""
        width = int(np.asarray(doc.tensor).reshape(len(doc), -1).shape[1])
        if width == 0 and nlp is not None:
            doc = nlp.make_doc(doc.text)
            for name, proc in nlp.components:
                if name == self.name:
                    break
                doc = proc(doc)
            width = int(np.asarray(doc.tensor).reshape(len(doc), -1).shape[1])
        if width == 0:
            raise ConfigError("extra_features = 'tensor' but no doc.tensor reaches this "
                              "component; put a tok2vec (or lexiplug_embed) before it",
                              where=f"components.{self.name}.model.extra_features")
        return width

    def _prepare_model(self) -> None:
        if self.model.layers:
            return
        self.model.set_dim("nO", len(self.tags))
        extra = self.model.attrs.get("extra_features", "none")
        if extra == "static":
            self.model.set_dim("nV", int(self.vocab.vectors.shape[1]))
        elif extra == "tensor":
            self.model.set_dim("nV", int(self.cfg.get("tensor_width", 0)))

    def _restore_settings(self, cfg: dict[str, Any]) -> None:
        self.cfg.update(cfg)  # labels and tensor_width size the layers

    def _ensure_built(self) -> None:
        if not self.model.layers:
            self._prepare_model()
            self.model.initialize()

