"""The ``lexiplug_die_dat`` pipeline component: predicts die/dat (and POS) for every target.

Gold labels come from standard spaCy fields only, so ``spacy train`` carries them: the
die/dat label is the reference token's own written form (the text is assumed correct) and
the POS label is the reference ``token.pos_`` (PRON, DET or SCONJ; anything else, or none,
as in raw text, masks the POS loss). Inference writes ``token._.die_dat`` and exposes
``doc._.die_dat_issues``: the tokens whose written form disagrees with a confident prediction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain, islice
from pathlib import Path
from typing import Any, cast

import numpy as np
from lexiplug.errors import ConfigError
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Token
from spacy.training import Example, validate_get_examples
from thinc.api import Model, Optimizer, set_dropout_rate

from ..loading import BuildsBeforeLoading
from ..numeric import softmax
from ..training_step import train_step
from .instances import POS_LABELS, TARGETS, target_mask, target_positions

TOKEN_EXTENSION = "die_dat"
DOC_EXTENSION = "die_dat_issues"
CLASS_WEIGHTING = ("balanced", "none")


def _issues(doc: Doc) -> list[Token]:
    return [token for token in doc
            if token._.get(TOKEN_EXTENSION) and token._.get(TOKEN_EXTENSION)["issue"]]


def ensure_extensions() -> None:
    if not Token.has_extension(TOKEN_EXTENSION):
        Token.set_extension(TOKEN_EXTENSION, default=None)
    if not Doc.has_extension(DOC_EXTENSION):
        Doc.set_extension(DOC_EXTENSION, getter=_issues)


def gold_labels(examples: Iterable[Example]) -> tuple[np.ndarray, np.ndarray]:
    """die/dat (0 = die, 1 = dat, -1 = unaligned) and POS (index in POS_LABELS or -1) labels
    of every instance of the examples' predicted docs, in instance order."""
    forms: list[int] = []
    tags: list[int] = []
    for eg in examples:
        positions = np.flatnonzero(target_mask(eg.predicted))
        if positions.size == 0:
            continue
        orths = eg.get_aligned("ORTH", as_string=True)
        pos = eg.get_aligned("POS", as_string=True) if eg.reference.has_annotation("POS") else None
        for i in positions:
            orth = orths[i]
            form = orth.lower() if isinstance(orth, str) else ""
            forms.append(TARGETS.index(form) if form in TARGETS else -1)
            tag = pos[i] if pos is not None else None
            tags.append(POS_LABELS.index(tag) if tag in POS_LABELS else -1)
    return np.asarray(forms, dtype=np.int64), np.asarray(tags, dtype=np.int64)


def silver_flags(examples: Iterable[Example]) -> np.ndarray:
    """True for every instance (in :func:`gold_labels` order) whose reference POS is a silver
    label: the aligned reference token lies in ``doc.spans["die_dat_silver_pos"]``."""
    from .silver import SILVER_SPANS

    flags: list[bool] = []
    for eg in examples:
        positions = np.flatnonzero(target_mask(eg.predicted))
        if positions.size == 0:
            continue
        reference = eg.reference
        if SILVER_SPANS not in reference.spans or not len(reference.spans[SILVER_SPANS]):
            flags.extend([False] * positions.size)
            continue
        silver = {span.start for span in reference.spans[SILVER_SPANS]}
        x2y = eg.alignment.x2y
        flags.extend(bool(set(x2y[int(i)].tolist()) & silver) for i in positions)
    return np.asarray(flags, dtype=bool)


def _text_docs(sources: str | list[str], nlp: Language) -> Iterable[Doc]:
    """Tokenised lines of plain-text files, gzipped or not (folders: every file inside,
    sorted), one at a time."""
    paths: list[Path] = []
    from lexiplug.errors import DataNotFoundError

    from ..inputs import resolve_source

    for source in [sources] if isinstance(sources, str) else sources:
        try:  # the rule of `task prepare`: as written, else through the data resolver
            path = resolve_source(source, "die_dat", allow_folder=True)
        except DataNotFoundError:
            raise ConfigError(f"expected a text file or folder, found nothing at {source} "
                              "(nor through the data resolver)",
                              where="initialize.components.die_dat.lexicon_text") from None
        if path.is_dir():
            paths.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            paths.append(path)
    from ..inputs import open_binary, text_lines

    tokenizer: Any = nlp.tokenizer
    for path in paths:  # streamed line by line; *.gz decompressed on the fly
        with open_binary(path) as handle:
            lines = (line.strip() for line in text_lines(path, handle))
            yield from tokenizer.pipe(line for line in lines if line)


class DieDat(BuildsBeforeLoading, TrainablePipe):
    """die/dat classifier over masked context windows (see the module docstring)."""

    build_flag = "skip_pretrained"  # the architecture skips that work when loading

    def __init__(
        self,
        vocab: Any,
        model: Model,
        name: str = "die_dat",
        *,
        threshold: float = 0.8,
        pos_loss_weight: float = 1.0,
        class_weighting: str = "balanced",
        silver_pos_weight: float = 1.0,
        scorer: Callable | None = None,
    ) -> None:
        if class_weighting not in CLASS_WEIGHTING:
            raise ConfigError(f"expected one of {CLASS_WEIGHTING}, found {class_weighting!r}",
                              where=f"components.{name}.class_weighting")
        if not 0.5 <= threshold <= 1.0:
            raise ConfigError(f"expected a probability in [0.5, 1], found {threshold!r}",
                              where=f"components.{name}.threshold")
        if pos_loss_weight < 0:
            raise ConfigError(f"expected a weight >= 0, found {pos_loss_weight!r}",
                              where=f"components.{name}.pos_loss_weight")
        if not 0.0 <= silver_pos_weight <= 1.0:
            raise ConfigError(f"expected a weight in [0, 1], found {silver_pos_weight!r}",
                              where=f"components.{name}.silver_pos_weight")
        ensure_extensions()
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: dict[str, Any] = {
            "threshold": threshold, "pos_loss_weight": pos_loss_weight,
            "class_weighting": class_weighting, "class_weights": [1.0, 1.0],
            "silver_pos_weight": silver_pos_weight,
        }

    @property
    def n_pos(self) -> int:
        return int(self.model.attrs.get("n_pos", 0))

    # -- inference -------------------------------------------------------------------------

    def predict(self, docs: Iterable[Doc]) -> np.ndarray:
        docs = list(docs)
        logits = self.model.predict(docs)
        return np.asarray(self.model.ops.to_numpy(logits), dtype=np.float32)

    def set_annotations(self, docs: Iterable[Doc], logits: np.ndarray) -> None:
        docs = list(docs)
        doc_index, token_index = target_positions(docs)
        if doc_index.size == 0:
            return
        probs = softmax(logits[:, :2])
        choice = probs.argmax(axis=1)
        pos_probs = softmax(logits[:, 2:]) if logits.shape[1] > 2 else None
        threshold = float(self.cfg["threshold"])
        for row, (d, t) in enumerate(zip(doc_index.tolist(), token_index.tolist(), strict=True)):
            token = docs[d][t]
            form = TARGETS[int(choice[row])]
            prob = float(probs[row, choice[row]])
            written = token.lower_
            record: dict[str, Any] = {
                "form": form, "prob": round(prob, 4), "written": written,
                "issue": written != form and prob >= threshold,
            }
            if pos_probs is not None:
                best = int(pos_probs[row].argmax())
                record["pos"] = POS_LABELS[best]
                record["pos_prob"] = round(float(pos_probs[row, best]), 4)
            token._.set(TOKEN_EXTENSION, record)

    # -- training --------------------------------------------------------------------------

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        forms, tags = gold_labels(examples)
        if forms.size == 0:
            return losses
        set_dropout_rate(self.model, drop)
        pos_weights = self._pos_weights(examples)
        return train_step(self, [eg.predicted for eg in examples],
                          lambda logits: self.loss_and_gradient(logits, forms, tags, pos_weights),
                          sgd, losses)

    def get_loss(self, examples: Iterable[Example], scores: Any) -> tuple[float, Any]:
        examples = list(examples)
        forms, tags = gold_labels(examples)
        return self.loss_and_gradient(scores, forms, tags, self._pos_weights(examples))

    def _pos_weights(self, examples: list[Example]) -> np.ndarray | None:
        """Per-instance POS loss weights: ``silver_pos_weight`` for silver labels, else 1."""
        weight = float(self.cfg.get("silver_pos_weight", 1.0))
        if self.n_pos == 0 or weight == 1.0:
            return None
        return np.where(silver_flags(examples), weight, 1.0).astype(np.float32)

    def loss_and_gradient(self, logits: Any, forms: np.ndarray, tags: np.ndarray,
                          pos_weights: np.ndarray | None = None) -> tuple[float, Any]:
        """Weighted cross-entropy on die/dat (mean over the batch's instances) plus
        ``pos_loss_weight`` x POS cross-entropy (mean over the instances with a POS label,
        each weighted by ``pos_weights``, e.g. silver labels down-weighted);
        returns (loss, d_logits)."""
        ops = self.model.ops
        host = np.asarray(ops.to_numpy(logits), dtype=np.float32)
        n = host.shape[0]
        grad = np.zeros_like(host)
        valid = forms >= 0
        denominator = max(int(valid.sum()), 1)
        weights = np.asarray(self.cfg["class_weights"], dtype=np.float32)[np.maximum(forms, 0)]
        weights = weights * valid
        probs = softmax(host[:, :2])
        onehot = np.eye(2, dtype=np.float32)[np.maximum(forms, 0)]
        grad[:, :2] = (probs - onehot) * weights[:, None] / denominator
        picked = probs[np.arange(n), np.maximum(forms, 0)]
        loss = float(-(weights * np.log(np.maximum(picked, 1e-9))).sum() / denominator)
        if host.shape[1] > 2:
            lam = float(self.cfg["pos_loss_weight"])
            has_pos = (tags >= 0).astype(np.float32)
            # mean over the instances that have a POS label (raw text has none), so the POS
            # signal keeps its weight when gold-POS instances are a small share of a batch
            pos_denominator = max(float(has_pos.sum()), 1.0)
            if pos_weights is not None:
                has_pos = has_pos * pos_weights
            pos_probs = softmax(host[:, 2:])
            pos_onehot = np.eye(host.shape[1] - 2, dtype=np.float32)[np.maximum(tags, 0)]
            grad[:, 2:] = lam * (pos_probs - pos_onehot) * has_pos[:, None] / pos_denominator
            pos_picked = pos_probs[np.arange(n), np.maximum(tags, 0)]
            loss += lam * float(-(has_pos * np.log(np.maximum(pos_picked, 1e-9))).sum()
                                / pos_denominator)
        return loss, ops.asarray2f(cast(Any, grad))

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *,
                   nlp: Language | None = None,
                   lexicon_text: str | list[str] | None = None) -> None:
        """Builds the network and, with ``lexicon_features``, fills its de/het article table
        from the training examples plus ``lexicon_text`` (plain-text files, one sentence a
        line, or folders of them: ``[initialize.components.die_dat] lexicon_text``; the
        prepared DocBins keep only sentences with die/dat, a tenth of raw text). Never point
        it at evaluation text. With ``class_weighting = "balanced"`` weights each class by
        n / (2 * n_class) over the training examples' instances."""
        validate_get_examples(get_examples, f"{self.name}.initialize")
        if self.cfg["class_weighting"] == "balanced":
            forms, _ = gold_labels(get_examples())
            counts = np.bincount(forms[forms >= 0], minlength=2).astype(np.float64)
            if counts.min() > 0:
                self.cfg["class_weights"] = (counts.sum() / (2 * counts)).round(6).tolist()
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample)
        if self.model.attrs.get("lexicon_features"):
            from .instances import article_lexicon
            from .model import set_lexicon

            n_word_buckets = self.model.attrs["buckets"][0]
            docs: Iterable[Doc] = (eg.reference for eg in get_examples())
            if lexicon_text:
                docs = chain(docs, _text_docs(lexicon_text, nlp or self._tokenizer_nlp()))
            table = article_lexicon(docs, n_word_buckets)
            set_lexicon(self.model.layers[0].shims[0]._model, table)

    def _tokenizer_nlp(self) -> Language:
        import spacy

        return spacy.blank("nl", vocab=self.vocab)

    def add_label(self, label: str) -> int:
        raise NotImplementedError("die_dat has fixed labels (die, dat; PRON, DET, SCONJ)")

    @property
    def labels(self) -> tuple[str, ...]:
        return TARGETS
