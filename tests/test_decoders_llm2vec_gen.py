"""lexiplug.llm2vec_gen.v1: special tokens on a frozen LM, trained on its own completions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from lexiplug.errors import ConfigError  # noqa: E402
from lexiplug.plugins.decoders.testing import build_tiny_causal_lm  # noqa: E402


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_causal_lm(tmp_path_factory.mktemp("lm") / "qwen2", architecture="qwen2")


def test_only_the_special_tokens_and_projection_train(model: Path, tmp_path: Path) -> None:
    from lexiplug.plugins.decoders.llm2vec_gen import (
        Llm2VecGenEncoder,
        Llm2VecGenSettings,
        train_llm2vec_gen,
    )

    texts = tmp_path / "texts.txt"
    texts.write_text("the cat sat\na dog ran\nhello world\nrain again\n", encoding="utf-8")
    encoder = Llm2VecGenEncoder(str(model), device="cpu")
    frozen = {n: p.detach().clone() for n, p in encoder.decoder.causal_lm.named_parameters()}
    before = encoder.encode_texts(["the cat sat", "a dog ran"])
    out = train_llm2vec_gen(Llm2VecGenSettings(str(model), str(texts), str(tmp_path / "out"),
                                               steps=5, batch_size=2, completion_tokens=4,
                                               learning_rate=1e-2, device="cpu"),
                            encoder=encoder)
    for name, param in encoder.decoder.causal_lm.named_parameters():
        assert torch.equal(param, frozen[name]), name
    trained = Llm2VecGenEncoder(str(model), str(out), device="cpu")
    after = trained.encode_texts(["the cat sat", "a dog ran", ""])
    assert after.shape == (3, 32) and np.abs(after[2]).max() == 0
    assert not np.allclose(after[:2], before, atol=1e-5)
    np.testing.assert_allclose(after[:2], encoder.encode_texts(["the cat sat", "a dog ran"]),
                               atol=1e-5)  # what was saved is what was trained


def test_batched_left_padding_equals_one_text_at_a_time(model: Path) -> None:
    from lexiplug.registry import registry

    encoder = registry.encoders.get("lexiplug.llm2vec_gen.v1")(model_path=str(model),
                                                               device="cpu")
    texts = ["a", "the cat sat on the mat", "hello"]
    batched = encoder.encode_texts(texts)
    alone = np.stack([encoder.encode_texts([t])[0] for t in texts])
    np.testing.assert_allclose(batched, alone, atol=1e-4)


def test_bad_settings_name_the_key(model: Path, tmp_path: Path) -> None:
    from lexiplug.plugins.decoders.llm2vec_gen import Llm2VecGenSettings, train_llm2vec_gen

    with pytest.raises(ConfigError) as error:
        Llm2VecGenSettings(str(model), "t.txt", "out", n_tokens=0)
    assert error.value.where == "n_tokens"
    with pytest.raises(ConfigError) as error:
        train_llm2vec_gen(Llm2VecGenSettings(str(model), str(tmp_path / "none.txt"), "out"))
    assert error.value.where == "texts"


def test_a_killed_run_resumes_to_the_head_of_a_straight_run(model: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from lexiplug.errors import TrainingError
    from lexiplug.plugins.decoders import llm2vec_gen
    from lexiplug.plugins.decoders.llm2vec_gen import Llm2VecGenSettings, read_head

    texts = tmp_path / "texts.txt"
    texts.write_text("the cat sat\na dog ran\nhello world\nrain again\n", encoding="utf-8")

    def run(name: str, resume: bool = False, **overrides: object) -> Path:
        values: dict[str, object] = {
            "model_path": str(model), "texts": str(texts), "output": str(tmp_path / name),
            "steps": 6, "batch_size": 2, "completion_tokens": 4, "learning_rate": 1e-2,
            "checkpoint_every": 2, "device": "cpu"}
        values.update(overrides)
        return llm2vec_gen.train_llm2vec_gen(Llm2VecGenSettings(**values),  # type: ignore[arg-type]
                                             resume=resume)

    straight_manifest, straight = read_head(run("a"))

    class Killed(Exception):
        pass

    save = llm2vec_gen._save_checkpoint

    def save_then_die(store: object, settings: object, step: int, *args: object) -> None:
        save(store, settings, step, *args)  # type: ignore[arg-type]
        if step == 4:
            raise Killed

    monkeypatch.setattr(llm2vec_gen, "_save_checkpoint", save_then_die)
    with pytest.raises(Killed):
        run("b")
    monkeypatch.setattr(llm2vec_gen, "_save_checkpoint", save)
    generate = llm2vec_gen.greedy_completions
    # the resumed run must not regenerate the completions: they come from the checkpoint
    monkeypatch.setattr(llm2vec_gen, "greedy_completions", lambda *a, **k: pytest.fail(
        "completions regenerated on resume"))
    resumed_manifest, resumed = read_head(run("b", resume=True))
    assert resumed_manifest["history"][:4] == straight_manifest["history"][:4]
    assert len(resumed_manifest["history"]) == 6
    for name, value in straight.items():
        torch.testing.assert_close(resumed[name], value, atol=1e-5, rtol=1e-5)
    with pytest.raises(TrainingError, match="other settings"):
        run("b", resume=True, learning_rate=0.5)
    # steps may change on resume: 4 steps, then extended to 6, ends where 6 straight ones do
    monkeypatch.setattr(llm2vec_gen, "greedy_completions", generate)
    run("c", steps=4)
    _, extended = read_head(run("c", resume=True))
    for name, value in straight.items():
        torch.testing.assert_close(extended[name], value, atol=1e-5, rtol=1e-5)


def test_embed_train_resume_reaches_an_llm2vec_gen_block(model: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from lexiplug.plugins.decoders import llm2vec_gen
    from lexiplug.plugins.decoders.cli import embed_train
    from typer.testing import CliRunner

    app = typer.Typer()
    app.command()(embed_train)
    texts = tmp_path / "texts.txt"
    texts.write_text("the cat sat\na dog ran\n", encoding="utf-8")
    config = tmp_path / "gen.cfg"
    config.write_text(f'[llm2vec_gen]\nmodel_path = "{model}"\ntexts = "{texts}"\n'
                      f'output = "{tmp_path / "out"}"\nsteps = 2\nbatch_size = 2\n'
                      'completion_tokens = 3\ncheckpoint_every = 1\ndevice = "cpu"\n',
                      encoding="utf-8")
    assert CliRunner().invoke(app, [str(config)]).exit_code == 0
    # with --resume the finished run's checkpoint is used: nothing is generated again
    monkeypatch.setattr(llm2vec_gen, "greedy_completions", lambda *a, **k: pytest.fail(
        "completions regenerated on resume"))
    result = CliRunner().invoke(app, [str(config), "--resume"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / llm2vec_gen.WEIGHTS).is_file()
