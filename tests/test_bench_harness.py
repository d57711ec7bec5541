"""The bench harness words its ratio column by the metric it divides, not always as speed."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.helpers import load_bench_module


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    return load_bench_module("_harness.py")


def test_a_quality_ratio_is_not_called_a_speed_up(harness: ModuleType,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"name": "minilm", "ndcg10": 0.8}, {"name": "smollm_mean", "ndcg10": 0.4}]
    harness.print_table(rows, ["ndcg10"], baseline="minilm", higher_is_better=True)
    out = capsys.readouterr().out
    assert "speed" not in out and "faster" not in out
    assert "row's ndcg10 / 'minilm''s ndcg10" in out
    assert "| smollm_mean | 0.4 | 0.5 |" in out


def test_a_time_ratio_reads_baseline_over_row(harness: ModuleType) -> None:
    caption = harness.ratio_caption("gensim", "fit_s", higher_is_better=False)
    assert caption.startswith("ratio = 'gensim''s fit_s / row's fit_s")
    rows = ({"name": "ours", "fit_s": 2.0}, {"name": "gensim", "fit_s": 6.0})
    assert harness.ratio(rows[0], rows[1], "fit_s") == pytest.approx(3.0)
