"""lexiplug_phenotype: shapes per task, masked loss, windows, round trip, overfitting."""

from __future__ import annotations

import numpy as np
import pytest

spacy = pytest.importorskip("spacy")
torch = pytest.importorskip("torch")

from lexiplug.plugins.tasks.phenotype.component import masked_cross_entropy  # noqa: E402
from lexiplug.plugins.tasks.phenotype.model import MTCNN, make_windows  # noqa: E402
from lexiplug.plugins.tasks.phenotype.scorer import f1_scores  # noqa: E402
from spacy.training import Example  # noqa: E402

from tests.helpers import require_data  # noqa: E402

TINY = {"@architectures": "lexiplug.MTCNN.v1", "embed_width": 16, "filters": 8,
        "max_length": 12, "dropout": 0.0}
REPORTS = [
    ("left lung adenocarcinoma well differentiated", {"site": "C34", "grade": "1", "lat": "2"}),
    ("right breast lobular carcinoma poorly differentiated",
     {"site": "C50", "grade": "3", "lat": "1"}),
    ("prostate acinar adenocarcinoma", {"site": "C61", "grade": None, "lat": "0"}),
    ("lung squamous cell carcinoma moderately differentiated",
     {"site": "C34", "grade": "2", "lat": None}),
]


def _example(nlp, text: str, labels: dict[str, str | None]) -> Example:
    vocab = {task: sorted({lab[task] for _, lab in REPORTS if lab[task]}) for task in labels}
    reference = nlp.make_doc(text)
    reference.cats = {f"{task}={option}": float(option == label)
                      for task, label in labels.items() if label is not None
                      for option in vocab[task]}
    return Example(nlp.make_doc(text), reference)


def _pipeline(model: dict | None = None, **config):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("lexiplug_phenotype", name="phenotype",
                        config={"model": model or TINY, "min_count": 1, **config})
    examples = [_example(nlp, text, labels) for text, labels in REPORTS]
    nlp.initialize(lambda: examples)
    return nlp, pipe, examples


def test_labels_and_output_shapes_per_task():
    nlp, pipe, _ = _pipeline()
    assert pipe.label_data == {"grade": ["1", "2", "3"], "lat": ["0", "1", "2"],
                               "site": ["C34", "C50", "C61"]}
    logits = pipe.predict([nlp.make_doc(t) for t, _ in REPORTS])
    assert logits.shape == (4, 9)
    doc = nlp("a report that mentions no known word at all")
    assert set(doc._.phenotype) == {"grade", "lat", "site"}
    for task, labels in pipe.label_data.items():
        probs = [doc.cats[f"{task}={label}"] for label in labels]
        assert np.isclose(sum(probs), 1.0, atol=1e-5)
        label, prob = doc._.phenotype[task]
        assert label in labels and np.isclose(prob, max(probs))


def test_configured_tasks_restrict_heads_and_missing_task_is_an_error():
    _, pipe, _ = _pipeline(tasks=["site"])
    assert pipe.tasks == ["site"]
    from lexiplug.errors import TrainingError

    with pytest.raises(TrainingError, match="histology"):
        _pipeline(tasks=["site", "histology"])


def test_masked_loss_ignores_missing_labels():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 5)).astype(np.float32)
    sizes = [3, 2]
    gold = np.array([[0, 1], [-1, 0], [2, -1], [-1, -1]])
    loss, grad = masked_cross_entropy(logits, gold, sizes)
    assert grad.shape == logits.shape
    assert np.all(grad[1, :3] == 0) and np.all(grad[2, 3:] == 0) and np.all(grad[3] == 0)
    first = torch.nn.functional.cross_entropy(torch.tensor(logits[[0, 2], :3]),
                                              torch.tensor([0, 2]))
    second = torch.nn.functional.cross_entropy(torch.tensor(logits[[0, 1], 3:]),
                                               torch.tensor([1, 0]))
    assert np.isclose(loss, float(first + second), atol=1e-5)
    # the analytic gradient matches autograd
    t = torch.tensor(logits, requires_grad=True)
    (torch.nn.functional.cross_entropy(t[[0, 2], :3], torch.tensor([0, 2]))
     + torch.nn.functional.cross_entropy(t[[0, 1], 3:], torch.tensor([1, 0]))).backward()
    assert np.allclose(grad, t.grad.numpy(), atol=1e-6)


def test_class_weighted_loss_and_gradient_match_torch():
    from lexiplug.plugins.tasks.phenotype.component import balanced_class_weights

    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 5)).astype(np.float32)
    sizes = [3, 2]
    gold = np.array([[0, 1], [0, 0], [0, -1], [2, 1], [-1, 1], [1, 1]])
    weights = balanced_class_weights(gold, sizes)
    # task 0: 5 labelled, classes 0/1/2 seen 3/1/1 times -> 5/(3*3), 5/3, 5/3
    assert np.allclose(weights[0], [5 / 9, 5 / 3, 5 / 3])
    assert np.allclose(weights[1], [5 / (2 * 1), 5 / (2 * 4)])
    loss, grad = masked_cross_entropy(logits, gold, sizes, weights)
    t = torch.tensor(logits, requires_grad=True)
    rows0, rows1 = [0, 1, 2, 3, 5], [0, 1, 3, 4, 5]
    expected = (
        torch.nn.functional.cross_entropy(t[rows0, :3], torch.tensor(gold[rows0, 0]),
                                          weight=torch.tensor(weights[0], dtype=torch.float32))
        + torch.nn.functional.cross_entropy(t[rows1, 3:], torch.tensor(gold[rows1, 1]),
                                            weight=torch.tensor(weights[1], dtype=torch.float32)))
    expected.backward()
    assert np.isclose(loss, expected.item(), atol=1e-5)
    assert np.allclose(grad, t.grad.numpy(), atol=1e-6)
    unweighted, _ = masked_cross_entropy(logits, gold, sizes)
    assert not np.isclose(loss, unweighted)


def test_balanced_class_weighting_is_read_at_initialize_and_saved(tmp_path):
    nlp, pipe, _ = _pipeline(class_weighting="balanced")
    weights = pipe.cfg["class_weights"]
    # "lat" is labelled on 3 reports, one per class: every weight 1
    assert weights[list(pipe.label_data).index("lat")] == [1.0, 1.0, 1.0]
    site = weights[list(pipe.label_data).index("site")]  # C34 twice, C50 and C61 once
    assert np.allclose(site, [4 / 6, 4 / 3, 4 / 3])
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model").get_pipe("phenotype")
    assert loaded.cfg["class_weights"] == weights
    assert _pipeline()[1].cfg["class_weights"] is None


def test_an_unknown_class_weighting_names_its_field():
    from lexiplug.errors import ConfigError

    with pytest.raises(ConfigError, match="balanced") as caught:
        _pipeline(class_weighting="inverse")
    assert caught.value.where == "components.phenotype.class_weighting"


def test_example_without_labels_adds_no_gradient():
    nlp, pipe, examples = _pipeline()
    bare = Example(nlp.make_doc("unlabelled report"), nlp.make_doc("unlabelled report"))
    scores = pipe.model.predict([eg.predicted for eg in [*examples[:1], bare]])
    loss, grad = pipe.get_loss([examples[0], bare], scores)
    assert loss > 0 and np.all(np.asarray(grad)[1] == 0)


def test_windows_cover_long_reports_and_count_each_token_once():
    ids = [np.arange(2, 32), np.arange(2, 5)]
    batch = make_windows(ids, max_length=10, min_length=5, long_docs="window")
    assert batch.windows.shape[1] == 10
    owned = batch.window_doc == 0
    seen = set(batch.windows[owned][batch.windows[owned] > 0].tolist())
    assert seen == set(range(2, 32))
    assert batch.boe_weight[owned].sum() == 30 and batch.boe_weight[~owned].sum() == 3
    truncated = make_windows(ids, max_length=10, min_length=5, long_docs="truncate")
    assert truncated.windows.shape == (2, 10)


def test_windowed_max_pool_equals_one_pass_over_the_whole_report():
    torch.manual_seed(0)
    net = MTCNN(n_rows=60, embed_width=8, filters=6, kernel_sizes=[3, 4, 5],
                bag_of_embeddings=True, dropout=0.0, task_sizes=[3, 2]).eval()
    ids = [np.random.default_rng(1).integers(2, 60, size=47), np.arange(2, 9)]

    def features(max_length: int) -> torch.Tensor:
        b = make_windows(ids, max_length, 5, "window")
        return net.document_features(torch.as_tensor(b.windows),
                                     torch.as_tensor(b.window_doc),
                                     torch.as_tensor(b.boe_weight), b.n_docs)

    assert torch.allclose(features(11), features(100), atol=1e-5)
    assert net(*_tensors(make_windows(ids, 11, 5, "window"))).shape == (2, 5)


def _tensors(batch):
    return (torch.as_tensor(batch.windows), torch.as_tensor(batch.window_doc),
            torch.as_tensor(batch.boe_weight), batch.n_docs)


def test_long_report_runs_in_both_modes_and_truncation_ignores_the_tail():
    for mode in ("window", "truncate"):
        nlp, pipe, _ = _pipeline(model={**TINY, "long_docs": mode})
        head = "lung adenocarcinoma " * 3
        a = pipe.predict([nlp.make_doc(head + "filler " * 20 + "breast lobular")])
        b = pipe.predict([nlp.make_doc(head + "filler " * 20 + "prostate acinar")])
        assert a.shape == (1, 9)
        assert np.allclose(a, b) == (mode == "truncate")


def test_to_disk_and_spacy_load_round_trip(tmp_path):
    nlp, _, examples = _pipeline()
    optimizer = nlp.create_optimizer()
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    texts = [t for t, _ in REPORTS] + ["word " * 40]
    before = [d._.phenotype for d in nlp.pipe(texts)]
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    after = [d._.phenotype for d in loaded.pipe(texts)]
    for x, y in zip(before, after, strict=True):
        assert x.keys() == y.keys()
        for task in x:
            assert x[task][0] == y[task][0] and np.isclose(x[task][1], y[task][1], atol=1e-6)
    assert loaded.get_pipe("phenotype").label_data == nlp.get_pipe("phenotype").label_data
    weights = (tmp_path / "model" / "phenotype" / "model").read_bytes()
    assert b"mtcnn_config" in weights  # safetensors metadata travels in the thinc message


def test_f1_scores_match_scikit_learn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(3)
    gold = rng.choice(["a", "b", "c", "d"], size=50).tolist()
    pred = rng.choice(["a", "b", "c", "e"], size=50).tolist()
    mine = f1_scores(gold, pred)
    assert np.isclose(mine["macro_f"], f1_score(gold, pred, average="macro"))
    assert np.isclose(mine["micro_f"], f1_score(gold, pred, average="micro"))
    assert np.isclose(mine["acc"], mine["micro_f"])


@pytest.mark.data
def test_overfits_a_tiny_generated_six_task_set():
    require_data("pathology/seer-icdo3/seersiterecode_site-recode-data-2023.csv")
    from lexiplug.plugins.tasks.phenotype.generate import TASKS, generate_reports
    from lexiplug.plugins.tasks.phenotype.prepare import label_vocabulary, make_docs

    reports = [{"text": r["text"], "labels": {t: r[t] for t in TASKS}}
               for r in generate_reports(12, seed=1, max_reports_per_patient=1)]
    nlp = spacy.blank("en")
    docs = make_docs(nlp, reports, label_vocabulary(reports))
    nlp.add_pipe("lexiplug_phenotype", config={
        "model": {**TINY, "embed_width": 24, "filters": 16, "max_length": 200},
        "min_count": 1})
    examples = [Example(nlp.make_doc(d.text), d) for d in docs]
    nlp.initialize(lambda: examples)
    optimizer = nlp.create_optimizer()
    optimizer.learn_rate = 0.01
    for _ in range(40):
        nlp.update(examples, sgd=optimizer)
    scores = nlp.evaluate(examples)
    assert set(scores["phenotype_per_task"]) == set(TASKS)
    assert scores["phenotype_acc"] >= 0.95, scores["phenotype_per_task"]


def test_prepare_reads_gzipped_jsonl_and_checks_options(tmp_path) -> None:
    """#27 item 6: `.jsonl.gz` was opened as plain text; unknown options and a CSV row with
    extra cells ended in TypeErrors (the second one inside the error message itself)."""
    import gzip
    import json

    from lexiplug.errors import ConfigError, FormatError
    from lexiplug.plugins.tasks.phenotype.prepare import prepare

    rows = [{"text": "Carcinoma of the lung.", "site": "lung"},
            {"text": "Adenocarcinoma of the colon.", "site": "colon"}]
    source = tmp_path / "reports.jsonl.gz"
    source.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in rows).encode()))
    summary = prepare([source], tmp_path / "out.spacy", labels="site")
    assert summary[str(tmp_path / "out.spacy")]["docs"] == 2
    with pytest.raises(ConfigError, match="unknown option"):
        prepare([source], tmp_path / "out.spacy", labels="site", windw=3)
    with pytest.raises(ConfigError, match="labels"):
        prepare([source], tmp_path / "out.spacy")
    wide = tmp_path / "wide.csv"
    wide.write_text("text,site\nA report.,lung,extra\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"wide\.csv:2"):
        prepare([wide], tmp_path / "out.spacy", labels="site")
