"""The similarity evaluator's concrete/abstract split (issue 7's question)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import FormatError
from lexiplug.plugins.datasets.readers_word_pairs import WordPairs
from lexiplug.plugins.evaluators.concreteness import load_concreteness, pair_groups
from lexiplug.plugins.evaluators.similarity import make_similarity_evaluator
from lexiplug.vectors import Vectors


def _norms(tmp_path: Path) -> Path:
    path = tmp_path / "norms.tsv"
    path.write_text("Word\tConc.M\napple\t5.0\npear\t4.9\ncar\t4.8\nbus\t4.7\n"
                    "idea\t1.5\nhope\t1.2\ntruth\t1.4\nfaith\t1.3\n")
    return path


def test_pairs_are_grouped_only_when_both_words_agree(tmp_path: Path) -> None:
    norms = load_concreteness(_norms(tmp_path), column="Conc.M")
    assert norms.threshold == pytest.approx(3.1)
    groups = pair_groups(norms, [("apple", "pear"), ("idea", "hope"), ("apple", "idea"),
                                 ("apple", "unrated")])
    assert groups == ["concrete", "abstract", None, None]


def test_split_scores_are_spearman_within_each_group(tmp_path: Path) -> None:
    pairs = [("apple", "pear"), ("car", "bus"), ("apple", "bus"), ("pear", "car"),
             ("idea", "hope"), ("truth", "faith"), ("idea", "faith"), ("hope", "truth")]
    gold = np.array([9.0, 8.0, 3.0, 2.0, 7.0, 6.0, 5.0, 1.0])
    words = sorted({w for pair in pairs for w in pair})
    rng = np.random.default_rng(0)
    vectors = Vectors(words, rng.standard_normal((len(words), 8)).astype(np.float32))
    data = WordPairs(pairs=pairs, scores=gold, lines=list(range(1, 9)), path=tmp_path / "x",
                     name="toy")
    evaluator = make_similarity_evaluator(bootstrap=0, concreteness=str(_norms(tmp_path)),
                                          concreteness_column="Conc.M")
    result = evaluator.evaluate(vectors, data)
    from scipy.stats import spearmanr

    model = np.array([vectors.similarity(a, b) for a, b in pairs])
    assert result.metrics["spearman_concrete"] == pytest.approx(
        spearmanr(gold[:4], model[:4]).statistic)
    assert result.metrics["spearman_abstract"] == pytest.approx(
        spearmanr(gold[4:], model[4:]).statistic)
    assert result.metrics["n_concrete"] == 4 and result.metrics["n_abstract"] == 4


def test_bad_norms_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("apple\t5\npear\tlots\n")
    with pytest.raises(FormatError, match=r"bad.tsv:2"):
        load_concreteness(path)
