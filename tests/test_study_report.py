"""The study report: report.html, own CIs, error analysis, progress, vectorised bootstraps,
the PCA plot, and the bias plot living in its plugin (core knows no plugin's words)."""

from __future__ import annotations

import contextlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.evaluation.stats import (
    bootstrap_ci,
    paired_bootstrap,
    resampled_mean,
    resampled_pearson,
    resampled_spearman,
)
from lexiplug.hookspecs import hookimpl
from lexiplug.registry import registry
from lexiplug.study import analysis
from lexiplug.study.compare import compare
from lexiplug.study.outcome import StudyOutcome
from lexiplug.study.runner import run_study
from lexiplug.vectors import Vectors

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert('x')</script>"
QUIET_STDERR: list[str] = []

CONFIG = """
[study]
name = "report_test"
seed = 1

[embedders.first]
@embedders = "test_report.embedder.v1"
seed = 0

[embedders.second]
@embedders = "test_report.embedder.v1"
seed = 1

[evaluate.similarity]
@evaluators = "lexiplug.similarity.v1"
datasets = ["ws353_gensim"]
bootstrap = 200

[evaluate.analogy]
@evaluators = "lexiplug.analogy.v1"
datasets = ["test_report_analogies"]
bootstrap = 200

[report]
bootstrap_resamples = 200

[report.word_groups]
capitals = ["athens", "baghdad", "bangkok", "beijing", "berlin", "zzz_not_a_word"]
countries = ["greece", "iraq", "thailand", "china", "germany"]
"""


CAPITALS = {"athens": "greece", "baghdad": "iraq", "bangkok": "thailand", "beijing": "china",
            "berlin": "germany", "cairo": "egypt"}
OPPOSITES = {"acceptable": "unacceptable", "aware": "unaware", "clear": "unclear",
             "possible": "impossible", "sure": "unsure"}


def write_analogies(path: Path) -> None:
    """A two-section questions-words file: one semantic, one syntactic (``gram``) section."""
    lines = []
    for section, pairs in (("capital-common-countries", CAPITALS), ("gram2-opposite", OPPOSITES)):
        lines.append(f": {section}")
        lines += [f"{a} {b} {c} {d}" for a, b in pairs.items() for c, d in pairs.items()
                  if a != c]
    path.write_text("\n".join(lines) + "\n")


class DatasetWordsEmbedder:
    """Seeded random vectors for the words of gensim's WordSim-353 copy and the analogies;
    countries sit a fixed offset from their capitals, so the semantic questions succeed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def fit(self, corpus: Any = None) -> Vectors:  # a row of fixed vectors: no corpus
        pairs = registry.datasets.get("ws353_gensim")().load()
        words = {w.lower(): None for pair in pairs.pairs for w in pair}
        words.update({w: None for pair in (*CAPITALS.items(), *OPPOSITES.items())
                      for w in pair})
        keys = list(words)
        rng = np.random.default_rng(self.seed)
        matrix = rng.standard_normal((len(keys), 16)).astype(np.float32)
        index = {w: i for i, w in enumerate(keys)}
        offset = rng.standard_normal(16).astype(np.float32) * 3
        for capital, country in CAPITALS.items():
            matrix[index[country]] = matrix[index[capital]] + offset
        return Vectors(keys, matrix)


def dataset_words_embedder(seed: int = 0) -> DatasetWordsEmbedder:
    return DatasetWordsEmbedder(seed)


class HostilePlugin:
    """A plugin section with markup in its title and body, and a plot of its own."""

    @hookimpl
    def lexiplug_report_sections(self, results: dict[str, Any]) -> list[tuple[str, str]]:
        from lexiplug.study.plots import new_figure, save_png

        fig = new_figure(3, 2)
        fig.add_subplot().plot([0, 1, 2], [2, 0, 1])
        save_png(fig, Path(results["plots"]) / "plugin_plot.png")
        return [(f"Plugin {HOSTILE}", f"Body {HOSTILE}\n\n![plugin plot](plots/plugin_plot.png)")]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyOutcome:
    from functools import partial

    from lexiplug.data.spec import DatasetSpec
    from lexiplug.plugin_loader import plugin_manager
    from lexiplug.plugins.datasets.readers_analogy import read_analogy_questions

    folder = tmp_path_factory.mktemp("report")
    write_analogies(folder / "questions.txt")
    spec = DatasetSpec("test_report_analogies", "analogy", (str(folder / "questions.txt"),),
                       reader=partial(read_analogy_questions, name="test_report_analogies"))
    registry.datasets.register("test_report_analogies", func=lambda: spec)
    registry.embedders.register("test_report.embedder.v1", func=dataset_words_embedder)
    config = folder / "report.cfg"
    config.write_text(CONFIG)
    manager = plugin_manager()
    manager.register(HostilePlugin(), name="test_report_hostile")
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            outcome = run_study(config, output=folder / "out", quiet=True, cache_dir=False)
    finally:
        manager.unregister(name="test_report_hostile")
    QUIET_STDERR.append(stderr.getvalue())
    return outcome


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.sources.append(values.get("src") or "")
        if tag in ("link", "script"):
            self.links.append(tag)


def test_html_report_is_self_contained_escaped_and_complete(study: StudyOutcome) -> None:
    path = study.files["report.html"]
    assert path == study.output / "report.html"
    page = path.read_text(encoding="utf-8")
    images = _Images()
    images.feed(page)
    # score charts, the projection and the plugin's own plot, all embedded
    assert len(images.sources) == 4
    assert all(src.startswith("data:image/png;base64,") for src in images.sources)
    assert images.links == []  # nothing fetched from elsewhere, no script
    assert HOSTILE not in page and "&lt;script&gt;" in page
    # how each figure was computed
    assert "percentile bootstrap over items, 200 resamples" in page
    assert "paired bootstrap over the same resampled items, one-sided" in page
    assert "(k + 1) / (200 + 1)" in page
    assert "Own 95% CI (first, second): by the evaluator (lexiplug.similarity.v1): " \
           "percentile bootstrap over items, 200 resamples, seed 1" in page
    # the analogy split and the error analysis, per row
    assert "Semantic and syntactic questions" in page
    assert page.count("scored pairs furthest from the human ranking") == 2
    assert page.count("failed questions (of") == 2
    assert re.search(r"<td>\w+ : \w+ :: \w+ : \?</td>", page)


def test_own_ci_comes_from_the_evaluator_or_the_report() -> None:
    rng = np.random.default_rng(0)
    gold = rng.uniform(0, 10, 60)
    items = [ItemRecord(i, g + rng.normal(0, 3), gold=g) for i, g in enumerate(gold)]
    bare = Result("sim", "set", {"spearman": 0.5}, "spearman", 60, 60, items=items,
                  item_statistic="spearman")
    own = analysis.own_interval(bare, n_resamples=300, seed=4)
    assert own.ci is not None and own.ci[0] < 0.5 < own.ci[1] + 0.3
    assert own.method.startswith("by the report") and "300 resamples, seed 4" in own.method
    given = Result("sim", "set", {"spearman": 0.5}, "spearman", 60, 60,
                   ci={"spearman": (0.1, 0.7)}, items=items, item_statistic="spearman",
                   extra={"bootstrap": 500, "seed": 2})
    own = analysis.own_interval(given, n_resamples=300, seed=4)
    assert own.ci == (0.1, 0.7) and "500 resamples, seed 2" in own.method


def test_error_analysis_ranks_pairs_and_lists_failed_analogies() -> None:
    details = [
        {"word1": "a", "word2": "b", "gold": 9.0, "model": 0.9},
        {"word1": "c", "word2": "d", "gold": 8.0, "model": 0.8},
        {"word1": "e", "word2": "f", "gold": 1.0, "model": 0.95},  # human last, model first
        {"word1": "g", "word2": "h", "gold": 5.0, "model": None, "scored": False},
    ]
    result = Result("sim", "set", {"spearman": 0.0}, "spearman", 4, 3, details=details)
    table = analysis.error_table("row", "similarity", result, limit=2)
    assert table is not None and table.n_errors == 3
    assert table.items[0][:2] == ["e", "f"] and table.items[0][-1] == "2"
    records = [
        {"section": s, "a": "x", "b": "y", "c": f"{s}{i}", "expected": "z",
         "predicted": None if i == 0 else f"p{i}", "correct": False, "covered": True}
        for s in ("one", "two") for i in range(3)
    ] + [{"section": "two", "a": "k", "b": "l", "c": "m", "expected": "n", "predicted": "n",
          "correct": True, "covered": True}]
    result = Result("analogy", "set", {"accuracy": 1 / 7}, "accuracy", 7, 7, details=records)
    table = analysis.error_table("row", "analogy", result, limit=3)
    assert table is not None and table.n_errors == 6
    assert [item[0] for item in table.items] == ["one", "two", "one"]  # sections in turn
    assert table.items[0][3] == "(no answer)" and table.items[2][3] == "p1"


@pytest.mark.parametrize("kind", ["mean", "pearson", "spearman"])
def test_vectorised_bootstrap_equals_the_loop(kind: str) -> None:
    rng = np.random.default_rng(5)
    x = np.round(rng.uniform(0, 10, 57), 1)  # ties, as human ratings have
    y = x + rng.normal(0, 4, 57)
    batch = {"mean": resampled_mean(y), "pearson": resampled_pearson(x, y),
             "spearman": resampled_spearman(x, y)}[kind]

    def one(idx: np.ndarray) -> float:
        from scipy import stats

        if kind == "mean":
            return float(y[idx].mean())
        method = stats.pearsonr if kind == "pearson" else stats.spearmanr
        return float(method(x[idx], y[idx])[0])

    looped = bootstrap_ci(one, 57, n_resamples=400, seed=9)
    vectorised = bootstrap_ci(batch, 57, n_resamples=400, seed=9, vectorized=True)
    assert looped is not None and vectorised is not None
    np.testing.assert_allclose(vectorised, looped, rtol=1e-9, atol=1e-12)
    worse = resampled_mean(y - 0.5)
    p_loop = paired_bootstrap(lambda i: float(y[i].mean()), lambda i: float((y - 0.5)[i].mean()),
                              57, n_resamples=400, seed=9)
    p_vector = paired_bootstrap(resampled_mean(y), worse, 57, n_resamples=400, seed=9,
                                vectorized=True)
    assert p_loop == p_vector


def test_study_tables_keep_the_loop_figures() -> None:
    """The comparison tables give the figures the per-resample scipy loop gives."""
    from scipy import stats

    rng = np.random.default_rng(3)
    gold = rng.uniform(0, 10, 80)
    a = gold + rng.normal(0, 2, 80)
    b = gold + rng.normal(0, 6, 80)

    def result(predicted: np.ndarray) -> Result:
        items = [ItemRecord(i, float(p), gold=float(g))
                 for i, (g, p) in enumerate(zip(gold, predicted, strict=True))]
        return Result("sim", "set", {"spearman": 0.0}, "spearman", 80, 80, items=items,
                      item_statistic="spearman")

    table = compare("sim", {"a": result(a), "b": result(b)}, n_resamples=300, seed=11)
    for figure, predicted in zip(table.rows, (a, b), strict=True):
        expected = bootstrap_ci(lambda i, p=predicted: float(stats.spearmanr(gold[i], p[i])[0]),
                                80, n_resamples=300, seed=11)
        assert figure.shared_ci is not None and expected is not None
        np.testing.assert_allclose(figure.shared_ci, expected, rtol=1e-9)
    expected_p = paired_bootstrap(lambda i: float(stats.spearmanr(gold[i], a[i])[0]),
                                  lambda i: float(stats.spearmanr(gold[i], b[i])[0]),
                                  80, n_resamples=300, seed=11)
    assert table.p_value == expected_p


def test_report_phase_shows_progress_unless_quiet(study: StudyOutcome, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from dataclasses import replace

    from lexiplug.study.write import write_outputs

    assert "report" not in QUIET_STDERR[0]  # the fixture's run was quiet
    write_outputs(replace(study, output=tmp_path), quiet=False)
    assert "report: 100%" in capsys.readouterr().err


def test_projection_has_a_legend_per_panel_lists_missing_words_and_spreads_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lexiplug.study import plots

    rng = np.random.default_rng(2)
    words = [f"n{i}" for i in range(12)] + [f"c{i}" for i in range(12)]
    matrix = rng.standard_normal((24, 8)).astype(np.float32)
    matrix[:12] = matrix[0] + 1e-3 * matrix[:12]  # twelve labels on one spot
    groups = {"near": [f"n{i}" for i in range(12)] + ["gone1"],
              "far": [f"c{i}" for i in range(12)] + ["gone2"]}
    figures: list[Any] = []
    saved = plots.save_png
    monkeypatch.setattr(plots, "save_png", lambda fig, path: (figures.append(fig),
                                                               saved(fig, path))[1])
    rows = {"a": Vectors(words, matrix), "b": Vectors(words[:20], matrix[:20])}
    path = plots.word_group_projection(rows, groups, tmp_path)
    assert path is not None and path.stat().st_size > 1000
    axes = figures[0].axes
    assert len(axes) == 2 and all(ax.get_legend() is not None for ax in axes)
    assert axes[0].get_xlabel() == "missing (2): gone1, gone2"
    assert axes[1].get_xlabel() == "missing (6): gone1, c8, c9, c10, c11, gone2"
    renderer = figures[0].canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in axes[0].texts]
    overlaps = sum(boxes[i].overlaps(boxes[j]) for i in range(len(boxes))
                   for j in range(i + 1, len(boxes)))
    assert overlaps <= 3  # all twelve labels started on one point: 66 overlapping pairs


def test_bias_plot_comes_from_the_bias_plugin(tmp_path: Path) -> None:
    from lexiplug.plugins.bias.evaluator import EVALUATOR
    from lexiplug.plugins.bias.report import report_sections

    rng = np.random.default_rng(2)
    words = ["he", "she", "man", "woman", "his", "her", "nurse", "engineer", "teacher", "doctor"]
    vectors = Vectors(words, rng.standard_normal((len(words), 6)).astype(np.float32))
    bias = Result(EVALUATOR, "debiaswe", {}, "direct_bias", 1, 1)
    other = Result("lexiplug.similarity.v1", "ws353", {}, "spearman", 1, 1)
    summary: dict[str, Any] = {"output": str(tmp_path), "plots": tmp_path / "plots",
                               "report": {}, "rows": {"a": vectors, "b": vectors},
                               "results": [("a", "bias", bias)]}
    sections = report_sections(summary)
    assert sections is not None and len(sections) == 1
    title, body = sections[0]
    assert title == "Professions on the gender direction"
    assert "](plots/professions_gender_direction.png)" in body
    assert (tmp_path / "plots" / "professions_gender_direction.png").stat().st_size > 1000
    assert report_sections({**summary, "results": [("a", "sim", other)]}) is None
    assert report_sections({**summary, "plots": None}) is None
    few = report_sections({**summary, "report": {"professions": ["nurse", "zzz"]}})
    assert few is not None and "no plot" in few[0][1]


def test_no_core_module_knows_the_bias_plugins_words() -> None:
    words = ("receptionist", "housekeeper", "homemaker", '("she", "he")', "DEFAULT_PROFESSIONS")
    found = [f"{path.relative_to(ROOT)}: {word}" for path in sorted((ROOT / "core").rglob("*.py"))
             for word in words if word in path.read_text(encoding="utf-8")]
    assert not found, found


_MEASURE_IMAGES = """<script>
window.addEventListener("load", () => {
  const images = [...document.images].map((img) => {
    const box = img.getBoundingClientRect();
    return {natural: [img.naturalWidth, img.naturalHeight],
            box: [box.left + window.scrollX, box.top + window.scrollY, box.width, box.height]};
  });
  document.body.dataset.images = JSON.stringify(images);
  document.body.dataset.height = String(document.documentElement.scrollHeight);
});
</script>
"""


def _chromium() -> str:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium binary on PATH (install it with `apt-get install chromium`; "
                ".ci/run does when apt-get is available)")


def _headless(browser: str, profile: Path, *args: str) -> str:
    import subprocess

    completed = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--force-device-scale-factor=1", f"--user-data-dir={profile}",
         "--virtual-time-budget=10000", *args],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def test_report_html_plots_render_in_headless_chromium(study: StudyOutcome,
                                                        tmp_path: Path) -> None:
    """The embedded plots decode and paint: natural sizes from the DOM, pixels from a
    screenshot of where each image sits."""
    import json

    from PIL import Image

    browser = _chromium()
    page = study.files["report.html"].read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"  # the report plus a script that measures its images
    probe.write_text(page.replace("</body>", _MEASURE_IMAGES + "</body>"), encoding="utf-8")
    dom = _headless(browser, tmp_path / "profile", "--dump-dom", probe.as_uri())
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    attributes = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(0)))
    images = json.loads(attributes["images"].replace("&quot;", '"'))
    assert len(images) == 4
    assert all(image["natural"][0] > 100 and image["natural"][1] > 100 for image in images)
    height = min(int(attributes["height"]), 16_000)
    shot = tmp_path / "report.png"
    _headless(browser, tmp_path / "profile", f"--window-size=1280,{height}",
              f"--screenshot={shot}", study.files["report.html"].as_uri())
    screen = np.asarray(Image.open(shot).convert("L"), dtype=np.float64)
    for image in images:
        left, top, width, height = (round(v) for v in image["box"])
        assert width > 50 and height > 50 and top + height <= screen.shape[0], image
        region = screen[top:top + height, left:left + width]
        # a plot is mostly white but has axes, bars and text: dark pixels and contrast
        assert (region < 128).mean() > 0.005, image
        assert region.std() > 10, image


def test_result_to_dict_leaves_details_out_without_copying_them() -> None:
    details = [{"word1": "a", "word2": "b", "gold": 1.0, "model": 0.5, "nested": [1, 2]}]
    result = Result("sim", "set", {"spearman": float("nan")}, "spearman", 1, 1,
                    ci={"spearman": (0.1, 0.2)}, details=details)
    full = result.to_dict()
    assert full["details"] == details and full["details"][0]["nested"] is not details[0]["nested"]
    light = result.to_dict(details=False)
    assert [key for key in full if key not in ("details", "items")] == list(light)
    assert "details" not in light and light["metrics"] == {"spearman": None}
    assert light["ci"] == {"spearman": [0.1, 0.2]} and result.details is details


def test_no_resamples_means_no_interval_not_a_crash() -> None:
    """``n_resamples=0`` (intervals off) raised IndexError from an empty quantile."""
    assert bootstrap_ci(lambda idx: float(np.mean(idx)), 10, n_resamples=0) is None
