"""encode_files: shards written atomically, resumable, the same rows as one encode_texts call."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lexiplug.engine import LocalEngine
from lexiplug.errors import ConfigError, DataNotFoundError, FormatError
from lexiplug.sharded_encode import TextShard, encode_files, encode_shard, load_encoded

pytest.importorskip("transformers", reason="the tiny BERT encoder needs transformers")

from lexiplug.plugins.contextual.testing import build_tiny_bert

ENCODER = "lexiplug.transformer.v1"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


def inputs(folder: Path) -> list[Path]:
    text = folder / "a.txt"
    text.write_text("the cat sat\n\nthe dog sat on the mat\na king\nhello world\n",
                    encoding="utf-8")
    jsonl = folder / "b.jsonl"
    jsonl.write_text("\n".join(json.dumps({"text": t}) for t in
                               ["a queen is a woman", "the man", "the world"]) + "\n",
                     encoding="utf-8")
    return [text, jsonl]


class CountingEngine(LocalEngine):
    def __init__(self) -> None:
        self.items: list[object] = []

    def map_with_state(self, setup, function, items, *, desc=""):
        self.items.extend(items)
        return super().map_with_state(setup, function, items, desc=desc)


def test_shards_hold_exactly_what_one_call_gives(tmp_path, tiny_model) -> None:
    from lexiplug import registry

    files = inputs(tmp_path)
    settings = {"model_path": str(tiny_model)}
    index = encode_files(ENCODER, settings, files, tmp_path / "out", shard_lines=2)
    matrix, origins = load_encoded(index.parent)
    texts = ["the cat sat", "the dog sat on the mat", "a king", "hello world",
             "a queen is a woman", "the man", "the world"]
    expected = registry.encoders.get(ENCODER)(**settings).encode_texts(texts)
    assert matrix.shape == expected.shape
    np.testing.assert_allclose(matrix, expected, atol=1e-5)
    assert origins[:2] == [(str(files[0].resolve()), 1), (str(files[0].resolve()), 3)]
    assert json.loads(index.read_text())["rows"] == 7


def test_a_rerun_encodes_only_the_missing_shards(tmp_path, tiny_model) -> None:
    files = inputs(tmp_path)
    settings = {"model_path": str(tiny_model)}
    out = tmp_path / "out"
    encode_files(ENCODER, settings, files, out, shard_lines=2)
    first, _ = load_encoded(out)
    (out / "shard-00001.json").unlink()  # as if the run died while writing shard 1
    (out / "index.json").unlink()
    with pytest.raises(FormatError, match="did not finish"):
        load_encoded(out)
    engine = CountingEngine()
    encode_files(ENCODER, settings, files, out, shard_lines=2, engine=engine)
    assert [s.index for s in engine.items] == [1]  # type: ignore[attr-defined]
    again, _ = load_encoded(out)
    assert np.array_equal(first, again)


def test_a_folder_of_another_encoding_is_refused(tmp_path, tiny_model) -> None:
    files = inputs(tmp_path)
    out = tmp_path / "out"
    encode_files(ENCODER, {"model_path": str(tiny_model)}, files, out,
                 shard_lines=2)
    with pytest.raises(ConfigError, match="another encoding") as error:
        encode_files(ENCODER, {"model_path": str(tiny_model)},
                     files[:1], out, shard_lines=2)
    assert error.value.where == "output"


def test_bad_inputs_are_named(tmp_path, tiny_model) -> None:
    with pytest.raises(ConfigError, match="progres") as error:
        encode_files(ENCODER, {"model_path": str(tiny_model), "progres": False},
                     inputs(tmp_path), tmp_path / "out")
    assert error.value.where == "settings.progres"
    with pytest.raises(DataNotFoundError, match=r"nope\.txt"):
        encode_files(ENCODER, {}, [tmp_path / "nope.txt"], tmp_path / "out")
    with pytest.raises(ConfigError) as error:
        encode_files(ENCODER, {}, inputs(tmp_path), tmp_path / "out", shard_lines=0)
    assert error.value.where == "shard_lines"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"title": "no text"}\n', encoding="utf-8")
    shard = TextShard(0, str(bad), 0, 2)
    with pytest.raises(FormatError, match=r"bad\.jsonl:2.*'text'"):
        encode_shard(None, shard, output=str(tmp_path), text_field="text")
    gone = TextShard(0, str(tmp_path / "removed.txt"), 0, 2)
    with pytest.raises(DataNotFoundError, match="removed while the encoding"):
        encode_shard(None, gone, output=str(tmp_path), text_field="text")


def test_a_full_disk_leaves_no_shard_that_looks_finished(tmp_path, monkeypatch) -> None:
    """ENOSPC while writing a shard: the error surfaces, no file under a final name."""
    import errno

    text = tmp_path / "t.txt"
    text.write_text("a b\nc d\n", encoding="utf-8")

    class Encoder:
        def encode_texts(self, texts):
            return np.ones((len(texts), 4), dtype=np.float32)

    def full_disk(handle, array, allow_pickle=False):
        handle.write(b"\x93NUMPY partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full_disk)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OSError, match="No space left"):
        encode_shard(Encoder(), TextShard(0, str(text), 0, 2), output=str(out), text_field="text")
    assert list(out.iterdir()) == []  # no temporary left behind either
