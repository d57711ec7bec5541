"""``lexiplug.RCNN.v1`` inside spaCy's own textcat components, and `task prepare newsgroups`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy
from lexiplug.errors import ConfigError
from lexiplug.vectors import Vectors
from spacy.training import Example

from tests.documents_helpers import TOPICS, planted_archive

SMALL = {"@architectures": "lexiplug.RCNN.v1", "n_buckets": 500, "embed_width": 8,
         "context_width": 8, "hidden": 16}
TEXTS = [("pixel shader render gpu bitmap", "comp"), ("engine brake clutch tire piston", "rec"),
         ("render the pixel and the texture", "comp"), ("a tire and a brake", "rec")] * 6


def _pipeline(factory: str = "textcat", **model: object) -> tuple[spacy.Language, list]:
    nlp = spacy.blank("en")
    exclusive = factory == "textcat"
    nlp.add_pipe(factory, config={"model": {**SMALL, "exclusive_classes": exclusive, **model}})
    examples = [Example.from_dict(nlp.make_doc(text), {"cats": {"comp": float(label == "comp"),
                                                                "rec": float(label == "rec")}})
                for text, label in TEXTS]
    return nlp, examples


@pytest.mark.parametrize("factory", ["textcat", pytest.param("textcat_multilabel",
                                                             marks=pytest.mark.slow)])
def test_rcnn_learns_in_spacys_textcat_components(factory: str) -> None:
    nlp, examples = _pipeline(factory)
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = 0.02
    first = None
    for _ in range(25):
        losses: dict[str, float] = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
        first = losses[factory] if first is None else first
    assert losses[factory] < first / 2
    assert nlp("gpu bitmap shader").cats["comp"] > 0.5 > nlp("clutch piston").cats["comp"]
    if factory == "textcat":
        assert sum(nlp("pixel").cats.values()) == pytest.approx(1.0, abs=1e-5)
    clone = spacy.blank("en")
    clone.add_pipe(factory, config={"model": {**SMALL, "exclusive_classes": factory == "textcat"}})
    clone.from_bytes(nlp.to_bytes())
    assert clone("gpu render").cats == pytest.approx(nlp("gpu render").cats)


def test_pretrained_lexiplug_vectors_initialise_their_rows() -> None:
    rng = np.random.default_rng(0)
    vectors = Vectors(["Pixel", "tire", "pixel"], rng.normal(size=(3, 8)).astype(np.float32))
    nlp, _ = _pipeline(pretrained={"@misc": "lexiplug.vectors.v1",
                                          "name_or_path": None})
    model = nlp.get_pipe("textcat").model
    from lexiplug.plugins.documents.rcnn import _embedding_table

    table = _embedding_table(model, lambda: vectors, 8, 10, 0)
    assert model.attrs["words"] == ["pixel", "tire"]  # lower-cased, first spelling wins
    scaled = vectors.matrix[[0, 1]] / vectors.matrix[[0, 1]].std() * 0.1
    assert np.allclose(table[1:3], scaled) and not table[0].any()
    with pytest.raises(ConfigError, match="embed_width"):
        _embedding_table(model, lambda: vectors, 16, 10, 0)


def test_contexts_follow_the_recurrences() -> None:
    import torch
    from lexiplug.plugins.documents.rcnn_torch import RCNN

    torch.manual_seed(0)
    net = RCNN(n_rows=20, embed_width=4, context_width=3, hidden=5, n_labels=2,
               exclusive=True, dropout=0.0)
    with torch.no_grad():
        net.left_start.normal_()
    ids = torch.tensor([[3, 5, 7, 2]])
    embedded = net.embed(ids)
    got = net.contexts(net.left, net.left_start, embedded)[0]
    state = net.left_start
    expected = [state]
    for i in range(1, 4):  # c_l(w_i) = tanh(W c_l(w_{i-1}) + W' e(w_{i-1}))
        state = torch.tanh(net.left.weight_hh_l0 @ state + net.left.bias_hh_l0
                           + net.left.weight_ih_l0 @ embedded[0, i - 1] + net.left.bias_ih_l0)
        expected.append(state)
    assert torch.allclose(got, torch.stack(expected), atol=1e-6)
    # padding after a short document does not change its scores
    one = net(torch.tensor([[3, 5]]), torch.tensor([[5, 3]]), torch.tensor([2]))
    padded = net(torch.tensor([[3, 5, 0, 0]]), torch.tensor([[5, 3, 0, 0]]), torch.tensor([2]))
    assert torch.allclose(one, padded, atol=1e-6)


def test_bad_architecture_settings_are_named() -> None:
    from lexiplug.plugins.documents.architectures import build_rcnn

    with pytest.raises(ConfigError, match=r"model\.hidden"):
        build_rcnn(hidden=0)
    with pytest.raises(ConfigError, match=r"model\.dropout"):
        build_rcnn(dropout=1.5)


def test_prepare_writes_docbins_and_rejects_bad_options(tmp_path: Path) -> None:
    from lexiplug.plugins.tasks.cli import run_preparer
    from spacy.tokens import DocBin

    archive = planted_archive(tmp_path / "train.tar.gz", per_group=10)
    summary = run_preparer("newsgroups", [archive], tmp_path / "train.spacy",
                           dev_output=tmp_path / "dev.spacy", dev_fraction=0.2)
    assert summary["labels"] == sorted(TOPICS)
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(tmp_path / "dev.spacy").get_docs(nlp.vocab))
    assert len(docs) == 8 and all(sum(d.cats.values()) == 1.0 for d in docs)
    with pytest.raises(ConfigError, match="unknown option"):
        run_preparer("newsgroups", [archive], tmp_path / "x.spacy", colour="red")
    with pytest.raises(ConfigError, match="one archive"):
        run_preparer("newsgroups", [archive, archive], tmp_path / "x.spacy")


@pytest.mark.slow
def test_spacy_train_runs_the_shipped_config(tmp_path: Path) -> None:
    from lexiplug.plugins.tasks.cli import run_preparer
    from spacy.cli.train import train

    archive = planted_archive(tmp_path / "train.tar.gz", per_group=10)
    run_preparer("newsgroups", [archive], tmp_path / "train.spacy",
                 dev_output=tmp_path / "dev.spacy", dev_fraction=0.2)
    config = Path(__file__).resolve().parents[1] / "configs" / "rcnn_20news.cfg"
    train(config, tmp_path / "model", overrides={
        "paths.train": str(tmp_path / "train.spacy"), "paths.dev": str(tmp_path / "dev.spacy"),
        "training.max_steps": 6, "training.eval_frequency": 3,
        "components.textcat.model.n_buckets": 1000})
    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert set(nlp("rocket orbit launch").cats) == set(TOPICS)
