"""``lexiplug.binary_pv.v1``: Binary Paragraph Vector codes learned straight from text.

Modes (binary_pv_model.py has the maths): ``dbow`` (Binary PV-DBOW), ``dm`` (Binary
PV-DM) and ``real_binary`` (Real-Binary PV-DBOW: a ``bits``-bit code and a ``dim``-wide real
vector from the same document embedding; retrieval filters by Hamming distance, then
re-ranks by cosine). Codes are stored packed (``numpy.packbits``: 128 bits in 16 bytes).
``infer`` optimises new document vectors with every word weight frozen. Training writes a
checkpoint every ``checkpoint_every`` epochs when ``configure_checkpoints`` named a folder,
and resumes from the newest one exactly (see binary_pv_model.py on the seeding).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

from .checks import check_learning_rate, positive_integers
from .corpus import labels_of, tokenised_documents
from .doc_vectors import DocumentVectors, check_bits
from .newsgroups import document_tokens
from .token_ids import Vocabulary, build_vocabulary, encode, keep_probabilities
from .torch_threads import torch_threads

NAME = "lexiplug.binary_pv.v1"
MODES = ("dbow", "dm", "real_binary")
logger = logging.getLogger(__name__)
# settings that do not change what one epoch computes: a resumed run may differ in them
_NOT_IN_FINGERPRINT = ("epochs", "checkpoint_every", "infer_epochs", "threads")
# bumped when the network's parameters change, so an older checkpoint is refused by name
_MODEL_FORMAT = b"binary_pv model 2: per-word output biases"


@dataclass
class BinaryPVSettings:
    """Binary PV-DBOW / PV-DM / Real-Binary PV-DBOW in torch, negative sampling."""

    mode: str = "dbow"
    bits: int = 128
    dim: int = 100
    min_count: int = 2
    epochs: int = 10
    negative: int = 5
    sample: float = 1e-4
    window: int = 5
    batch_size: int = 2048
    learning_rate: float = 0.003
    noise: float = 0.0
    infer_epochs: int | None = None
    infer_learning_rate: float | None = None
    checkpoint_every: int = 1
    threads: int | None = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"expected one of {MODES}, found {self.mode!r}", where="mode")
        check_bits(self.bits)
        positive_integers(self, ("dim", "min_count", "epochs", "negative", "window", "batch_size",
                     "checkpoint_every"))
        if self.infer_epochs is not None:
            positive_integers(self, ("infer_epochs",))
        if self.infer_learning_rate is not None:
            check_learning_rate(self.infer_learning_rate, "infer_learning_rate")
        check_learning_rate(self.learning_rate, "learning_rate")
        if self.noise < 0:
            raise ConfigError(f"expected a noise std >= 0, found {self.noise!r}",
                              where="noise")


@dataclass
class BinaryPVEmbedder:
    settings: BinaryPVSettings
    checkpoint_folder: Path | None = None
    resume: bool = False
    losses: list[float] = field(default_factory=list)
    words: Vocabulary | None = field(default=None, repr=False)
    model: Any = field(default=None, repr=False)
    # expected examples in one training epoch: inference draws as many updates per document
    train_examples: float = field(default=0.0, repr=False)

    @property
    def vocabulary(self) -> dict[str, int]:
        return self.words.index if self.words is not None else {}

    def configure_checkpoints(self, folder: str | Path | None, *, resume: bool = False
                              ) -> None:
        self.checkpoint_folder = None if folder is None else Path(folder)
        self.resume = resume

    def fit(self, docs: Any) -> DocumentVectors:
        with torch_threads(self.settings.threads):
            return self._fit(docs)

    def _fit(self, docs: Any) -> DocumentVectors:
        import torch

        from . import binary_pv_model as bpv

        s = self.settings
        triples = tokenised_documents(docs)
        keys = [key for key, _, _ in triples]
        labels = labels_of(triples)
        self.words = build_vocabulary([tokens for _, tokens, _ in triples], s.min_count)
        documents = encode([tokens for _, tokens, _ in triples], self.words, keys,
                           hint=f"; each of its words occurs fewer than min_count = "
                                f"{s.min_count} times: lower min_count or remove it")
        model = bpv.BinaryPV(len(documents), len(self.words.words), dim=s.dim, bits=s.bits,
                             mode=s.mode, seed=s.seed)
        optimizer = bpv.make_optimizer(model, s.learning_rate)
        fingerprint = self._fingerprint(keys)
        first_epoch = self._restore(model, optimizer, fingerprint)
        keep = keep_probabilities(self.words.counts, s.sample)
        self.train_examples = bpv.examples_per_epoch(documents, keep, s.mode)
        noise = torch.from_numpy(bpv_noise(self.words.counts))
        for epoch in range(first_epoch, s.epochs):
            loss = bpv.run_epoch(model, model.docs, optimizer, documents, s, keep, noise,
                                 epoch, s.seed)
            if not np.isfinite(loss):
                raise TrainingError(f"the loss became {loss} in epoch {epoch + 1}; lower "
                                    "learning_rate", where="learning_rate")
            self.losses.append(loss)
            logger.info("binary_pv %s epoch %d: loss %.4f", s.mode, epoch + 1, loss)
            if self.checkpoint_folder is not None and (
                    (epoch + 1) % s.checkpoint_every == 0 or epoch + 1 == s.epochs):
                self._save(model, optimizer, fingerprint, epoch + 1)
        self.model = model
        real = model.docs.detach().numpy().copy() if s.mode == "real_binary" else None
        return DocumentVectors(keys, labels, vectors=real, codes=bpv.codes_of(model, model.docs),
                               bits=s.bits, metadata={"model": NAME, "mode": s.mode,
                                                      "losses": self.losses}, model=self)

    def infer_rows(self, texts: Sequence[str]) -> DocumentVectors:
        """Codes (and real vectors for ``real_binary``) of unseen texts, word weights frozen."""
        with torch_threads(self.settings.threads):
            return self._infer_rows(texts)

    def _infer_rows(self, texts: Sequence[str]) -> DocumentVectors:
        import torch

        from . import binary_pv_model as bpv

        if self.model is None or self.words is None:
            raise TrainingError("infer() needs a fitted model; call fit() first", where="infer")
        s = self.settings
        documents = encode([document_tokens(t) for t in texts], self.words,
                           [f"text {i}" for i in range(len(texts))])
        model = self.model
        generator = torch.Generator().manual_seed(s.seed + 7)
        doc_vectors = torch.nn.Parameter(bpv.document_init(len(documents), s.dim, generator))
        frozen = [p for p in model.parameters() if p.requires_grad]
        for parameter in frozen:
            parameter.requires_grad_(False)
        try:
            # as many updates per epoch as a training document got: an Adam step moves a
            # vector by about the learning rate whatever the batch holds, so the new texts are
            # split into as many batches as the training set was. A fixed batch size made a
            # query's vector depend on how many other queries came with it. The rate is 10x
            # the training's by default: the database vectors were trained while the word
            # weights moved, a query is fitted to the final ones, and on 20 Newsgroups the
            # faster-converged query vectors retrieve better by cosine (MAP 0.205 vs 0.160 at
            # the training's rate, bench/RESULTS.md); codes are unaffected either way.
            rate = s.infer_learning_rate or 10 * s.learning_rate
            optimizer = bpv.PairedAdam(torch.optim.SparseAdam([doc_vectors], lr=rate))
            keep = keep_probabilities(self.words.counts, s.sample)
            noise = torch.from_numpy(bpv_noise(self.words.counts))
            examples = bpv.examples_per_epoch(documents, keep, s.mode)
            batch_size = max(1, round(s.batch_size * examples / max(self.train_examples, 1.0)))
            for epoch in range(s.infer_epochs or s.epochs):
                bpv.run_epoch(model, doc_vectors, optimizer, documents, s, keep, noise,
                              epoch, s.seed + 1, batch_size)
        finally:
            for parameter in frozen:
                parameter.requires_grad_(True)
        real = doc_vectors.detach().numpy().copy() if s.mode == "real_binary" else None
        return DocumentVectors([str(i) for i in range(len(texts))], None, vectors=real,
                               codes=bpv.codes_of(model, doc_vectors), bits=s.bits)

    def infer(self, texts: Sequence[str]) -> np.ndarray:
        """Packed codes ``(len(texts), bits // 8)`` of unseen texts."""
        codes = self.infer_rows(texts).codes
        assert codes is not None
        return codes

    # -- checkpoints -----------------------------------------------------------------------

    def _fingerprint(self, keys: Sequence[str]) -> str:
        assert self.words is not None
        settings = {k: v for k, v in asdict(self.settings).items()
                    if k not in _NOT_IN_FINGERPRINT}
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
        digest.update(_MODEL_FORMAT)
        digest.update("\n".join(keys).encode())
        digest.update("\n".join(self.words.words).encode())
        return digest.hexdigest()

    def _save(self, model: Any, optimizer: Any, fingerprint: str, epoch: int) -> None:
        from lexiplug.checkpoint import CheckpointStore

        from .binary_pv_model import optimizer_arrays

        assert self.checkpoint_folder is not None
        arrays = {f"model.{k}": v.detach().numpy() for k, v in model.state_dict().items()}
        arrays.update(optimizer_arrays(optimizer))
        CheckpointStore(self.checkpoint_folder).save(
            epoch, fingerprint=fingerprint, state={"epoch": epoch, "losses": self.losses},
            arrays=arrays)

    def _restore(self, model: Any, optimizer: Any, fingerprint: str) -> int:
        if not (self.resume and self.checkpoint_folder is not None):
            return 0
        import torch
        from lexiplug.checkpoint import CheckpointStore

        from .binary_pv_model import load_optimizer_arrays

        bundle = CheckpointStore(self.checkpoint_folder).latest()
        if bundle is None:
            return 0
        if bundle.fingerprint != fingerprint:
            raise TrainingError("the checkpoint was written for other settings or other "
                                "documents; resume with the same ones or start a new folder",
                                where=str(bundle.path))
        model.load_state_dict({k[len("model."):]: torch.from_numpy(np.array(v))
                               for k, v in bundle.arrays.items() if k.startswith("model.")})
        load_optimizer_arrays(optimizer, bundle.arrays)
        self.losses = list(bundle.state.get("losses", []))
        logger.info("binary_pv: resumed after epoch %d", bundle.state["epoch"])
        return int(bundle.state["epoch"])


def bpv_noise(counts: np.ndarray) -> np.ndarray:
    from .token_ids import noise_distribution

    return noise_distribution(counts).astype(np.float64)


binary_pv_v1 = settings_factory(BinaryPVEmbedder, BinaryPVSettings, name="binary_pv_v1")


def register(registry: Registries) -> None:
    registry.doc_embedders.register(NAME, func=binary_pv_v1)
