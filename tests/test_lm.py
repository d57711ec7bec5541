"""The LM lab (plugins/lm/): byte accounting of every scheme checked against a hand
computation, training and exact resume, the lexinvariant codes, saving, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("tokenizers")

from lexiplug.errors import ConfigError, FormatError, TrainingError  # noqa: E402
from lexiplug.plugins.lm.model import LanguageModel, texts_split  # noqa: E402
from lexiplug.plugins.lm.schemes import (  # noqa: E402
    BytesScheme,
    LexinvariantScheme,
    SubwordScheme,
    Units,
    WordPooledBytesScheme,
)
from lexiplug.plugins.lm.settings import LMSettings, read_config  # noqa: E402
from lexiplug.plugins.lm.text import (  # noqa: E402
    apply_letter_cipher,
    decode,
    read_files,
    split_books,
    word_chunks,
)

TRAIN = ("the cat sat on the mat . the dog sat on the log .\n"
         "a cat and a dog ran to the mat , and the cat sat down .\n"
         "Zoë ate a crème brûlée — très bien !\n") * 3
HELD = "the dog sat on the mat .\nthe cat ran to the log , très bien .\n"
TINY = dict(output="", dim=16, layers=1, heads=2, context=16, batch_size=4, max_steps=3,
            warmup=1, log_every=1, checkpoint_every=2, learning_rate=0.01)
WORD_OPTIONS = dict(max_word_bytes=8, byte_dim=8, widths=[1, 2, 3], filters=8, hidden=16,
                    decoder_dim=8, decoder_layers=1, decoder_heads=2)


def schemes() -> dict[str, object]:
    return {"bytes": BytesScheme(), "subword": SubwordScheme(vocab_size=300),
            "word_pooled_bytes": WordPooledBytesScheme(**WORD_OPTIONS),  # type: ignore[arg-type]
            "lexinvariant": LexinvariantScheme(vocab_size=300)}


def tiny_model(name: str, **changes: object) -> LanguageModel:
    return LanguageModel(LMSettings(**{**TINY, **changes}), schemes()[name])  # type: ignore[arg-type]


def make_uniform(model: LanguageModel) -> None:
    """Zero the output layer: every next unit (byte, token, byte-or-end) equally likely."""
    head = model.network.head
    with torch.no_grad():
        for name, param in head.named_parameters():
            if name.startswith(("head.", "out.")):
                param.zero_()


# -- text -----------------------------------------------------------------------------------


def test_words_cover_every_byte_and_long_words_are_cut() -> None:
    data = b"  leading spaces, then\n\nnewlines  and a verylongwordindeed   "
    words = word_chunks(data, max_bytes=8)
    assert b"".join(words) == data
    assert words[:3] == [b"  leadin", b"g", b" spaces,"]
    assert words[-1] == b"   " and all(1 <= len(w) <= 8 for w in words)
    assert word_chunks(b"", 8) == []


def test_invalid_utf8_is_replaced_and_counted(tmp_path: Path) -> None:
    text, replaced = decode(b"ok \xff\xfe then \xef\xbf\xbd kept \xe2\x82")
    assert replaced == 3  # two bad bytes, one truncated sequence; the real U+FFFD is kept
    assert text.count("\ufffd") == 4
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 au lait\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    source = read_files(sorted(tmp_path.glob("*.txt")))
    assert source.n_replaced == 1 and source.skipped_empty == [str(tmp_path / "empty.txt")]
    with pytest.raises(TrainingError, match="every file is empty"):
        read_files([tmp_path / "empty.txt"])


def test_books_are_held_out_whole(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"book{i:02d}.txt").write_text(f"book {i} text\n")
    split = split_books(sorted(tmp_path.glob("*.txt")), held_out=0.05, seed=0)
    assert len(split.held_out.files) == 1 and len(split.train.files) == 19
    assert not set(split.held_out.files) & set(split.train.files)
    one = split_books([tmp_path / "book00.txt"], held_out=0.5, seed=0)
    assert one.train.text + one.held_out.text == "book 0 text\n"


def test_letter_cipher_keeps_bytes_and_is_a_bijection() -> None:
    ciphered = apply_letter_cipher(HELD, seed=3)
    assert len(ciphered.encode()) == len(HELD.encode()) and ciphered != HELD
    assert [c.isupper() for c in ciphered] == [c.isupper() for c in HELD]
    words = {w: apply_letter_cipher(w, 3) for w in HELD.split()}
    assert len(set(words.values())) == len(words)


# -- bits per byte: every byte counted, checked by hand -------------------------------------


@pytest.mark.parametrize("name", ["bytes", "subword", "word_pooled_bytes", "lexinvariant"])
def test_units_hold_every_byte(name: str) -> None:
    scheme = schemes()[name]
    scheme.fit(TRAIN)  # type: ignore[attr-defined]
    for text in (HELD, TRAIN, "x", "\n\n  \n", "ünïcødé ✓ 😀"):
        units = scheme.encode(text)  # type: ignore[attr-defined]
        assert units.n_bytes == len(text.encode("utf-8")), text


def test_bpe_training_is_deterministic_and_saved_whole() -> None:
    first, second = SubwordScheme(vocab_size=300), SubwordScheme(vocab_size=300)
    first.fit(TRAIN)
    second.fit(TRAIN)
    assert first.state() == second.state()
    rebuilt = SubwordScheme(vocab_size=300)
    rebuilt.load_state(first.state())
    np.testing.assert_array_equal(rebuilt.encode(HELD).ids, first.encode(HELD).ids)
    with pytest.raises(TrainingError, match="cannot rebuild"):
        rebuilt.load_state({"tokenizer": "{not json"})


def uniform_bits(name: str, scheme: object, text: str) -> float:
    """What a uniform model must score, computed from the units by hand."""
    units = scheme.encode(text)  # type: ignore[attr-defined]
    if name == "bytes":
        return 8.0 * len(text.encode())
    if name == "word_pooled_bytes":  # each byte and the end-of-word mark: one of 257
        return float(sum(n + 1 for n in units.nbytes)) * math.log2(257)
    return len(units) * math.log2(scheme.vocabulary)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["bytes", "subword", "word_pooled_bytes", "lexinvariant"])
@pytest.mark.parametrize("context", [16, 5])
def test_a_uniform_model_scores_what_the_hand_computation_says(name: str,
                                                               context: int) -> None:
    model = tiny_model(name).prepare(TRAIN)
    make_uniform(model)
    scores = model.evaluate(HELD, context=context)
    n_bytes = len(HELD.encode())
    assert scores.n_bytes == n_bytes
    expected = uniform_bits(name, model.scheme, HELD)
    assert scores.bits == pytest.approx(expected, rel=1e-5)
    assert scores.bits_per_byte == pytest.approx(expected / n_bytes, rel=1e-5)
    if name == "bytes":
        assert scores.bits_per_byte == pytest.approx(8.0, abs=1e-5)
        assert scores.positions_per_byte == 1.0
    assert scores.n_positions == len(model.scheme.encode(HELD))
    assert int(scores.bytes_by_position.sum()) == n_bytes
    assert np.isfinite(scores.quarters()).all()


def test_bits_by_position_follow_the_windows() -> None:
    model = tiny_model("bytes").prepare(TRAIN)
    make_uniform(model)
    text = "abcdefghij"  # 10 bytes in windows of 4: 4 + 4 + 2
    scores = model.evaluate(text, context=4)
    assert scores.bytes_by_position.tolist() == [3, 3, 2, 2]
    assert scores.bits_by_position == pytest.approx([24, 24, 16, 16])
    assert scores.quarters() == pytest.approx([8, 8, 8, 8])


# -- training and resume --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bytes", "subword", "word_pooled_bytes", "lexinvariant"])
def test_each_scheme_trains_a_few_steps(name: str) -> None:
    model = tiny_model(name).train(texts_split(TRAIN, HELD))
    assert model.completed and model.record.steps == 3
    assert [h["step"] for h in model.record.history] == [1, 2, 3]
    assert all(np.isfinite(h["train_bits_per_byte"]) for h in model.record.history)
    assert model.record.bytes_seen > 0 and model.params > model.backbone_params
    assert np.isfinite(model.evaluate(HELD).bits_per_byte)


@pytest.mark.parametrize("name", ["bytes", "subword", "word_pooled_bytes", "lexinvariant"])
def test_bfloat16_autocast_runs_every_scheme(name: str) -> None:
    # the GPU path's mixed precision, exercised on the CPU (no GPU in the test machines)
    model = tiny_model(name, dtype="bfloat16", max_steps=2).train(texts_split(TRAIN, HELD))
    assert np.isfinite(model.evaluate(HELD).bits_per_byte)
    assert all(p.dtype == torch.float32 for p in model.network.parameters())


@pytest.mark.parametrize("name", ["subword", "word_pooled_bytes", "lexinvariant"])
def test_resume_gives_the_weights_of_an_uninterrupted_run(name: str, tmp_path: Path) -> None:
    split = texts_split(TRAIN, HELD)
    straight = tiny_model(name, max_steps=4, output=str(tmp_path / "a")).train(split)
    stopped = tiny_model(name, max_steps=4, output=str(tmp_path / "b"))
    stopped.train(split, stop_after=2)
    assert not stopped.completed and stopped.record.steps == 2
    resumed = tiny_model(name, max_steps=4, output=str(tmp_path / "b"))
    resumed.train(split, resume=True)
    assert resumed.record.steps == 4
    for key, value in straight.network.state_dict().items():
        torch.testing.assert_close(resumed.network.state_dict()[key], value, rtol=0, atol=0)
    assert resumed.record.history == [
        {**h, "seconds": r["seconds"]} for h, r in zip(straight.record.history,
                                                       resumed.record.history, strict=True)]
    assert resumed.record.bytes_seen == straight.record.bytes_seen
    # a fresh run into the same output starts over and leaves only its own checkpoints
    tiny_model(name, max_steps=4, output=str(tmp_path / "b")).train(split, stop_after=1)
    assert sorted(p.name for p in (tmp_path / "b.checkpoints").iterdir()) == [
        "ckpt-000000000001"]


def test_resume_refuses_other_settings_and_says_what_differs(tmp_path: Path) -> None:
    split = texts_split(TRAIN, HELD)
    tiny_model("bytes", output=str(tmp_path / "m")).train(split, stop_after=2)
    other = tiny_model("bytes", output=str(tmp_path / "m"), learning_rate=0.02, layers=2)
    with pytest.raises(TrainingError, match="refusing to resume") as caught:
        other.train(split, resume=True)
    assert "layers: 1 in the checkpoint, 2 now" in str(caught.value)
    assert "learning_rate: 0.01 in the checkpoint, 0.02 now" in str(caught.value)
    with pytest.raises(TrainingError, match="train_text_sha256"):
        tiny_model("bytes", output=str(tmp_path / "m")).train(
            texts_split(TRAIN + "more", HELD), resume=True)


# -- lexinvariant codes ---------------------------------------------------------------------


def test_lexinvariant_codes_are_drawn_afresh_for_every_sequence() -> None:
    model = tiny_model("lexinvariant").prepare(TRAIN)
    units = model.scheme.encode("the cat sat on the mat . the cat")
    batch = {k: torch.from_numpy(v) for k, v in
             model.scheme.batch(units, [(0, len(units))] * 2, len(units)).items()}
    head = model.network.head
    codes = head.sample(batch, torch.Generator().manual_seed(0))
    assert codes.shape == (2, model.scheme.vocabulary, 16)
    assert not torch.equal(codes[0], codes[1])  # two sequences, two sets of codes
    again = head.sample(batch, torch.Generator().manual_seed(1))
    assert not torch.equal(codes, again)  # every batch resamples
    x = head.embed(batch, codes)
    ids = batch["inputs"][0].tolist()
    repeated = next(t for t in ids[1:] if ids[1:].count(t) > 1)
    first, second = [i for i, t in enumerate(ids) if t == repeated][:2]
    torch.testing.assert_close(x[0, first], x[0, second])  # same id, same code in a sequence
    assert not torch.equal(x[0, first], x[1, first])
    assert not any(p.shape[0] == model.scheme.vocabulary for p in head.parameters())
    nll = model.network(batch, torch.Generator().manual_seed(0))
    assert not torch.equal(nll[0], nll[1])  # the same text, scored under other codes


def test_semi_lexinvariant_keeps_a_fraction_of_learned_embeddings() -> None:
    model = LanguageModel(LMSettings(**TINY), LexinvariantScheme(vocab_size=300,
                                                                 regular_fraction=0.5))
    model.prepare(TRAIN)
    head = model.network.head
    batch = {"inputs": torch.zeros((64, 4), dtype=torch.long)}
    codes = head.sample(batch, torch.Generator().manual_seed(0))
    learned = (codes == head.regular.weight[None]).all(dim=2).float().mean()
    assert 0.45 < float(learned) < 0.55
    with pytest.raises(ConfigError, match="fraction"):
        LexinvariantScheme(regular_fraction=1.5)


# -- saving, export and bad input -----------------------------------------------------------


def test_save_and_load_score_the_same(tmp_path: Path) -> None:
    model = tiny_model("word_pooled_bytes").train(texts_split(TRAIN, HELD))
    folder = model.save(tmp_path / "model", metrics={"bits_per_byte": 1.0})
    loaded = LanguageModel.load(folder)
    assert loaded.evaluate(HELD).bits == pytest.approx(model.evaluate(HELD).bits, rel=1e-6)
    vectors = loaded.word_vectors(["cat", "dog", "crème"])
    assert vectors.shape == (3, 16) and np.isfinite(vectors.matrix).all()
    np.testing.assert_array_equal(vectors.matrix,
                                  model.word_vectors(["cat", "dog", "crème"]).matrix)
    config = json.loads((folder / "config.json").read_text())
    config["settings"]["dim"] = 32
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(FormatError, match="do not fit"):
        LanguageModel.load(folder)


def test_word_vectors_are_a_registered_embedder(tmp_path: Path) -> None:
    from lexiplug.contracts import Embedder
    from lexiplug.registry import registry

    model = tiny_model("word_pooled_bytes").train(texts_split(TRAIN, HELD))
    model.save(tmp_path / "model")
    embedder = registry.embedders.get("lexiplug.lm_word_vectors.v1")(
        path=str(tmp_path / "model"), min_count=2)
    assert isinstance(embedder, Embedder)
    vectors = embedder.fit([["the", "cat", "sat"], ["the", "cat"]])  # type: ignore[arg-type]
    assert vectors.keys == ["the", "cat"] and vectors.counts.tolist() == [2, 2]
    with pytest.raises(ConfigError, match="only the word_pooled_bytes"):
        tiny_model("bytes").prepare(TRAIN).word_vectors(["cat"])
    from lexiplug.cli.main import main
    from lexiplug.vectors import Vectors

    (tmp_path / "words.txt").write_text("cat\ndog\n\nbrûlée\n")
    with pytest.raises(SystemExit) as done:
        main(["lm", "export-vectors", str(tmp_path / "model"), str(tmp_path / "v.txt"),
              "--words", str(tmp_path / "words.txt")])
    assert done.value.code in (0, None)
    exported = Vectors.load(tmp_path / "v.txt")
    assert exported.keys == ["cat", "dog", "brûlée"] and exported.dim == 16


def test_a_context_longer_than_trained_is_refused() -> None:
    model = tiny_model("bytes").prepare(TRAIN)
    with pytest.raises(ConfigError, match="longer than the 16 this model was trained on"):
        model.evaluate(HELD, context=17)
    with pytest.raises(ConfigError, match="empty"):
        model.evaluate("")
    with pytest.raises(ConfigError, match="token vocabulary"):
        model.evaluate(HELD, cipher="tokens")


def test_empty_training_text_is_refused() -> None:
    with pytest.raises(TrainingError, match="empty"):
        tiny_model("bytes").train(texts_split("  \n", HELD))


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    config = tmp_path / "lm.cfg"
    config.write_text('[lm]\ndim = 15\n\n[lm.scheme]\n@lm_schemes = "lexiplug.lm_bytes.v1"\n')
    with pytest.raises(ConfigError, match=r"lm\.dim"):
        read_config(config)
    config.write_text('[lm]\ndim = 16\n\n[lm.scheme]\n@lm_schemes = "lexiplug.lm_subword.v1"\n'
                      'vocab_size = 10\n')
    with pytest.raises(ConfigError, match=r"lm\.scheme\.vocab_size"):
        read_config(config)
    config.write_text('[lm]\n\n[lm.scheme]\n@lm_schemes = "lexiplug.lm_bites.v1"\n')
    with pytest.raises(ConfigError, match="Did you mean"):
        read_config(config)
    settings, scheme = read_config(config, {"lm.scheme.@lm_schemes": "lexiplug.lm_bytes.v1",
                                            "lm.dim": 32})
    assert settings.dim == 32 and isinstance(scheme, BytesScheme)


def test_cli_trains_stops_resumes_and_scores(tmp_path: Path) -> None:
    from lexiplug.cli.main import main

    (tmp_path / "train.txt").write_text(TRAIN)
    (tmp_path / "held.txt").write_text(HELD)
    config = tmp_path / "lm.cfg"
    config.write_text(f"""[lm]
output = "{tmp_path / 'model'}"
data = "{tmp_path / 'train.txt'}"
eval_data = "{tmp_path / 'held.txt'}"
dim = 16
layers = 1
heads = 2
context = 16
batch_size = 4
max_steps = 4
checkpoint_every = 2

[lm.scheme]
@lm_schemes = "lexiplug.lm_subword.v1"
vocab_size = 300
""")
    with pytest.raises(SystemExit) as stopped:
        main(["lm", "train", str(config), "--stop-after", "2", "-q"])
    assert stopped.value.code in (0, None)
    assert not (tmp_path / "model").exists() and (tmp_path / "model.checkpoints").is_dir()
    with pytest.raises(SystemExit):
        main(["lm", "train", str(config), "--resume", "-q"])
    saved = json.loads((tmp_path / "model" / "config.json").read_text())
    assert saved["steps"] == 4 and saved["metrics"]["bytes"] == len(HELD.encode())
    with pytest.raises(SystemExit):
        main(["lm", "evaluate", str(tmp_path / "model"), "--context", "32"])


def test_units_windows_reject_bad_windows() -> None:
    from lexiplug.plugins.lm.schemes import window_index

    with pytest.raises(ValueError):
        window_index([(0, 5)], context=4)
    index, valid = window_index([(2, 4)], context=3)
    assert index.tolist() == [[2, 3, 0]] and valid.tolist() == [[True, True, False]]
    assert len(Units(np.zeros(3), np.ones(3))) == 3
