"""bench/sentiment.py's train/evaluation split (issue 19): SST-2 is trained on its train file
and scored on its held-out dev file through ``--eval``; the one sentence the two files share
upstream ("cool ." / "cool ?") is dropped from training, while Pang & Lee against SST-2
(hundreds of shared sentences) is still refused, in both directions. Marked ``data``: needs
the shared sets."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from lexiplug.errors import FormatError

from tests.helpers import load_bench_module, require_data

SST_DEV = "sentiment/sst2-harvardnlp/stsa.binary.dev"
PANG_LEE = "sentiment/aydin-gungor-english/english_sentiment_data.train.csv"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_bench_module("sentiment.py", monkeypatch)


def data_file(relative: str) -> Path:
    from lexiplug.data.resolver import resolve_data_path

    require_data(relative.rsplit("/", 1)[0])
    return Path(resolve_data_path(relative))


@pytest.mark.data
def test_sst2_held_out_dev_drops_the_one_shared_train_sentence(  # type: ignore[no-untyped-def]
        bench, capsys: pytest.CaptureFixture[str]) -> None:
    from lexiplug.plugins.tasks.sentiment.readers import overlap_key

    train, evaluation, source = bench.load_split("sst2", data_file(SST_DEV), False)
    assert len(evaluation) == 872 and source.endswith("stsa.binary.dev")
    assert len(train) == 6920 - 1
    assert not {overlap_key(r.text) for r in train} & {overlap_key(r.text) for r in evaluation}
    assert "'cool .'" in capsys.readouterr().out


@pytest.mark.data
@pytest.mark.parametrize(("name", "held_out"), [("en", SST_DEV), ("sst2", PANG_LEE)])
def test_pang_lee_and_sst2_overlap_is_refused(bench, name: str,  # type: ignore[no-untyped-def]
                                              held_out: str) -> None:
    with pytest.raises(FormatError, match=r"also occur in the training set .*SST-2 and Pang"):
        bench.load_split(name, data_file(held_out), False)
