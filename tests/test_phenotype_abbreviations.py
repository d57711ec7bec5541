"""Abbreviations defined in report text (Schwartz & Hearst) as word-graph edges."""

from __future__ import annotations

from lexiplug.plugins.tasks.phenotype.abbreviations import (
    abbreviation_graph,
    abbreviation_pairs,
    best_long_form,
    find_abbreviations,
    joined,
)


def test_best_long_form_is_the_shortest_span_matching_right_to_left() -> None:
    # Schwartz & Hearst's own example: the "h" must start a word, so "with" cannot give it
    assert best_long_form("HSP", "cells treated with heat shock protein") == "heat shock protein"
    assert best_long_form("DCIS", "FOCAL DUCTAL CARCINOMA IN SITU") == "DUCTAL CARCINOMA IN SITU"
    assert best_long_form("XYZ", "heat shock protein") is None


def test_definitions_are_found_and_lists_are_not() -> None:
    text = ("BREAST: DUCTAL CARCINOMA IN SITU (DCIS), SOLID TYPE. Margins (2 sets) clear. "
            "Size (1mm). Lymph nodes (slide 3t), station 7 lymph nodes (3).")
    assert list(abbreviation_pairs(text)) == [("DCIS", "DUCTAL CARCINOMA IN SITU")]


def test_the_most_frequent_long_form_wins_and_rare_ones_can_be_dropped() -> None:
    texts = ["ductal carcinoma in situ (DCIS)", "ductal carcinoma in situ (DCIS)",
             "diffuse carcinoma in situ (DCIS)", "prostatic intraepithelial neoplasia (PIN)"]
    assert find_abbreviations(texts) == {"dcis": "ductal carcinoma in situ",
                                         "pin": "prostatic intraepithelial neoplasia"}
    assert find_abbreviations(texts, min_count=2) == {"dcis": "ductal carcinoma in situ"}


def test_graph_joins_each_short_form_to_the_content_words_of_its_long_form() -> None:
    graph = abbreviation_graph({"dcis": "ductal carcinoma in situ"})
    assert sorted(zip(graph.heads, graph.tails, strict=True)) == [
        ("dcis", "carcinoma"), ("dcis", "ductal"), ("dcis", "situ")]
    assert set(graph.relations) == {"abbreviation"}
    both = joined(graph, abbreviation_graph({"pin": "prostatic neoplasia"}), "both")
    assert len(both) == 5 and both.name == "both"
