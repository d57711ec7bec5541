"""Visual grounding of text vectors (after Shahmohammadi et al., docs/grounded.md).

The paper learns one linear map M on frozen text embeddings, trained through a caption ->
image model, and grounds every word as ``e_w M``, so words without images get grounded too.
We have word -> visual-feature tables rather than captions, so M is trained directly: a small
head maps ``e_w M`` onto the word's visual vector (cosine loss) while a structure term keeps
the cosine similarities of ``E M`` close to those of ``E`` on sampled words — the
distributional structure the paper keeps by freezing E and learning only a linear map.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from lexiplug.devices import resolve_device
from lexiplug.errors import ConfigError, TrainingError, require_one_of
from lexiplug.plugin_tools import settings_factory
from lexiplug.vectors import Vectors
from lexiplug.vectors.vectors import unit_rows

from .visual_features import align_words

logger = logging.getLogger(__name__)

OutputMode = Literal["mapped", "concat", "visual"]
OUTPUT_MODES = ("mapped", "concat", "visual")


@dataclass(frozen=True)
class GroundingConfig:
    """``lexiplug.visual_grounding.v1``: ground text vectors in a visual feature space."""

    alignment_dim: int = 0  # 0: the text dimension
    output: OutputMode = "mapped"
    structure_weight: float = 0.3
    structure_sample: int = 1024
    hidden_dim: int = 0  # 0: a linear head; else one hidden ReLU layer of this size
    epochs: int = 300
    learning_rate: float = 1e-2
    weight_decay: float = 0.0
    concat_weight: float = 1.0
    seed: int = 0
    device: str = "auto"
    checkpoint_dir: str | None = None
    checkpoint_every: int = 50

    def __post_init__(self) -> None:
        """Checked once, when the settings are made; errors name only the argument."""
        require_one_of(self.output, OUTPUT_MODES, "output")
        for name in ("epochs", "structure_sample", "checkpoint_every"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}",
                                  where=name)
        for name in ("alignment_dim", "hidden_dim"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}",
                                  where=name)
        if self.structure_weight < 0:
            raise ConfigError(f"structure_weight must be >= 0, got {self.structure_weight}",
                              where="structure_weight")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be > 0, got {self.learning_rate}",
                              where="learning_rate")


class VisualGrounding:
    """``apply(vectors, visual=table) -> Vectors``: grounded vectors for every word."""

    def __init__(self, config: GroundingConfig) -> None:
        self.config = config
        self.history: list[dict[str, float]] = []
        self.trained_words: list[str] = []

    def apply(self, vectors: Vectors, visual: Vectors | None = None, **_: Any) -> Vectors:
        if visual is None:
            raise ConfigError(
                "visual grounding needs a visual feature table: give the transform a ref "
                "`visual = \"<row name>\"` naming a visual-features row",
                where="visual",
            )
        mapping, head = self.fit(vectors, visual)
        return self.ground(vectors, mapping, head)

    # -- training ---------------------------------------------------------------------------

    def fit(self, text: Vectors, visual: Vectors) -> tuple[np.ndarray, Any]:
        """Train M (and the head); returns M as a numpy matrix and the torch head."""
        import torch

        cfg = self.config
        words = align_words(text, visual)
        if len(words) < 2:
            sample = ", ".join(visual.keys[:5])
            raise TrainingError(
                f"only {len(words)} of the {len(visual)} visual words are in the text "
                f"vocabulary (e.g. {sample}); check case and the table's words"
            )
        self.trained_words = words
        device = resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        generator = torch.Generator().manual_seed(cfg.seed)
        all_text = torch.from_numpy(unit_rows(np.asarray(text.matrix)))
        paired_text = all_text[[text.key_to_index[w] for w in words]].to(device)
        targets = torch.from_numpy(unit_rows(visual[words])).to(device)
        modules = self._build(text.dim, visual.dim).to(device)
        optimizer = torch.optim.Adam(
            modules.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay
        )
        start_epoch = self._resume(modules, optimizer, generator)
        for epoch in range(start_epoch, cfg.epochs):
            sample = torch.randint(
                0, all_text.shape[0], (min(cfg.structure_sample, all_text.shape[0]),),
                generator=generator,
            )
            batch = all_text[sample].to(device)
            optimizer.zero_grad()
            mapped = paired_text @ modules["mapping"].weight.T
            predicted = modules["head"](mapped)
            visual_loss = 1 - torch.nn.functional.cosine_similarity(predicted, targets).mean()
            structure_loss = self._structure_loss(batch, modules["mapping"].weight)
            loss = visual_loss + cfg.structure_weight * structure_loss
            loss.backward()
            optimizer.step()
            self.history.append({
                "epoch": epoch + 1, "loss": loss.item(), "visual_loss": visual_loss.item(),
                "structure_loss": structure_loss.item(),
            })
            if cfg.checkpoint_dir and (epoch + 1) % cfg.checkpoint_every == 0:
                self._save_checkpoint(modules, optimizer, generator, epoch + 1)
        mapping = modules["mapping"].weight.detach().cpu().numpy().T.copy()
        return mapping, modules["head"].cpu().eval()

    def _build(self, text_dim: int, visual_dim: int) -> Any:
        import torch

        cfg = self.config
        k = cfg.alignment_dim or text_dim
        mapping = torch.nn.Linear(text_dim, k, bias=False)
        if k == text_dim:  # start from the identity: grounding begins at the text space
            torch.nn.init.eye_(mapping.weight)
        if cfg.hidden_dim:
            head: Any = torch.nn.Sequential(
                torch.nn.Linear(k, cfg.hidden_dim), torch.nn.ReLU(),
                torch.nn.Linear(cfg.hidden_dim, visual_dim),
            )
        else:
            head = torch.nn.Linear(k, visual_dim)
        return torch.nn.ModuleDict({"mapping": mapping, "head": head})

    @staticmethod
    def _structure_loss(batch: Any, weight: Any) -> Any:
        import torch

        mapped = torch.nn.functional.normalize(batch @ weight.T, dim=-1)
        return ((mapped @ mapped.T - batch @ batch.T) ** 2).mean()

    # -- output -----------------------------------------------------------------------------

    def ground(self, text: Vectors, mapping: np.ndarray, head: Any) -> Vectors:
        """Grounded vectors for the whole vocabulary, words without images included."""
        import torch

        cfg = self.config
        matrix = np.asarray(text.matrix, dtype=np.float32)
        mapped = unit_rows(matrix) @ mapping
        if cfg.output == "mapped":
            grounded = mapped
        elif cfg.output == "visual":
            with torch.inference_mode():
                grounded = head(torch.from_numpy(mapped.astype(np.float32))).numpy()
        else:  # concat: the text vector beside its predicted visual vector
            with torch.inference_mode():
                seen = head(torch.from_numpy(mapped.astype(np.float32))).numpy()
            grounded = np.hstack([unit_rows(matrix), cfg.concat_weight * unit_rows(seen)])
        result = text.with_matrix(grounded.astype(np.float32), note="visual_grounding")
        result.metadata["visual_grounding"] = {
            **asdict(self.config), "trained_words": len(self.trained_words),
            "final_loss": self.history[-1] if self.history else None,
        }
        return result

    # -- checkpoints (lexiplug.checkpoint bundles: safetensors + JSON + checksums) -----------

    def _save_checkpoint(self, modules: Any, optimizer: Any, generator: Any, epoch: int) -> None:
        from lexiplug.checkpoint import CheckpointStore

        assert self.config.checkpoint_dir is not None
        arrays = {f"model.{k}": v.detach().cpu().numpy()
                  for k, v in modules.state_dict().items()}
        for index, slot in optimizer.state_dict()["state"].items():
            for key, value in slot.items():
                arrays[f"optim.{index}.{key}"] = (
                    value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
                )
        arrays["rng"] = generator.get_state().numpy()
        state = {"epoch": epoch, "config": asdict(self.config), "history": self.history}
        CheckpointStore(self.config.checkpoint_dir).save(
            epoch, fingerprint=_config_fingerprint(self.config), state=state, arrays=arrays
        )

    def _resume(self, modules: Any, optimizer: Any, generator: Any) -> int:
        import torch
        from lexiplug.checkpoint import CheckpointStore

        if not self.config.checkpoint_dir:
            return 0
        folder = Path(self.config.checkpoint_dir)
        checkpoint = CheckpointStore(folder).latest()
        if checkpoint is None:
            return 0
        meta = checkpoint.state
        if checkpoint.fingerprint != _config_fingerprint(self.config):
            saved, current = meta["config"], asdict(self.config)
            differing = sorted(k for k in current if k not in _RESUMABLE_CHANGES
                               and saved.get(k) != current[k])
            raise ConfigError(
                f"checkpoint in {folder} was made with another config; remove it or restore "
                f"the config (differs in {differing})",
                where="checkpoint_dir",
            )
        tensors = {k: torch.from_numpy(v) for k, v in checkpoint.arrays.items()}
        modules.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        state = optimizer.state_dict()
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, index, name = key.split(".", 2)
                state["state"].setdefault(int(index), {})[name] = value
        optimizer.load_state_dict(state)
        generator.set_state(tensors["rng"])
        self.history = list(meta["history"])
        logger.info("resumed visual grounding from %s at epoch %d", folder, meta["epoch"])
        return int(meta["epoch"])


_RESUMABLE_CHANGES = ("epochs", "checkpoint_dir")


def _config_fingerprint(config: GroundingConfig) -> str:
    """What a checkpoint must agree on to be resumed (more epochs or another folder may differ)."""
    kept = {k: v for k, v in asdict(config).items() if k not in _RESUMABLE_CHANGES}
    return json.dumps(kept, sort_keys=True)


make_visual_grounding = settings_factory(VisualGrounding, GroundingConfig,
                                         name="make_visual_grounding")
