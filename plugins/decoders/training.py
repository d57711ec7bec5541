"""Contrastive fine-tuning of a decoder encoder (``lexiplug embed-train CONFIG``).

Pairs come from a JSON-lines file, one ``{"query": ..., "positive": ..., "negatives": [...],
"group": ...}`` per line (``negatives`` and ``group`` optional). Before training, each query
gets ``hard_negatives`` mined negatives: the positives of other pairs (outside its group) the
frozen model finds most similar to it. Training minimises :func:`contrastive.info_nce` with
LoRA adapters (``peft``; ``lora_r = 0`` fine-tunes every weight instead), checkpoints through
``lexiplug.checkpoint`` every ``checkpoint_every`` steps (``--resume`` continues from the
newest intact one, refusing one written with other settings) and writes the trained weights
to ``output``. ``soup`` names other runs' outputs whose weights are averaged with this run's
(a uniform model soup); the averaged model is what ``output`` holds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lexiplug.atomic import atomic_dir
from lexiplug.checkpoint import CheckpointStore
from lexiplug.errors import ConfigError, FormatError, TrainingError, require_one_of

from .attention import hidden_states
from .contrastive import info_nce
from .encoder import DECODER_POOLINGS, pool_hidden
from .loading import load_causal_lm, locate_model

logger = logging.getLogger(__name__)

WEIGHTS = "weights.safetensors"
MANIFEST = "embed_train.json"


@dataclass
class EmbedTrainSettings:
    """The ``[embed_train]`` block of an embed-train config (each field is a key)."""

    model_path: str
    pairs: str
    output: str
    pooling: str = "bidirectional_mean"
    query_instruction: str = ""
    max_length: int = 128
    batch_size: int = 8
    epochs: int = 1
    max_steps: int = 0
    learning_rate: float = 1e-4
    warmup: float = 0.1
    temperature: float = 0.05
    hard_negatives: int = 1
    focal_gamma: float = 0.0
    mix_negatives: int = 0
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    checkpoint_every: int = 50
    soup: list[str] = field(default_factory=list)
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        require_one_of(self.pooling, DECODER_POOLINGS, "pooling")
        positive = {"max_length": 2, "batch_size": 2, "epochs": 1, "checkpoint_every": 1}
        for key, low in positive.items():
            if getattr(self, key) < low:
                raise ConfigError(f"{key} must be >= {low}, got {getattr(self, key)}", where=key)
        for key in ("hard_negatives", "mix_negatives", "lora_r", "max_steps"):
            if getattr(self, key) < 0:
                raise ConfigError(f"{key} must be >= 0, got {getattr(self, key)}", where=key)
        if not self.temperature > 0:
            raise ConfigError(f"temperature must be > 0, got {self.temperature}",
                              where="temperature")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate must be > 0, got {self.learning_rate}",
                              where="learning_rate")
        if not 0 <= self.warmup < 1:
            raise ConfigError(f"warmup must be a fraction in [0, 1), got {self.warmup}",
                              where="warmup")
        if self.focal_gamma < 0:
            raise ConfigError(f"focal_gamma must be >= 0, got {self.focal_gamma}",
                              where="focal_gamma")

    def fingerprint(self) -> str:
        """What must match to resume: everything but where outputs go and the soup."""
        kept = {k: v for k, v in asdict(self).items()
                if k not in ("output", "soup", "checkpoint_every", "device")}
        return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Pair:
    query: str
    positive: str
    negatives: list[str]
    group: int


def read_pairs(path: str | Path) -> list[Pair]:
    """Pairs from JSON lines; a bad line raises :class:`FormatError` naming it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"expected a JSON-lines file of pairs at {path}", where="pairs")
    pairs: list[Pair] = []
    groups: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise FormatError(f"expected a JSON object ({error})", path=path,
                              line=number) from None
        query, positive = (record.get(k) if isinstance(record, dict) else None
                           for k in ("query", "positive"))
        negatives = record.get("negatives", []) if isinstance(record, dict) else None
        if not (isinstance(query, str) and query.strip() and isinstance(positive, str)
                and positive.strip() and isinstance(negatives, list)
                and all(isinstance(n, str) for n in negatives)):
            raise FormatError('expected {"query": non-empty text, "positive": non-empty text, '
                              '"negatives": [texts] (optional), "group": ... (optional)}',
                              path=path, line=number)
        group = record.get("group")
        index = -1 if group is None else groups.setdefault(json.dumps(group), len(groups))
        pairs.append(Pair(query, positive, list(negatives), index))
    if len(pairs) < 2:
        raise TrainingError(f"need at least 2 pairs for in-batch negatives, found {len(pairs)}",
                            where=str(path))
    return pairs


class ContrastiveTrainer:
    """Holds the model being tuned; :meth:`train` runs (or resumes) the whole schedule."""

    def __init__(self, settings: EmbedTrainSettings) -> None:
        from lexiplug.devices import resolve_device

        self.settings = settings
        self.device = resolve_device(settings.device)
        self.pairs = read_pairs(settings.pairs)
        self.location = locate_model(settings.model_path)
        self.tokenizer, causal_lm = load_causal_lm(self.location)
        self.config = causal_lm.config
        torch.manual_seed(settings.seed)  # LoRA's initial weights
        self.model = wrap_trainable(causal_lm.base_model, settings).to(self.device)
        self.store = CheckpointStore(Path(settings.output + ".checkpoints"))

    # -- encoding ----------------------------------------------------------------------------

    def _ids(self, texts: Sequence[str], prefix: str = "") -> list[list[int]]:
        eos = self.tokenizer.eos_token_id
        room = self.settings.max_length - (eos is not None)
        encoded = self.tokenizer([prefix + t for t in texts], verbose=False)["input_ids"]
        return [list(ids[:room]) + ([eos] if eos is not None else []) for ids in encoded]

    def encode(self, texts: Sequence[str], prefix: str = "") -> torch.Tensor:
        ids = self._ids(texts, prefix)
        width = max(len(x) for x in ids)
        pad = self.tokenizer.pad_token_id
        pad = pad if pad is not None else (self.tokenizer.eos_token_id or 0)
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, x in enumerate(ids):
            input_ids[row, :len(x)] = torch.tensor(x)
            mask[row, :len(x)] = 1
        input_ids, mask = input_ids.to(self.device), mask.to(self.device)
        hidden = hidden_states(self.model, input_ids, mask,
                               bidirectional=self.settings.pooling == "bidirectional_mean")
        return pool_hidden(hidden, mask, self.settings.pooling)

    def mine_hard_negatives(self) -> None:
        """Give each pair up to ``hard_negatives`` negatives, most similar first."""
        k = self.settings.hard_negatives
        if k == 0:
            return
        self.model.eval()
        with torch.inference_mode():
            queries = torch.cat([self.encode([p.query for p in self.pairs[i:i + 32]],
                                             self.settings.query_instruction)
                                 for i in range(0, len(self.pairs), 32)])
            positives = torch.cat([self.encode([p.positive for p in self.pairs[i:i + 32]])
                                   for i in range(0, len(self.pairs), 32)])
        scores = torch.nn.functional.normalize(queries, dim=1) @ torch.nn.functional.normalize(
            positives, dim=1).T
        groups = torch.tensor([p.group for p in self.pairs])
        same = (groups[:, None] == groups[None, :]) & (groups[:, None] >= 0)
        scores[same.to(scores.device)] = float("-inf")
        scores.fill_diagonal_(float("-inf"))
        for row, pair in enumerate(self.pairs):
            needed = k - len(pair.negatives)
            if needed <= 0:
                continue
            for col in scores[row].topk(min(k, len(self.pairs) - 1)).indices.tolist():
                text = self.pairs[col].positive
                if needed > 0 and math.isfinite(float(scores[row, col])) and \
                        text != pair.positive and text not in pair.negatives:
                    pair.negatives.append(text)
                    needed -= 1

    # -- training ----------------------------------------------------------------------------

    def train(self, *, resume: bool = False) -> Path:
        s = self.settings
        torch.manual_seed(s.seed)
        self.mine_hard_negatives()
        steps_per_epoch = max(1, len(self.pairs) // s.batch_size)
        total = steps_per_epoch * s.epochs
        total = min(total, s.max_steps) if s.max_steps else total
        trainable = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW([p for _, p in trainable], lr=s.learning_rate)
        warmup = max(1, int(total * s.warmup))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(
                1, total - warmup))))
        step, history = 0, []
        if resume:
            step, history = self._resume(trainable, optimizer, schedule)
        self.model.train()
        while step < total:
            epoch, offset = divmod(step, steps_per_epoch)
            order = random.Random(s.seed + epoch).sample(range(len(self.pairs)), len(self.pairs))
            batch = [self.pairs[i] for i in order[offset * s.batch_size:
                                                  (offset + 1) * s.batch_size]]
            # per-step generator: a resumed run mixes the same negatives as a straight one
            loss = self._loss(batch, torch.Generator().manual_seed(s.seed * 1_000_003 + step))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            history.append(round(float(loss.detach()), 5))
            if step % s.checkpoint_every == 0 or step == total:
                self._checkpoint(step, trainable, optimizer, history)
            logger.info("embed-train step %d/%d loss %.4f", step, total, history[-1])
        self.model.eval()
        return self.save(trainable, history)

    def _loss(self, batch: Sequence[Pair], generator: torch.Generator) -> torch.Tensor:
        s = self.settings
        queries = self.encode([p.query for p in batch], s.query_instruction)
        positives = self.encode([p.positive for p in batch])
        k = min(len(p.negatives) for p in batch)
        negatives = None
        if k > 0:
            flat = self.encode([n for p in batch for n in p.negatives[:k]])
            negatives = flat.reshape(len(batch), k, -1)
        groups = torch.tensor([p.group for p in batch], device=queries.device)
        return info_nce(queries, positives, negatives, temperature=s.temperature,
                        focal_gamma=s.focal_gamma, mix_negatives=s.mix_negatives,
                        groups=groups, generator=generator)

    def _checkpoint(self, step: int, trainable: list[tuple[str, torch.nn.Parameter]],
                    optimizer: torch.optim.Optimizer, history: list[float]) -> None:
        arrays = {f"param.{n}": p.detach().float().cpu().numpy() for n, p in trainable}
        for index, (name, _) in enumerate(trainable):
            state = optimizer.state.get(trainable[index][1], {})
            for key in ("exp_avg", "exp_avg_sq"):
                if key in state:
                    arrays[f"adam.{key}.{name}"] = state[key].float().cpu().numpy()
        self.store.save(step, fingerprint=self.settings.fingerprint(),
                        state={"history": history}, arrays=arrays)

    def _resume(self, trainable: list[tuple[str, torch.nn.Parameter]],
                optimizer: torch.optim.Optimizer, schedule: Any) -> tuple[int, list[float]]:
        bundle = self.store.latest()
        if bundle is None:
            logger.info("embed-train: no checkpoint in %s, starting afresh", self.store.folder)
            return 0, []
        if bundle.fingerprint != self.settings.fingerprint():
            raise TrainingError("the checkpoint was written with other settings (model, pairs, "
                                "schedule or loss); remove it or restore the settings",
                                where=str(bundle.path))
        step = int(bundle.state["step"])
        with torch.no_grad():
            for name, param in trainable:
                param.copy_(torch.from_numpy(bundle.arrays[f"param.{name}"]))
        for name, param in trainable:
            if f"adam.exp_avg.{name}" in bundle.arrays:
                optimizer.state[param] = {
                    "step": torch.tensor(float(step)),
                    "exp_avg": torch.from_numpy(bundle.arrays[f"adam.exp_avg.{name}"]).to(param),
                    "exp_avg_sq": torch.from_numpy(
                        bundle.arrays[f"adam.exp_avg_sq.{name}"]).to(param)}
        with warnings.catch_warnings():  # replaying the schedule before any optimizer step
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(step):
                schedule.step()
        logger.info("embed-train: resumed at step %d from %s", step, bundle.path)
        return step, list(bundle.state.get("history", []))

    def save(self, trainable: list[tuple[str, torch.nn.Parameter]],
             history: list[float]) -> Path:
        weights = {n: p.detach().float().cpu().numpy() for n, p in trainable}
        soup = [read_trained(folder) for folder in self.settings.soup]
        for manifest, other in soup:
            if set(other) != set(weights) or any(other[n].shape != weights[n].shape
                                                 for n in weights):
                raise ConfigError(f"{manifest['output']} holds other weights than this run "
                                  "(another model or LoRA rank); a soup needs the same shapes",
                                  where="soup")
        if soup:
            weights = {n: np.mean([w] + [other[n] for _, other in soup], axis=0)
                       for n, w in weights.items()}
        return write_trained(Path(self.settings.output), weights, {
            **asdict(self.settings), "history": history, "soup_of": len(soup) + 1,
            "full_finetune": self.settings.lora_r == 0})


def wrap_trainable(base: Any, settings: EmbedTrainSettings) -> Any:
    """LoRA adapters on the decoder (peft picks the target layers for known architectures);
    with ``lora_r = 0`` every weight trains."""
    if settings.lora_r == 0:
        for param in base.parameters():
            param.requires_grad_(True)
        return base
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ConfigError("LoRA needs the peft package (pip install 'lexiplug[decoders]'), or "
                          "set lora_r = 0 to fine-tune every weight", where="lora_r") from None
    config = LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha,
                        lora_dropout=settings.lora_dropout,
                        target_modules=lora_targets(base))
    return get_peft_model(base, config)


def lora_targets(base: Any) -> list[str]:
    """The attention projections of LLaMA/Qwen-style (``q_proj``, ``v_proj``) or GPT-2-style
    (``c_attn``) decoders, whichever the model has."""
    names = {name.rsplit(".", 1)[-1] for name, _ in base.named_modules()}
    for candidates in (["q_proj", "v_proj"], ["c_attn"], ["query_key_value"]):
        if all(c in names for c in candidates):
            return candidates
    raise ConfigError(f"cannot tell which layers of {type(base).__name__} take LoRA adapters",
                      where="lora_r")


def write_trained(folder: Path, weights: dict[str, np.ndarray], manifest: dict[str, Any]) -> Path:
    from safetensors.numpy import save_file

    with atomic_dir(folder) as tmp:
        save_file({k: np.ascontiguousarray(v) for k, v in weights.items()}, str(tmp / WEIGHTS))
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return folder


def read_trained(folder: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The manifest and weights an embed-train run wrote to ``folder``."""
    from safetensors.numpy import load_file

    folder = Path(folder)
    if not (folder / MANIFEST).is_file() or not (folder / WEIGHTS).is_file():
        raise ConfigError(f"expected a folder written by lexiplug embed-train ({MANIFEST} and "
                          f"{WEIGHTS}) at {folder}", where="adapter")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return manifest, load_file(str(folder / WEIGHTS))


def apply_trained(base: Any, folder: str | Path) -> Any:
    """``base`` with the trained weights of ``folder`` in it (LoRA merged into the weights)."""
    manifest, weights = read_trained(folder)
    settings = EmbedTrainSettings(**{k: manifest[k] for k in
                                     EmbedTrainSettings.__dataclass_fields__ if k in manifest})
    model = wrap_trainable(base, settings)
    state = {name: torch.from_numpy(array) for name, array in weights.items()}
    missing = [name for name in state if name not in dict(model.named_parameters())]
    if missing:
        raise FormatError(f"weights {missing[:3]} do not fit this model (another base model?)",
                          path=Path(folder) / WEIGHTS)
    model.load_state_dict(state, strict=False)
    if settings.lora_r:
        model = model.merge_and_unload()
    return model
