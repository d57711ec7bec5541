"""The ``lexiplug_sentiment`` pipeline component: writes ``doc.cats`` POSITIVE / NEGATIVE.

How ``spacy train`` drives it: the model is classic ML (TF-IDF, delta-IDF, an induced
lexicon, corpus PMI, PPMI-SVD vectors, one logistic regression), fitted in one pass over all
training Docs. ``spacy train`` calls ``nlp.initialize(get_examples)`` once before its loop,
and that is where :meth:`SentimentClassifier.initialize` reads every training example and
fits. The component is not trainable in spaCy's sense (``is_trainable`` is False), so the
loop's ``nlp.update`` steps leave it alone; the configs (configs/sentiment_*.cfg) run one
step and one evaluation, after which ``model-best`` holds the fitted component.

Saved as ``cfg`` (JSON) plus ``model.json``/``model.npz`` in the component's folder; loading
never unpickles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import FormatError, TrainingError
from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.training import Example, validate_get_examples
from spacy.util import minibatch

from .lexicon_config import LexiconSettings
from .model import ModelSettings, SentimentModel
from .readers import LABELS
from .terms import words_of

ON_EMPTY = ("error", "neutral")


class SentimentClassifier(Pipe):
    """Binary sentiment over the features of model.py (see the module docstring)."""

    def __init__(self, vocab: Any, name: str = "sentiment", *, settings: ModelSettings,
                 lexicon: LexiconSettings, on_empty: str = "error",
                 scorer: Callable | None = None) -> None:
        settings.check(f"components.{name}")
        if on_empty not in ON_EMPTY:
            from lexiplug.errors import ConfigError

            raise ConfigError(f"expected one of {ON_EMPTY}, found {on_empty!r}",
                              where=f"components.{name}.on_empty")
        self.vocab = vocab
        self.name = name
        self.lexicon_settings = lexicon
        self.model = SentimentModel(settings, lexicon)
        self.scorer = scorer
        self.cfg: dict[str, Any] = {"on_empty": on_empty}

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    # -- inference -------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(stream, size=batch_size):
            yield from self._annotate(list(batch))

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        words = [words_of(doc) for doc in docs]
        empty = [i for i, w in enumerate(words) if not w]
        if empty and self.cfg["on_empty"] == "error":
            raise FormatError(
                f"expected non-empty texts, found an empty one (number {empty[0] + 1} of this "
                "batch); filter them out or set on_empty = \"neutral\"",
                path=f"components.{self.name}")
        probs = np.full(len(docs), 0.5, dtype=np.float32)
        filled = [i for i, w in enumerate(words) if w]
        if filled:
            probs[filled] = self.model.positive_probability([words[i] for i in filled])
        for doc, p in zip(docs, probs.tolist(), strict=True):
            doc.cats = {**doc.cats, "POSITIVE": p, "NEGATIVE": 1.0 - p}
        return docs

    # -- training --------------------------------------------------------------------------

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *,
                   nlp: Language | None = None,
                   unlabelled_text: str | list[str] | None = None) -> None:
        """Fit the whole model from every training example's reference ``cats``
        (exactly one of POSITIVE/NEGATIVE at 1.0). ``unlabelled_text``: plain-text files
        (one text a line) that join the lexicon/PMI/vector corpus; never evaluation text."""
        validate_get_examples(get_examples, f"{self.name}.initialize")
        words: list[list[str]] = []
        labels: list[bool] = []
        for number, eg in enumerate(get_examples(), 1):
            labels.append(gold_label(eg.reference.cats, number) == "POSITIVE")
            tokens = words_of(eg.predicted)
            if not tokens:
                raise TrainingError(f"training example {number} has an empty text",
                                    where=f"{self.name}.initialize")
            words.append(tokens)
        extra = list(_text_words(unlabelled_text, nlp, self.vocab)) if unlabelled_text else []
        self.model.fit(words, np.asarray(labels, dtype=bool), extra)

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd: Any = None,
               losses: dict[str, float] | None = None) -> dict[str, float]:
        """Nothing to do per batch: the model was fitted in ``initialize``."""
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        return losses

    # -- serialisation ---------------------------------------------------------------------

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> None:
        import srsly

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", self.cfg)
        self.model.save(path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()
                  ) -> SentimentClassifier:
        import srsly

        path = Path(path)
        if (path / "cfg").is_file():
            self.cfg.update(srsly.read_json(path / "cfg"))
        self.model = SentimentModel.load(path, self.lexicon_settings)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        import srsly

        text, blob = self.model.to_parts()
        return srsly.msgpack_dumps({"cfg": self.cfg, "json": text, "npz": blob})

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()
                   ) -> SentimentClassifier:
        import srsly

        message = srsly.msgpack_loads(bytes_data)
        self.cfg.update(message.get("cfg", {}))
        self.model = SentimentModel.from_parts(message["json"], message["npz"],
                                               self.lexicon_settings, where=self.name)
        return self


def gold_label(cats: dict[str, float], number: int) -> str:
    """The one gold class of a reference ``doc.cats``; anything else is an error naming
    the example and the labels found."""
    unknown = sorted(set(cats) - set(LABELS))
    if unknown:
        raise TrainingError(f"training example {number} has label(s) {unknown}; expected "
                            f"only {list(LABELS)} (prepare the data with `lexiplug task "
                            "prepare sentiment`)", where="sentiment.initialize")
    on = [label for label in LABELS if cats.get(label, 0.0) >= 0.5]
    if len(on) != 1:
        raise TrainingError(f"training example {number} has cats {cats}; expected exactly one "
                            f"of {list(LABELS)} at 1.0", where="sentiment.initialize")
    return on[0]


def _text_words(sources: str | list[str], nlp: Language | None, vocab: Any
                ) -> Iterator[list[str]]:
    from lexiplug.errors import ConfigError, DataNotFoundError

    from ..inputs import read_text, resolve_source

    tokenizer: Any = (nlp.tokenizer if nlp is not None
                      else __import__("spacy").blank("xx", vocab=vocab).tokenizer)
    for source in [sources] if isinstance(sources, str) else sources:
        try:
            path = resolve_source(source, "sentiment")
        except DataNotFoundError:
            raise ConfigError(f"expected a text file, found nothing at {source}",
                              where="initialize.components.sentiment.unlabelled_text") from None
        lines = [line.strip() for line in read_text(path).splitlines() if line.strip()]
        for doc in tokenizer.pipe(lines):
            yield words_of(doc)
