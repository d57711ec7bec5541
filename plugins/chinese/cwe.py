"""``lexiplug.cwe.v1``: character-enhanced word embeddings (CWE) for Chinese.

Chen, Xu, Liu, Sun, Luan (2015), "Joint learning of character and word embeddings", IJCAI.
Words and their characters are trained together: in CBOW (or skip-gram) with negative
sampling, a context word enters as ``x_w = 1/2 (w + 1/N sum_k c_k)``, the mean of its word
vector and its characters' mean, so a rare word borrows from characters that frequent words
trained. ``characters = "position"`` gives each character a begin / middle / end vector (the
paper's position-based CWE); ``"agnostic"`` one vector per character; ``"none"`` trains plain
word2vec with the same kernel (the like-for-like baseline). Non-compositional words (single
characters, words without Han characters, transliterations: see composition.py) enter as
their word vector alone.

Output: word vectors (``word_vectors = "composed"``: ``x_w`` as above, the paper's choice for
evaluation; ``"word"``: the word rows alone), whose OOV policy composes an unknown word from
its characters' vectors (``oov="subword"``); the character vectors are on the embedder as
``character_vectors`` after ``fit``. The maths is in cwe_kernels.py (checked against
cwe_reference.py). Training is single-threaded and seeded, so a run is reproducible; with
``checkpoint_dir`` every epoch ends in a checkpoint and ``resume`` continues bit-identically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.vectors import Vectors

    from .composition import CharacterComposer, CharacterTable

logger = logging.getLogger(__name__)

NAME = "lexiplug.cwe.v1"
CHARACTER_MODES = ("agnostic", "position", "none")
WORD_OUTPUTS = ("composed", "word")
_TABLE_DOMAIN = 2**31 - 1
_MAX_WINDOW = 1000


def _require(condition: bool, key: str, expected: str, found: Any) -> None:
    if not condition:
        raise ConfigError(f"expected {expected}, got {found!r}", where=key)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass
class CWESettings:
    """Settings of ``lexiplug.cwe.v1`` (each checked when the settings are made)."""

    characters: str = "agnostic"
    sg: bool = False
    vector_size: int = 100
    window: int = 5
    negative: int = 5
    sample: float = 1e-3
    alpha: float | None = None  # None: 0.05 for CBOW, 0.025 for skip-gram (word2vec.c)
    min_alpha: float = 1e-4
    epochs: int = 10
    min_count: int = 2
    max_vocab: int | None = None
    min_char_count: int = 1
    exclude: list[str] = field(default_factory=list)
    exclude_file: str | None = None
    builtin_exclusions: bool = True
    word_vectors: str = "composed"
    seed: int = 1
    checkpoint_dir: str | None = None
    resume: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        _require(self.characters in CHARACTER_MODES, "characters", f"one of {CHARACTER_MODES}",
                 self.characters)
        _require(self.word_vectors in WORD_OUTPUTS, "word_vectors", f"one of {WORD_OUTPUTS}",
                 self.word_vectors)
        for key in ("vector_size", "negative", "epochs", "min_count", "min_char_count"):
            _require(_positive_int(getattr(self, key)), key, "a positive integer",
                     getattr(self, key))
        _require(_positive_int(self.window) and self.window <= _MAX_WINDOW, "window",
                 f"a context window of 1 to {_MAX_WINDOW} words", self.window)
        if self.max_vocab is not None:
            _require(_positive_int(self.max_vocab), "max_vocab", "a positive integer or null",
                     self.max_vocab)
        _require(0 <= self.sample < 1, "sample", "a subsampling threshold in [0, 1)",
                 self.sample)
        if self.alpha is not None:
            _require(0 < self.alpha <= 1, "alpha", "a learning rate in (0, 1]", self.alpha)
        _require(0 <= self.min_alpha <= self.start_alpha, "min_alpha",
                 f"a final learning rate in [0, alpha={self.start_alpha}]", self.min_alpha)
        _require(isinstance(self.exclude, (list, tuple)) and
                 all(isinstance(word, str) for word in self.exclude),
                 "exclude", "a list of words", self.exclude)
        if self.exclude_file is not None and not Path(self.exclude_file).expanduser().is_file():
            raise ConfigError(f"expected a file of words, one a line; {self.exclude_file!r} "
                              "does not exist", where="exclude_file")

    @property
    def start_alpha(self) -> float:
        if self.alpha is not None:
            return self.alpha
        return 0.025 if self.sg else 0.05

    def fingerprint(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed (more epochs may be asked for)."""
        skip = {"epochs", "checkpoint_dir", "resume", "progress", "word_vectors"}
        return {k: v for k, v in asdict(self).items() if k not in skip}


def excluded_words(settings: CWESettings) -> frozenset[str]:
    """The built-in transliterations, ``exclude`` and the lines of ``exclude_file``."""
    from .composition import TRANSLITERATIONS

    words = set(TRANSLITERATIONS) if settings.builtin_exclusions else set()
    words.update(settings.exclude)
    if settings.exclude_file is not None:
        from lexiplug.corpus.sources import iter_lines

        for _, line in iter_lines(Path(settings.exclude_file).expanduser()):
            if line.strip() and not line.lstrip().startswith("#"):
                words.add(line.strip())
    return frozenset(words)


def cumulative_table(counts: np.ndarray, exponent: float = 0.75) -> np.ndarray:
    """Negative-sampling table (gensim's ``cum_table``): cumulative counts**0.75 scaled to
    2**31 - 1; word ``w`` is drawn when a uniform integer falls in its step."""
    weights = np.asarray(counts, dtype=np.float64) ** exponent
    table = np.round(np.cumsum(weights) / weights.sum() * _TABLE_DOMAIN).astype(np.int64)
    table[-1] = _TABLE_DOMAIN
    return table


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's subsampling: keep ``w`` with probability (sqrt(f/t) + 1) t/f, t = sample x
    tokens (capped at 1; 1 everywhere when ``sample`` is 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(counts / threshold) + 1) * threshold / counts
    return np.minimum(np.nan_to_num(keep, nan=1.0, posinf=1.0), 1.0)


def epoch_seed(seed: int, epoch: int) -> int:
    """The LCG start of ``epoch``: a function of (seed, epoch) only, so resuming after
    epoch k replays epochs k+1.. exactly as an uninterrupted run."""
    return (seed * 1_000_003 + epoch * 7919 + 1) & ((1 << 64) - 1)


class CWEEmbedder:
    """CWE (or plain word2vec, ``characters = "none"``) on a segmented Chinese corpus."""

    name = NAME

    def __init__(self, settings: CWESettings) -> None:
        self.settings = settings
        self.character_vectors: Vectors | None = None
        self.fit_seconds: float | None = None
        self._composer: CharacterComposer | None = None

    @property
    def progress(self) -> bool:
        return bool(self.settings.progress)

    @progress.setter
    def progress(self, value: bool) -> None:
        self.settings.progress = value

    def configure_checkpoints(self, folder: str | Path | None, *, resume: bool = False) -> None:
        """Checkpoint into ``folder`` after every epoch; ``resume`` continues from it."""
        self.settings.checkpoint_dir = None if folder is None else str(folder)
        self.settings.resume = resume

    saved_model_name = "character_model"  # the folder `lexiplug train` saves it as

    def save_model(self, path: str | Path) -> Path:
        """Save the character rows (``characters/``, native vectors; position-based keys
        ``北@B``/``北@M``/``北@E``) and ``composition.json``, so unknown words can be composed again
        after a save (:func:`load_character_composer`)."""
        from lexiplug.atomic import atomic_dir
        from lexiplug.vectors import Vectors

        if self.fit_seconds is None:
            raise TrainingError("nothing to save: fit() has not run")
        if self._composer is None:  # characters = "none": plain word vectors, no model
            logger.info("characters = 'none': no character model to save")
            return Path(path)
        table = self._composer.table
        keys = ([f"{char}@{tag}" for char in table.characters for tag in "BME"]
                if table.position_based else list(table.characters))
        with atomic_dir(path) as tmp:
            Vectors(keys, self._composer.char_matrix[: len(keys)],
                    counts=table.row_counts).save(tmp / "characters")
            info = {"method": NAME, "position_based": table.position_based,
                    "characters": table.characters}
            (tmp / "composition.json").write_text(json.dumps(info, ensure_ascii=False),
                                                  encoding="utf-8")
        return Path(path)

    def fit(self, corpus: Any) -> Vectors:
        """Train on ``corpus``: a Corpus (e.g. ``tokenizer = "jieba"``), an EncodedCorpus,
        token lists, or raw strings (segmented here with jieba)."""
        start = time.perf_counter()
        encoded = self._encode(corpus)
        table = self._character_table(encoded)
        state, first_epoch = self._initial_state(encoded, table)
        fingerprint = self._fingerprint(encoded)
        self._run_epochs(encoded, table, state, first_epoch, fingerprint)
        vectors = self._outputs(encoded, table, state)
        self.fit_seconds = time.perf_counter() - start
        return vectors

    # -- input -------------------------------------------------------------------------------

    def _encode(self, corpus: Any) -> EncodedCorpus:
        from lexiplug.corpus.encoded import encode_corpus, encode_sentences

        s = self.settings
        if all(hasattr(corpus, attr) for attr in ("vocab", "ids", "offsets")):
            encoded = corpus
        elif hasattr(corpus, "checksum") and hasattr(corpus, "iter_sentences"):
            encoded = encode_corpus(corpus, min_count=s.min_count, max_vocab=s.max_vocab,
                                    progress=s.progress)
        else:
            encoded = encode_sentences(_token_lists(corpus), min_count=s.min_count,
                                       max_vocab=s.max_vocab)
        if len(encoded.vocab.words) == 0 or encoded.n_tokens == 0:
            raise TrainingError(
                f"no word occurs at least min_count={s.min_count} times in the corpus "
                f"({getattr(encoded, 'raw_token_count', 0)} tokens read)", where="min_count")
        return encoded

    def _character_table(self, encoded: EncodedCorpus) -> CharacterTable:
        from .composition import build_character_table

        s = self.settings
        excluded = excluded_words(s) if s.characters != "none" else frozenset()
        words = list(encoded.vocab.words)
        if s.characters == "none":
            words = ["" for _ in words]  # no word has characters: plain word2vec
        return build_character_table(words, encoded.vocab.counts, excluded=excluded,
                                     position_based=s.characters == "position",
                                     min_char_count=s.min_char_count)

    # -- training ----------------------------------------------------------------------------

    def _initial_state(self, encoded: EncodedCorpus,
                       table: CharacterTable) -> tuple[dict[str, np.ndarray], int]:
        s = self.settings
        folder = Path(s.checkpoint_dir) if s.checkpoint_dir else None
        if s.resume and folder is not None:
            resumed = self._load_checkpoint(folder, self._fingerprint(encoded))
            if resumed is not None:
                return resumed
            logger.info("resume: no CWE checkpoint in %s, starting from epoch 1", folder)
        rng = np.random.default_rng(s.seed)
        dim = s.vector_size

        def uniform(rows: int) -> np.ndarray:  # word2vec.c: (rand - 0.5) / dim
            return ((rng.random((rows, dim)) - 0.5) / dim).astype(np.float32)

        n_words = len(encoded.vocab.words)
        state = {"W": uniform(n_words), "C": uniform(max(table.n_rows, 1)),
                 "Out": np.zeros((n_words, dim), dtype=np.float32)}
        return state, 0

    def _run_epochs(self, encoded: EncodedCorpus, table: CharacterTable,
                    state: dict[str, np.ndarray], first_epoch: int, fingerprint: str) -> None:
        from tqdm.auto import tqdm

        from .cwe_kernels import train_epoch

        s = self.settings
        ids = np.array(encoded.ids, dtype=np.int32)  # a plain array: the cache is a memmap
        offsets = np.array(encoded.offsets, dtype=np.int64)
        counts = np.asarray(encoded.vocab.counts)
        cum_table = cumulative_table(counts)
        keep = keep_probabilities(counts, s.sample)
        total_words = s.epochs * len(ids)
        bar = tqdm(total=s.epochs, initial=first_epoch, desc="CWE epochs", unit="epoch",
                   disable=not _progress_enabled(s.progress), leave=False)
        for epoch in range(first_epoch, s.epochs):
            train_epoch(ids, offsets, state["W"], state["C"], state["Out"], table.char_start,
                        table.char_rows, keep, cum_table, s.window, s.negative, s.sg,
                        s.start_alpha, s.min_alpha, total_words, epoch * len(ids),
                        np.uint64(epoch_seed(s.seed, epoch)))
            if not all(np.isfinite(state[k]).all() for k in ("W", "C", "Out")):
                raise TrainingError(f"CWE diverged at epoch {epoch + 1}; lower alpha "
                                    f"({s.start_alpha})", where="alpha")
            bar.update(1)
            if s.checkpoint_dir:
                self._save_checkpoint(Path(s.checkpoint_dir), state, epoch + 1, fingerprint)
        bar.close()

    def _fingerprint(self, encoded: EncodedCorpus) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(self.settings.fingerprint(), sort_keys=True).encode())
        digest.update("\n".join(encoded.vocab.words).encode("utf-8"))
        digest.update(np.asarray(encoded.vocab.counts, dtype=np.int64).tobytes())
        digest.update(str(encoded.n_tokens).encode())
        return digest.hexdigest()[:16]

    def _save_checkpoint(self, folder: Path, state: dict[str, np.ndarray], epochs_done: int,
                         fingerprint: str) -> None:
        from lexiplug.checkpoint import CheckpointStore

        info = {"epochs_done": epochs_done, "params": self.settings.fingerprint()}
        CheckpointStore(folder).save(epochs_done, fingerprint=fingerprint, state=info,
                                     arrays=state)

    def _load_checkpoint(self, folder: Path,
                         fingerprint: str) -> tuple[dict[str, np.ndarray], int] | None:
        from lexiplug.checkpoint import CheckpointStore

        checkpoint = CheckpointStore(folder).latest()
        if checkpoint is None:
            return None
        if checkpoint.fingerprint != fingerprint:
            raise TrainingError(
                "the checkpoint was made with another corpus or other CWE settings "
                f"(checkpoint settings {checkpoint.state.get('params')}); delete {folder} or "
                "drop resume", where=str(checkpoint.path))
        epochs_done = int(checkpoint.state["epochs_done"])
        logger.info("resuming CWE from %s after epoch %d", checkpoint.path, epochs_done)
        arrays = {k: np.array(checkpoint.arrays[k], dtype=np.float32) for k in ("W", "C", "Out")}
        return arrays, min(epochs_done, self.settings.epochs)

    # -- output ------------------------------------------------------------------------------

    def _outputs(self, encoded: EncodedCorpus, table: CharacterTable,
                 state: dict[str, np.ndarray]) -> Vectors:
        from lexiplug.vectors import Vectors

        from .composition import CharacterComposer

        s = self.settings
        W, C = state["W"], state["C"]
        matrix = W.copy()
        if s.word_vectors == "composed":
            for word in range(len(matrix)):
                rows = table.char_rows[table.char_start[word]:table.char_start[word + 1]]
                if len(rows):
                    matrix[word] = 0.5 * (W[word] + C[rows].mean(axis=0))
        self.character_vectors = self._character_vectors(table, C)
        metadata = {"method": NAME, "params": {k: v for k, v in asdict(s).items()
                                               if k not in ("checkpoint_dir",)},
                    "n_tokens": int(encoded.n_tokens), "n_characters": len(table.characters)}
        composer = CharacterComposer(table, C) if s.characters != "none" else None
        self._composer = composer
        return Vectors(list(encoded.vocab.words), matrix,
                       counts=np.asarray(encoded.vocab.counts, dtype=np.int64),
                       metadata=metadata, oov="subword" if composer else "error",
                       oov_provider=composer)

    @staticmethod
    def _character_vectors(table: CharacterTable, C: np.ndarray) -> Vectors | None:
        """One vector per character; position-based: the count-weighted mean of its rows."""
        from lexiplug.vectors import Vectors

        if not table.characters:
            return None
        if not table.position_based:
            return Vectors(list(table.characters), C[: len(table.characters)].copy(),
                           counts=table.row_counts.copy())
        weights = table.row_counts.reshape(-1, 3).astype(np.float64)
        totals = np.maximum(weights.sum(axis=1, keepdims=True), 1.0)
        stacked = C.reshape(len(table.characters), 3, -1).astype(np.float64)
        matrix = (stacked * (weights / totals)[:, :, None]).sum(axis=1)
        return Vectors(list(table.characters), matrix.astype(np.float32),
                       counts=weights.sum(axis=1).astype(np.int64))


def load_character_composer(path: str | Path) -> CharacterComposer:
    """The composer a :meth:`CWEEmbedder.save_model` folder holds; attach it to loaded word
    vectors with ``vectors.set_oov_policy("subword", composer)``."""
    from lexiplug.errors import FormatError
    from lexiplug.vectors import Vectors

    from .composition import CharacterComposer, CharacterTable

    folder = Path(path)
    try:
        info = json.loads((folder / "composition.json").read_text(encoding="utf-8"))
        characters, position_based = list(info["characters"]), bool(info["position_based"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise FormatError(f"expected a CWE model folder with composition.json ({error})",
                          path=folder) from None
    rows = Vectors.load(folder / "characters")
    if len(rows) != len(characters) * (3 if position_based else 1):
        raise FormatError("characters/ does not match composition.json", path=folder)
    counts = rows.counts if rows.counts is not None else np.ones(len(rows), dtype=np.int64)
    table = CharacterTable(characters, position_based, np.zeros(1, dtype=np.int64),
                           np.zeros(0, dtype=np.int32), np.asarray(counts, dtype=np.int64))
    return CharacterComposer(table, np.asarray(rows.matrix, dtype=np.float32))


def _progress_enabled(progress: bool) -> bool:
    import os

    return progress and os.environ.get("TQDM_DISABLE", "").lower() not in ("1", "true")


def _token_lists(corpus: Iterable[Any]) -> Iterable[list[str]]:
    """Token lists as given; strings segmented with jieba (one segmenter for the call)."""
    segment = None
    for item in corpus:
        if isinstance(item, str):
            if segment is None:
                from lexiplug.corpus.chinese import jieba_tokenizer

                segment = jieba_tokenizer()
            yield next(iter(segment([item])))
        else:
            yield list(item)


make_cwe = settings_factory(CWEEmbedder, CWESettings, name="make_cwe")


def register(registry: Registries) -> None:
    registry.embedders.register(NAME, func=make_cwe)
