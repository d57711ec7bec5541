"""A language model of the LM lab: train (seeded, checkpointed, resumable to the bit),
score held-out text in bits per byte, save and load, export word vectors.

Training draws ``batch_size`` windows of ``context`` units at offsets drawn from
``(seed, step)``, and the lexinvariant codes from the same pair, so a resumed run sees the
same batches as one that never stopped; a checkpoint (``<output>.checkpoints``, through
``lexiplug.checkpoint``) holds the weights, the AdamW state, the step, the training curve
and the scheme's state (the BPE vocabulary). The loss is the batch's negative
log-likelihood per byte, the quantity the lab reports.

Scoring cuts the text's units into consecutive windows of ``context`` (the last one
shorter); each window starts with BOS and predicts every one of its units, so every byte of
the text is predicted exactly once and ``bits_per_byte`` = (Σ NLL in bits) / (UTF-8 bytes).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError, TrainingError
from lexiplug.plugin_tools import read_saved_json

from .schemes import Units, WordPooledBytesScheme, scheme_by_name
from .settings import LMSettings, differences
from .text import Split, TextSource, apply_letter_cipher, read_files, split_books, text_files

if TYPE_CHECKING:
    from lexiplug.vectors import Vectors

logger = logging.getLogger(__name__)

FORMAT = "lexiplug-lm"
CONFIG = "config.json"
WEIGHTS = "model.safetensors"
LN2 = math.log(2.0)
CIPHERS = ("letters", "tokens")


@dataclass
class Scores:
    """Held-out scores: total bits and bytes, and both per context position."""

    bits: float
    n_bytes: int
    n_positions: int
    bits_by_position: np.ndarray
    bytes_by_position: np.ndarray
    n_replaced: int = 0
    cipher: str | None = None

    @property
    def bits_per_byte(self) -> float:
        return self.bits / self.n_bytes

    @property
    def positions_per_byte(self) -> float:
        return self.n_positions / self.n_bytes

    def by_parts(self, parts: int) -> list[float]:
        """Bits per byte over ``parts`` equal ranges of context positions (first to last)."""
        edges = np.linspace(0, len(self.bits_by_position), parts + 1).round().astype(int)
        out = []
        for start, end in itertools.pairwise(edges):
            counted = float(self.bytes_by_position[start:end].sum())
            bits = float(self.bits_by_position[start:end].sum())
            out.append(bits / counted if counted else float("nan"))
        return out

    def quarters(self) -> list[float]:
        return self.by_parts(4)

    def as_dict(self, parts: int = 16) -> dict[str, Any]:
        """JSON-able; a part of the context with no byte in it (short texts) is ``None``."""
        def finite(values: list[float]) -> list[float | None]:
            return [v if math.isfinite(v) else None for v in values]

        return {"bits_per_byte": self.bits_per_byte,
                "positions_per_byte": self.positions_per_byte,
                "bytes": self.n_bytes, "positions": self.n_positions,
                "quarters": finite(self.quarters()), "curve": finite(self.by_parts(parts)),
                "invalid_utf8_replaced": self.n_replaced, "cipher": self.cipher}


@dataclass
class TrainingRecord:
    history: list[dict[str, Any]] = field(default_factory=list)
    bytes_seen: int = 0
    positions_seen: int = 0
    seconds: float = 0.0
    steps: int = 0


def load_split(settings: LMSettings) -> Split:
    """The training and held-out text the settings name (module docstring of text.py)."""
    if settings.eval_data:
        train = read_files(text_files(settings.data, settings.pattern))
        held = read_files(text_files(settings.eval_data, settings.pattern),
                          what="held-out text")
        split = Split(train, held, f"held-out text: {settings.eval_data}")
    else:
        split = split_books(text_files(settings.data, settings.pattern),
                            held_out=settings.held_out, seed=settings.seed)
    split.train.text = first_bytes(split.train.text, settings.max_train_bytes)
    split.held_out.text = first_bytes(split.held_out.text, settings.max_eval_bytes)
    return split


def first_bytes(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` UTF-8 bytes (0: all of it)."""
    if not limit:
        return text
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def texts_split(train: str, held_out: str) -> Split:
    """A split of two texts given directly (tests, notebooks)."""
    return Split(TextSource(train), TextSource(held_out), "texts given")


class LanguageModel:
    """One scheme on the shared backbone: :meth:`train`, :meth:`evaluate`, :meth:`save`."""

    def __init__(self, settings: LMSettings, scheme: Any) -> None:
        self.settings = settings
        self.scheme = scheme
        self.network: Any = None
        self.record = TrainingRecord()
        self.data: dict[str, Any] = {}
        self.completed = False

    @classmethod
    def from_config(cls, path: str | Path, overrides: dict[str, Any] | None = None
                    ) -> LanguageModel:
        from .settings import read_config

        return cls(*read_config(path, overrides))

    # -- sizes -------------------------------------------------------------------------------

    @property
    def params(self) -> int:
        return sum(p.numel() for p in self._require_network().parameters())

    @property
    def backbone_params(self) -> int:
        return int(self._require_network().backbone_parameters())

    def _require_network(self) -> Any:
        if self.network is None:
            raise TrainingError("the model is not trained: call train() or load a saved one",
                                where="lm")
        return self.network

    # -- training ----------------------------------------------------------------------------

    def prepare(self, text: str) -> LanguageModel:
        """Fit the scheme on ``text`` and build the untrained network (seeded), on the CPU."""
        from .network import build_network

        self.scheme.fit(text)
        self.network = build_network(self.scheme, self.settings).eval()
        return self

    def fingerprint_body(self, split: Split) -> dict[str, Any]:
        return {"settings": self.settings.compared(),
                "scheme": {"name": self.scheme.registered_name, **self.scheme.settings()},
                "train_text_sha256": split.train.checksum()}

    def train(self, split: Split | None = None, *, resume: bool = False,
              stop_after: int | None = None, progress: bool = False) -> LanguageModel:
        """Train (or resume) for ``settings.max_steps`` steps; ``stop_after`` ends the run
        after that many steps with a checkpoint (``resume=True`` continues it later)."""
        from .network import torch_threads

        with torch_threads(self.settings.threads):
            return self._train(split or load_split(self.settings), resume=resume,
                               stop_after=stop_after, progress=progress)

    def _train(self, split: Split, *, resume: bool, stop_after: int | None,
               progress: bool) -> LanguageModel:
        import torch
        from lexiplug.checkpoint import CheckpointStore
        from lexiplug.devices import resolve_device
        from lexiplug.plugins.oov.training import restore, snapshot

        from .network import autocast, build_network, to_tensors

        s = self.settings
        if not split.train.text.strip():
            raise TrainingError("the training text is empty", where="data")
        device = resolve_device(s.device)
        body = self.fingerprint_body(split)
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        store = CheckpointStore(checkpoint_folder(s.output)) if s.output else None
        bundle = store.latest() if (store is not None and resume) else None
        if bundle is not None and bundle.fingerprint != fingerprint:
            saved = bundle.state.get("compared", {})
            what = differences(flatten(saved), flatten(body)) or ["(the fingerprint only)"]
            raise TrainingError("refusing to resume: the checkpoint was written for other "
                                "settings or data; " + "; ".join(what) + ". Start over "
                                "without --resume, or restore the settings",
                                where=str(bundle.path))
        if bundle is not None:
            self.scheme.load_state(bundle.state["scheme_state"])
        else:
            if store is not None and not resume and store.folder.is_dir():
                # a fresh run must not leave an older run's later checkpoints to --resume
                import shutil

                logger.warning("lm: starting over; removing the earlier checkpoints in %s",
                               store.folder)
                shutil.rmtree(store.folder)
            self.scheme.fit(split.train.text)
        units = self.scheme.encode(split.train.text)
        held = self.scheme.encode(split.held_out.text) \
            if s.eval_every and split.held_out.text else None
        self.data = {"split": split.how, "train_bytes": units.n_bytes,
                     "train_positions": len(units),
                     "invalid_utf8_replaced": split.train.n_replaced + split.held_out.n_replaced,
                     "empty_files_skipped": split.train.skipped_empty
                     + split.held_out.skipped_empty}
        network = build_network(self.scheme, s).to(device)
        optimizer = make_optimizer(network, s)
        record = TrainingRecord()
        if bundle is not None:
            record.steps = restore(network, optimizer, bundle.arrays,
                                   {"param_groups": bundle.state["param_groups"],
                                    "epoch": bundle.state["steps"]})
            record.history = list(bundle.state["history"])
            record.bytes_seen = int(bundle.state["bytes_seen"])
            record.positions_seen = int(bundle.state["positions_seen"])
            record.seconds = float(bundle.state["seconds"])
            logger.info("lm: resuming after step %d from %s", record.steps, bundle.path)
        self.network, self.record = network, record

        length = min(s.context, len(units))
        last = s.max_steps if stop_after is None else min(s.max_steps, stop_after)
        bar = progress_bar(total=s.max_steps * s.batch_size * length,
                           done=record.steps * s.batch_size * length,
                           desc=f"lm {self.scheme.name}", enabled=progress)
        window_bits, window_bytes = 0.0, 0
        try:
            for step in range(record.steps, last):
                started = time.perf_counter()
                network.train()
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(step, s)
                rng = np.random.default_rng([s.seed, step])
                starts = rng.integers(0, len(units) - length + 1, size=s.batch_size)
                batch = to_tensors(self.scheme.batch(
                    units, [(int(a), int(a) + length) for a in starts], length), device)
                generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
                with autocast(device, s.dtype):
                    nll = network(batch, generator)
                n_bytes = int(batch["nbytes"].sum())
                loss = nll.sum() / n_bytes
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), s.grad_clip)
                optimizer.step()
                record.seconds += time.perf_counter() - started
                record.steps = step + 1
                record.bytes_seen += n_bytes
                record.positions_seen += int(batch["mask"].sum())
                window_bits += float(nll.detach().sum()) / LN2
                window_bytes += n_bytes
                bar.update(s.batch_size * length)
                if record.steps % s.log_every == 0 or record.steps == s.max_steps:
                    entry = {"step": record.steps, "bytes_seen": record.bytes_seen,
                             "seconds": round(record.seconds, 3),
                             "train_bits_per_byte": window_bits / window_bytes}
                    if s.eval_every and held is not None and (
                            record.steps % s.eval_every == 0 or record.steps == s.max_steps):
                        entry["held_out_bits_per_byte"] = self.score_units(
                            held, max_windows=s.eval_batches * s.batch_size).bits_per_byte
                    record.history.append(entry)
                    bar.set_postfix(bpb=f"{entry['train_bits_per_byte']:.3f}")
                    logger.info("lm %s: step %d/%d, %.3f bits per byte (training batches)",
                                self.scheme.name, record.steps, s.max_steps,
                                entry["train_bits_per_byte"])
                    window_bits, window_bytes = 0.0, 0
                done = record.steps in (last, s.max_steps)
                if store is not None and (record.steps % s.checkpoint_every == 0 or done):
                    arrays, saved = snapshot(network, optimizer)
                    store.save(record.steps, fingerprint=fingerprint, arrays=arrays, state={
                        "param_groups": saved["param_groups"], "steps": record.steps,
                        "history": record.history, "bytes_seen": record.bytes_seen,
                        "positions_seen": record.positions_seen, "seconds": record.seconds,
                        "scheme_state": self.scheme.state(), "compared": body})
        finally:
            bar.close()
        network.eval()
        self.completed = record.steps >= s.max_steps
        return self

    # -- scoring -----------------------------------------------------------------------------

    def evaluate(self, text: str, *, context: int | None = None, cipher: str | None = None,
                 cipher_seed: int = 0, seed: int = 0, n_replaced: int = 0) -> Scores:
        """Bits per byte of ``text`` (module docstring). ``context``: positions per window
        (at most the trained context). ``cipher``: score the text under a random
        substitution drawn from ``cipher_seed``: ``letters`` (the 26 ASCII letters, upper
        case alike; any scheme) or ``tokens`` (a permutation of the BPE vocabulary, bits
        divided by the plain text's bytes; subword and lexinvariant only)."""
        if cipher is not None and cipher not in CIPHERS:
            raise ConfigError(f"expected one of {CIPHERS}; found {cipher!r}", where="cipher")
        if not text:
            raise ConfigError("the text to score is empty", where="text")
        if cipher == "letters":
            text = apply_letter_cipher(text, cipher_seed)
        units = self.scheme.encode(text)
        if cipher == "tokens":
            units = token_cipher(self.scheme, units, cipher_seed)
        scores = self.score_units(units, context=context, seed=seed)
        scores.n_replaced, scores.cipher = n_replaced, cipher
        return scores

    def score_units(self, units: Units, *, context: int | None = None, seed: int = 0,
                    max_windows: int | None = None) -> Scores:
        import torch

        from .network import autocast, to_tensors, torch_threads

        network = self._require_network()
        s = self.settings
        context = s.context if context is None else context
        if not isinstance(context, int) or context < 1:
            raise ConfigError(f"expected a positive number of positions; found {context!r}",
                              where="context")
        if context > s.context:
            raise ConfigError(f"a context of {context} positions is longer than the "
                              f"{s.context} this model was trained on; score with "
                              f"context <= {s.context}", where="context")
        if len(units) == 0:
            raise ConfigError("the text to score is empty", where="text")
        windows = [(a, min(a + context, len(units))) for a in range(0, len(units), context)]
        windows = windows[:max_windows] if max_windows else windows
        device = next(network.parameters()).device
        bits = np.zeros(context, dtype=np.float64)
        counted = np.zeros(context, dtype=np.int64)
        was_training = network.training
        network.eval()
        with torch.inference_mode(), torch_threads(s.threads):
            for index in range(0, len(windows), s.batch_size):
                chunk = windows[index:index + s.batch_size]
                batch = self.scheme.batch(units, chunk, context)
                generator = torch.Generator().manual_seed(
                    int(np.random.default_rng([seed, index]).integers(2**62)))
                with autocast(device, s.dtype):
                    nll = network(to_tensors(batch, device), generator)
                bits += nll.double().sum(dim=0).cpu().numpy() / LN2
                counted += batch["nbytes"].sum(axis=0)
        network.train(was_training)
        return Scores(float(bits.sum()), int(counted.sum()),
                      sum(end - start for start, end in windows), bits, counted)

    # -- word vectors ------------------------------------------------------------------------

    def word_vectors(self, words: Sequence[str], *, prefix: str = " ",
                     counts: Sequence[int] | None = None) -> Vectors:
        """The byte encoder's vector of each word, as ``Vectors`` (word_pooled_bytes only).

        Words are encoded as they appear in running text: after one space (``prefix``).
        """
        import torch
        from lexiplug.plugins.oov.byte_ids import byte_batch
        from lexiplug.vectors import Vectors

        from .network import torch_threads

        if not isinstance(self.scheme, WordPooledBytesScheme):
            raise ConfigError(f"only the word_pooled_bytes scheme has a byte word encoder; "
                              f"this model's scheme is {self.scheme.name}", where="scheme")
        network = self._require_network()
        words = list(dict.fromkeys(words))
        if not words:
            raise ConfigError("no words to encode", where="words")
        head = network.head
        device = next(network.parameters()).device
        rows = []
        with torch.inference_mode(), torch_threads(self.settings.threads):
            for start in range(0, len(words), 4096):
                batch = byte_batch([prefix + w for w in words[start:start + 4096]],
                                   self.scheme.max_word_bytes)
                rows.append(head.encode_words(torch.from_numpy(batch.ids).to(device),
                                              torch.from_numpy(batch.lengths).to(device))
                            .float().cpu().numpy())
        return Vectors(words, np.concatenate(rows), counts=counts,
                       metadata={"source": "lexiplug.lm word_pooled_bytes encoder",
                                 "prefix": prefix})

    # -- saving ------------------------------------------------------------------------------

    def save(self, path: str | Path, metrics: dict[str, Any] | None = None) -> Path:
        """``config.json`` (settings, scheme and its state, training curve, metrics) and
        ``model.safetensors``, written atomically into the folder ``path``."""
        from lexiplug.atomic import atomic_dir
        from safetensors.torch import save_file

        network = self._require_network()
        config = {"format": FORMAT, "version": 1, "settings": self.settings.as_dict(),
                  "scheme": {"name": self.scheme.registered_name,
                             "options": self.scheme.settings(), "state": self.scheme.state()},
                  "data": self.data, "steps": self.record.steps,
                  "bytes_seen": self.record.bytes_seen,
                  "positions_seen": self.record.positions_seen,
                  "train_seconds": self.record.seconds, "history": self.record.history,
                  "params": self.params, "backbone_params": self.backbone_params,
                  "metrics": metrics or {}}
        with atomic_dir(Path(path)) as tmp:
            state = {k: v.detach().cpu().contiguous() for k, v in network.state_dict().items()}
            save_file(state, str(tmp / WEIGHTS))
            (tmp / CONFIG).write_text(json.dumps(config, indent=1), encoding="utf-8")
        return Path(path)

    @classmethod
    def load(cls, path: str | Path, *, device: str = "cpu") -> LanguageModel:
        """A saved model; :class:`FormatError` names the file and what does not fit."""
        from lexiplug.devices import resolve_device
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        from .network import build_network

        folder = Path(path)
        config = read_saved_config(folder / CONFIG)
        try:
            settings = LMSettings(**{**config["settings"], "device": device})
            scheme = scheme_by_name(config["scheme"]["name"], config["scheme"]["options"])
        except (ConfigError, TypeError, KeyError) as error:
            raise FormatError(f"invalid settings ({error})", path=folder / CONFIG) from None
        scheme.load_state(config["scheme"]["state"])
        model = cls(settings, scheme)
        network = build_network(scheme, settings)
        try:
            weights = load_file(str(folder / WEIGHTS))
        except (OSError, SafetensorError) as error:
            raise FormatError(f"expected the model's weights ({error})",
                              path=folder / WEIGHTS) from None
        problems = weight_problems(network.state_dict(), weights)
        if problems:
            raise FormatError("the weights do not fit the network config.json describes: "
                              + "; ".join(problems[:6]), path=folder / WEIGHTS)
        network.load_state_dict(weights)
        model.network = network.to(resolve_device(device)).eval()
        model.record = TrainingRecord(list(config.get("history", [])),
                                      int(config.get("bytes_seen", 0)),
                                      int(config.get("positions_seen", 0)),
                                      float(config.get("train_seconds", 0.0)),
                                      int(config.get("steps", 0)))
        model.data = dict(config.get("data", {}))
        model.completed = True
        return model


def read_saved_config(path: Path) -> dict[str, Any]:
    config = read_saved_json(path, FORMAT, "a saved LM folder (config.json and "
                             "model.safetensors)")
    for key in ("settings", "scheme"):
        if not isinstance(config.get(key), dict):
            raise FormatError(f"expected field {key!r} to be an object", path=path)
    return config


def weight_problems(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    problems = [f"missing {k}" for k in expected if k not in found]
    problems += [f"unexpected {k}" for k in found if k not in expected]
    problems += [f"{k}: shape {tuple(found[k].shape)} in the file, "
                 f"{tuple(v.shape)} in the network"
                 for k, v in expected.items() if k in found and found[k].shape != v.shape]
    return problems


def token_cipher(scheme: Any, units: Units, seed: int) -> Units:
    """``units`` with every token id replaced through a random permutation of the vocabulary
    (bytes per unit kept: the plain text's bytes stay the denominator)."""
    vocabulary = getattr(scheme, "vocabulary", None)
    if vocabulary is None or units.ids.ndim != 1:
        raise ConfigError(f"a token cipher needs a token vocabulary (subword or lexinvariant "
                          f"schemes); this model's scheme is {scheme.name}", where="cipher")
    permutation = np.random.default_rng([seed, 7]).permutation(vocabulary)
    return Units(permutation[units.ids], units.nbytes)


def learning_rate(step: int, settings: LMSettings) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to a tenth at ``max_steps``."""
    peak = settings.learning_rate
    if step < settings.warmup:
        return peak * (step + 1) / settings.warmup
    span = max(1, settings.max_steps - settings.warmup)
    progress = min(1.0, (step - settings.warmup) / span)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def make_optimizer(network: Any, settings: LMSettings) -> Any:
    """AdamW; weight decay on matrices only (not on norms, biases or single vectors)."""
    import torch

    decay = [p for p in network.parameters() if p.dim() >= 2]
    other = [p for p in network.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": settings.weight_decay},
                              {"params": other, "weight_decay": 0.0}],
                             lr=settings.learning_rate, betas=(0.9, 0.95))


def checkpoint_folder(output: str | Path) -> Path:
    return Path(str(output) + ".checkpoints")


def flatten(body: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"settings": {"dim": 8}}`` -> ``{"dim": 8}``; the scheme's keys as ``scheme.x``."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            inner = "" if key == "settings" else f"{prefix}{key}."
            out.update(flatten(value, inner))
        else:
            out[f"{prefix}{key}"] = value
    return out


class _NoBar:
    def update(self, n: int) -> None: ...

    def set_postfix(self, **kwargs: Any) -> None: ...

    def close(self) -> None: ...


def progress_bar(*, total: int, done: int, desc: str, enabled: bool) -> Any:
    """A tqdm bar counting backbone positions (its rate is tokens per second)."""
    if not enabled:
        return _NoBar()
    from lexiplug.cli.progress import BAR_DELAY_S
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, desc=desc, unit="tok", unit_scale=True,
                delay=BAR_DELAY_S, leave=False)
