"""Contrastive training of decoder encoders: the loss against a plain reference, LoRA training
that moves the loss, checkpoint + resume, model soup, and the embed-train config errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from lexiplug.errors import ConfigError, FormatError, TrainingError  # noqa: E402
from lexiplug.plugins.decoders.contrastive import info_nce  # noqa: E402
from lexiplug.plugins.decoders.testing import build_tiny_causal_lm  # noqa: E402


def reference_info_nce(q: np.ndarray, pos: np.ndarray, neg: np.ndarray, temperature: float,
                       groups: list[int], gamma: float = 0.0) -> float:
    """The loss written out one query at a time."""
    def unit(x: np.ndarray) -> np.ndarray:
        return x / np.linalg.norm(x, axis=-1, keepdims=True)

    q, pos, neg = unit(q), unit(pos), unit(neg)
    pool = list(pos) + list(neg.reshape(-1, q.shape[1]))
    pool_groups = groups + [-1] * (len(pool) - len(pos))
    losses = []
    for i in range(len(q)):
        logits = [float(q[i] @ c) / temperature for j, c in enumerate(pool)
                  if j == i or not (pool_groups[j] == groups[i] and groups[i] >= 0)]
        own = float(q[i] @ pos[i]) / temperature
        log_p = own - math.log(sum(math.exp(v) for v in logits))
        losses.append(-((1 - math.exp(log_p)) ** gamma) * log_p)
    return float(np.mean(losses))


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_info_nce_matches_a_plain_reference(gamma: float) -> None:
    rng = np.random.default_rng(0)
    q, pos, neg = rng.normal(size=(4, 8)), rng.normal(size=(4, 8)), rng.normal(size=(4, 2, 8))
    groups = [0, 0, 1, -1]
    ours = info_nce(torch.tensor(q), torch.tensor(pos), torch.tensor(neg), temperature=0.1,
                    focal_gamma=gamma, groups=torch.tensor(groups))
    assert float(ours) == pytest.approx(reference_info_nce(q, pos, neg, 0.1, groups, gamma),
                                        rel=1e-5)


def test_hard_negative_mixing_adds_negatives_without_gradient_through_them() -> None:
    rng = np.random.default_rng(1)
    q = torch.tensor(rng.normal(size=(6, 8)), requires_grad=True)
    pos = torch.tensor(rng.normal(size=(6, 8)), requires_grad=True)
    plain = info_nce(q, pos, temperature=0.1)
    mixed = info_nce(q, pos, temperature=0.1, mix_negatives=3,
                     generator=torch.Generator().manual_seed(0))
    assert float(mixed.detach()) > float(plain.detach())  # more negatives: a harder task
    mixed.backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_causal_lm(tmp_path_factory.mktemp("lm") / "llama")


def write_pairs(path: Path, n: int = 12) -> Path:
    words = ["cat", "dog", "sun", "rain", "tree", "boat"]
    lines = [json.dumps({"query": f"what is a {w}?", "positive": f"a {w} is a {w}",
                         "group": i % len(words)}) for i, w in enumerate(words * (n // 6))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def settings(model: Path, tmp_path: Path, **overrides: object) -> object:
    from lexiplug.plugins.decoders.training import EmbedTrainSettings

    tmp_path.mkdir(parents=True, exist_ok=True)
    values = {"model_path": str(model), "pairs": str(write_pairs(tmp_path / "pairs.jsonl")),
              "output": str(tmp_path / "out"), "batch_size": 4, "epochs": 2,
              "learning_rate": 5e-3, "hard_negatives": 1, "mix_negatives": 2,
              "focal_gamma": 1.0, "checkpoint_every": 2, "device": "cpu", "max_length": 32}
    values.update(overrides)
    return EmbedTrainSettings(**values)  # type: ignore[arg-type]


def test_lora_training_resume_and_soup(model: Path, tmp_path: Path) -> None:
    from lexiplug.plugins.decoders.encoder import DecoderEncoder, DecoderEncoderSettings
    from lexiplug.plugins.decoders.training import ContrastiveTrainer, read_trained

    straight = ContrastiveTrainer(settings(model, tmp_path / "a"))
    out = straight.train()
    assert all(p.negatives for p in straight.pairs)  # mined, outside each pair's group
    assert all(n not in {q.positive for q in straight.pairs if q.group == p.group}
               for p in straight.pairs for n in p.negatives)
    manifest, weights = read_trained(out)
    assert all("lora" in name for name in weights) and len(manifest["history"]) == 6

    # a run killed after its step-4 checkpoint and resumed ends where a straight run ends
    class Killed(Exception):
        pass

    killed = ContrastiveTrainer(settings(model, tmp_path / "b"))
    save_checkpoint = killed._checkpoint

    def checkpoint_then_die(step: int, *args: object) -> None:
        save_checkpoint(step, *args)  # type: ignore[arg-type]
        if step == 4:
            raise Killed

    killed._checkpoint = checkpoint_then_die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        killed.train()
    resumed_out = ContrastiveTrainer(settings(model, tmp_path / "b")).train(resume=True)
    resumed_manifest, resumed_weights = read_trained(resumed_out)
    assert resumed_manifest["history"][:4] == manifest["history"][:4]
    for name, value in weights.items():
        np.testing.assert_allclose(resumed_weights[name], value, atol=1e-5)

    # other settings refuse to resume from that checkpoint
    with pytest.raises(TrainingError, match="other settings"):
        ContrastiveTrainer(settings(model, tmp_path / "b", temperature=0.5)).train(resume=True)

    # soup: this run averaged with another seed's
    other = ContrastiveTrainer(settings(model, tmp_path / "c", seed=1)).train()
    souped = ContrastiveTrainer(settings(model, tmp_path / "d", soup=[str(out), str(other)]))
    _, soup_weights = read_trained(souped.train())
    name = next(iter(weights))
    assert not np.allclose(soup_weights[name], weights[name])

    base = DecoderEncoder(DecoderEncoderSettings(str(model), device="cpu"))
    tuned = DecoderEncoder(DecoderEncoderSettings(str(model), device="cpu", adapter=str(out)))
    texts = ["what is a cat?", "a cat is a cat"]
    assert not np.allclose(base.encode_texts(texts), tuned.encode_texts(texts), atol=1e-5)


def test_full_fine_tuning_without_lora(model: Path, tmp_path: Path) -> None:
    from lexiplug.plugins.decoders.training import ContrastiveTrainer, read_trained

    out = ContrastiveTrainer(settings(model, tmp_path, lora_r=0, max_steps=1)).train()
    _, weights = read_trained(out)
    assert not any("lora" in name for name in weights) and len(weights) > 10


def test_embed_train_config_errors_name_the_key(model: Path, tmp_path: Path) -> None:
    from lexiplug.plugins.decoders.cli import read_settings
    from lexiplug.plugins.decoders.training import read_pairs

    config = tmp_path / "train.cfg"
    config.write_text(f'[embed_train]\nmodel_path = "{model}"\npairs = "p.jsonl"\n'
                      'output = "o"\ntemperature = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        read_settings(config)
    assert error.value.where == "embed_train.temperature"
    config.write_text('[embed_train]\nmodel_path = "m"\npairs = "p"\noutput = "o"\nlr = 1\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown keys"):
        read_settings(config)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "q", "positive": "p"}\n{"query": "q"}\n', encoding="utf-8")
    with pytest.raises(FormatError) as format_error:
        read_pairs(bad)
    assert format_error.value.where == f"{bad}:2"


def test_embed_train_is_a_cli_command(model: Path, tmp_path: Path) -> None:
    import typer
    from lexiplug.plugins.decoders.cli import embed_train
    from typer.testing import CliRunner

    app = typer.Typer()
    app.command()(embed_train)
    pairs = write_pairs(tmp_path / "pairs.jsonl")
    config = tmp_path / "train.cfg"
    config.write_text(f'[embed_train]\nmodel_path = "{model}"\npairs = "{pairs}"\n'
                      f'output = "{tmp_path / "out"}"\nbatch_size = 4\nmax_steps = 1\n'
                      'device = "cpu"\nmax_length = 16\n', encoding="utf-8")
    result = CliRunner().invoke(app, [str(config)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "weights.safetensors").is_file()
