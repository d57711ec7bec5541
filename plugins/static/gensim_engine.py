"""gensim as the engine for word2vec and fastText, fed from our corpus pipeline.

The encoded corpus is written once as a whitespace text file (OOV tokens already dropped, as
word2vec itself does) and gensim trains in its ``corpus_file`` mode from that file: no second
in-memory copy of the corpus, and gensim's multi-threaded file reader. With ``min_count=1``
inside gensim, its vocabulary is exactly ours (same words, same counts, same order).

Progress: an epoch bar with the epoch's loss (word2vec; gensim computes none for fastText),
driven by gensim's ``CallbackAny2Vec`` and silenced by ``progress = false`` or ``--quiet``.

Continued training: :class:`GensimContinuation` saves the whole gensim model (``save()``, a
pickle: the only format that keeps the output weights and vocabulary counts word2vec needs to
go on) as a *signed* :mod:`lexiplug.checkpoint` bundle, and loads one only when the signature
proves this user's lexiplug wrote it. ``continue_from(folder)`` makes the next ``fit`` extend
that model's vocabulary with the new text (``build_vocab(update=True)``) and train on it.

Determinism: ``workers=1`` and a fixed ``seed`` give the same vectors run after run only if
``PYTHONHASHSEED`` is fixed too, because gensim seeds each word's initial vector from
``hash(word + str(seed))``; ``deterministic=True`` checks that and warns when it is not set.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._common import ProgressFromParams, TrainedVectorSettings, logger, make_vectors
from .word2vec_settings import Word2VecHyperparams

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.vectors import Vectors


# Settings that are ours, not gensim's: the vocabulary is thresholded before gensim sees it.
_NOT_GENSIM = ("min_count", "max_vocab", "deterministic", "progress")


@dataclass
class GensimParams(TrainedVectorSettings, Word2VecHyperparams):
    """gensim's main training parameters (names as in gensim 4)."""

    hs: int = 0
    epochs: int = 5
    deterministic: bool = False

    def validate(self) -> None:
        super().validate()
        self.check_positive_int("epochs")
        self.check_positive_int("workers")
        self.check_choice("sg", (0, 1))
        self.check_choice("hs", (0, 1))
        self.check(isinstance(self.negative, int) and self.negative >= 0, "negative",
                   "a non-negative integer")
        self.check(self.hs == 1 or self.negative > 0, "negative",
                   "negative > 0 when hs = 0 (otherwise nothing is trained)")
        self.check(0 <= self.sample < 1, "sample", "a number in [0, 1)")
        self.check(self.alpha > 0, "alpha", "a positive learning rate")

    def gensim_kwargs(self) -> dict[str, Any]:
        """Every setting gensim takes (a subclass's fields too), under gensim's own name."""
        kwargs = {k: v for k, v in asdict(self).items() if k not in _NOT_GENSIM}
        kwargs["min_count"] = 1  # our vocabulary is already thresholded
        if self.deterministic:
            kwargs["workers"] = 1
        return kwargs


def check_determinism(params: GensimParams) -> None:
    if params.deterministic and os.environ.get("PYTHONHASHSEED") in (None, "random"):
        logger.warning(
            "deterministic=True uses one worker and seed=%d, but PYTHONHASHSEED is not set: "
            "gensim seeds initial vectors with Python's salted hash(), so set PYTHONHASHSEED=0 "
            "(before Python starts) for bit-identical runs.", params.seed,
        )


def train_gensim(
    model_class: Any, corpus: Any, params: GensimParams, previous: Any = None,
) -> tuple[Any, EncodedCorpus, float]:
    """Encode (or reuse) the corpus, write it once, and train ``model_class`` on the file.

    ``previous``: a trained model of that class to continue (its vocabulary grows by the
    corpus's new words) instead of a new one.
    """
    check_determinism(params)
    encoded = params.encode(corpus)
    callbacks = epoch_progress(params, model_class)
    loss = {"compute_loss": True} if callbacks and _reports_loss(model_class) else {}
    with tempfile.TemporaryDirectory(prefix="lexiplug-gensim-") as folder:
        corpus_file = Path(folder) / "corpus.txt"
        encoded.write_text(corpus_file)
        start = time.perf_counter()
        if previous is None:
            model = model_class(corpus_file=str(corpus_file), **params.gensim_kwargs(),
                                callbacks=callbacks, **loss)
        else:
            model = continue_training(previous, corpus_file, params, callbacks, loss)
        seconds = time.perf_counter() - start
    model.callbacks = ()  # the bar is done, and a saved model must not pickle it
    return model, encoded, seconds


def continue_training(
    model: Any, corpus_file: Path, params: GensimParams, callbacks: list[Any],
    loss: dict[str, bool],
) -> Any:
    """Add the corpus's new words to ``model`` and train it ``params.epochs`` more epochs."""
    model.build_vocab(corpus_file=str(corpus_file), update=True)
    model.train(corpus_file=str(corpus_file), total_examples=model.corpus_count,
                total_words=model.corpus_total_words, epochs=params.epochs,
                start_alpha=params.alpha, end_alpha=params.min_alpha, callbacks=callbacks,
                **loss)
    return model


def _reports_loss(model_class: Any) -> bool:
    return bool(model_class.__name__ == "Word2Vec")  # gensim's FastText computes no loss


def epoch_progress(params: GensimParams, model_class: Any) -> list[Any]:
    """A gensim callback drawing an epoch bar with each epoch's loss; ``[]`` when silenced."""
    if not params.show_progress:
        return []
    from gensim.models.callbacks import CallbackAny2Vec
    from tqdm.auto import tqdm

    shows_loss = _reports_loss(model_class)

    class EpochBar(CallbackAny2Vec):  # type: ignore[misc]
        def __init__(self) -> None:
            self.bar: Any = None
            self.loss_so_far = 0.0

        def on_train_begin(self, model: Any) -> None:
            self.bar = tqdm(total=model.epochs, desc=f"{model_class.__name__} epochs",
                            unit="epoch", leave=False)

        def on_epoch_end(self, model: Any) -> None:
            if shows_loss:
                total = float(model.get_latest_training_loss())
                self.bar.set_postfix(loss=f"{total - self.loss_so_far:.4g}")
                self.loss_so_far = total
            self.bar.update(1)

        def on_train_end(self, model: Any) -> None:
            self.bar.close()

    return [EpochBar()]


def vectors_from_model(
    model: Any, encoded: EncodedCorpus, *, method: str, params: dict[str, Any],
    **options: Any,
) -> Vectors:
    """gensim's vectors reordered to our vocabulary (gensim's order matches, but be sure).

    A continued model knows more words than this corpus: then its whole vocabulary returns.
    """
    if len(model.wv) > len(encoded.vocab.words):
        return _whole_vocabulary(model, method=method, params=params, **options)
    words = list(encoded.vocab.words)
    index = model.wv.key_to_index
    rows = np.fromiter((index.get(w, -1) for w in words), dtype=np.int64, count=len(words))
    if (rows < 0).any():
        missing = [w for w, r in zip(words, rows, strict=True) if r < 0]
        from lexiplug.errors import TrainingError

        raise TrainingError(
            f"gensim dropped {len(missing)} of our words (e.g. {missing[:5]}); words must "
            "not contain whitespace"
        )
    return make_vectors(encoded, model.wv.vectors[rows], method=method, params=params, **options)



def _whole_vocabulary(model: Any, *, method: str, params: dict[str, Any],
                      **options: Any) -> Vectors:
    from lexiplug.vectors import Vectors

    keys = list(model.wv.index_to_key)
    counts = np.array([model.wv.get_vecattr(key, "count") for key in keys], dtype=np.int64)
    metadata = {"method": method, "continued": True,
                "params": dict(params),
                "n_tokens": int(model.corpus_total_words)}
    return Vectors(keys, np.ascontiguousarray(model.wv.vectors, dtype=np.float32), counts=counts,
                   metadata=metadata, **options)


class GensimContinuation:
    """Save the whole gensim model after training; continue from one saved earlier."""

    model: Any
    params: GensimParams
    previous_state: Path | None = None

    def continue_from(self, folder: str | Path) -> None:
        """The next ``fit`` continues the model saved in ``folder`` by ``save_training_state``."""
        self.previous_state = Path(folder)

    def previous_model(self, model_class: Any) -> Any:
        """The model to continue, verified and checked against these params; else ``None``."""
        if self.previous_state is None:
            return None
        from lexiplug.checkpoint import read_bundle
        from lexiplug.errors import ConfigError

        bundle = read_bundle(self.previous_state, signed=True)
        if bundle.state.get("class") != model_class.__name__:
            raise ConfigError(
                f"expected a saved {model_class.__name__} model to continue; "
                f"{self.previous_state} holds a {bundle.state.get('class')}",
            )
        model = model_class.load(str(bundle.file(_MODEL_FILE)))
        for key in _CONTINUATION_KEYS:
            saved, wanted = getattr(model, key), getattr(self.params, key)
            if saved != wanted:
                raise ConfigError(
                    f"expected {saved} (the saved model's value) to continue training from "
                    f"{self.previous_state}; got {wanted}", where=key,
                )
        logger.info("continuing the %s model saved in %s", model_class.__name__,
                    self.previous_state)
        return model

    def save_training_state(self, folder: str | Path) -> Path:
        """Write the whole model, signed, so a later ``continue_from(folder)`` can go on."""
        import gensim
        from lexiplug.checkpoint import write_bundle
        from lexiplug.errors import TrainingError

        if self.model is None:
            raise TrainingError("save_training_state() needs a fitted model: call fit first")
        model = self.model
        state = {"class": type(model).__name__, "gensim": gensim.__version__,
                 "vocabulary": len(model.wv), "vector_size": model.vector_size}
        return write_bundle(
            folder, fingerprint=f"{type(model).__name__}/{model.vector_size}", state=state,
            files={_MODEL_FILE: lambda path: model.save(str(path), separately=[])},
            signed=True,
        )


_MODEL_FILE = "model.gensim"
_CONTINUATION_KEYS = ("vector_size", "sg", "hs", "negative")


class GensimEmbedder(ProgressFromParams, GensimContinuation):
    """An embedder that is one gensim model class trained on our corpus pipeline.

    ``model_name`` names the class in ``gensim.models``, imported only when fitting;
    ``vector_options`` adds what the trained model offers the Vectors (an OOV policy).
    """

    name: str
    model_name: str

    def __init__(self, params: GensimParams) -> None:
        self.params = params
        self.model: Any = None
        self.train_seconds = 0.0

    def fit(self, corpus: Any) -> Vectors:
        import gensim.models

        model_class = getattr(gensim.models, self.model_name)
        self.model, encoded, self.train_seconds = train_gensim(
            model_class, corpus, self.params, previous=self.previous_model(model_class)
        )
        return vectors_from_model(self.model, encoded, method=self.name,
                                  params=asdict(self.params), **self.vector_options())

    def vector_options(self) -> dict[str, Any]:
        return {}
