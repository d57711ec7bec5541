"""die/dat data preparation, the `task prepare` / `diedat check` commands, and `spacy train`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from lexiplug.errors import ConfigError, FormatError
from lexiplug.plugins.tasks.cli import parse_options, run_preparer, task_app
from lexiplug.plugins.tasks.die_dat.cli import diedat_app
from lexiplug.plugins.tasks.die_dat.prepare import prepare
from spacy.tokens import DocBin
from typer.testing import CliRunner

from tests.helpers import require_data

REPO = Path(__file__).resolve().parents[1]
CONLLU = """# sent_id = 1
1\tDe\tde\tDET\t_\t_\t2\tdet\t_\t_
2\tman\tman\tNOUN\t_\t_\t0\troot\t_\t_
3\tdie\tdie\tPRON\t_\t_\t4\tnsubj\t_\t_
4\tloopt\tlopen\tVERB\t_\t_\t2\tacl\t_\t_

# sent_id = 2
1\tGeen\tgeen\tDET\t_\t_\t2\tdet\t_\t_
2\tdoel\tdoel\tNOUN\t_\t_\t0\troot\t_\t_

# sent_id = 3
1\tHij\thij\tPRON\t_\t_\t2\tnsubj\t_\t_
2\tzegt\tzeggen\tVERB\t_\t_\t0\troot\t_\t_
3\tdat\tdat\tSCONJ\t_\t_\t5\tmark\t_\t_
4\thet\thet\tPRON\t_\t_\t5\tnsubj\t_\t_
5\tregent\tregenen\tVERB\t_\t_\t2\tccomp\t_\t_
"""
TEXT = "Het huis dat ik zag.\nGeen doelwoord hier.\nDie fiets is rood.\n\nDat klopt.\n"


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    conllu = tmp_path / "tiny.conllu"
    conllu.write_text(CONLLU, encoding="utf-8")
    text = tmp_path / "tiny.txt"
    text.write_text(TEXT, encoding="utf-8")
    return conllu, text


def _docs(path: Path) -> list:
    return list(DocBin().from_disk(path).get_docs(spacy.blank("nl").vocab))


def test_prepare_keeps_gold_pos_and_sentence_boundaries(sources, tmp_path) -> None:
    conllu, text = sources
    summary = prepare([conllu, text], tmp_path / "out.spacy", sentences_per_doc=2)
    docs = _docs(tmp_path / "out.spacy")
    # conllu: sentences 1+2 (has "die") and 3 (has "dat"); text: lines 1+2, 3+4 -> 4 docs
    assert summary[str(tmp_path / "out.spacy")] == {"docs": 4, "die": 2, "dat": 3}
    first = docs[0]
    assert [t.pos_ for t in first][:3] == ["DET", "NOUN", "PRON"]
    assert [s.text for s in first.sents] == ["De man die loopt", "Geen doel"]
    assert all(t.pos_ == "" for t in docs[2])  # raw text: no POS labels
    assert docs[2].text == "Het huis dat ik zag. Geen doelwoord hier."


def test_prepare_dev_split_is_disjoint_and_seeded(sources, tmp_path) -> None:
    conllu, text = sources
    kwargs = {"dev_fraction": 0.5, "seed": 3, "sentences_per_doc": 1}
    prepare([conllu, text], tmp_path / "a.spacy", dev_output=tmp_path / "b.spacy", **kwargs)
    prepare([conllu, text], tmp_path / "c.spacy", dev_output=tmp_path / "d.spacy", **kwargs)
    train = [d.text for d in _docs(tmp_path / "a.spacy")]
    dev = [d.text for d in _docs(tmp_path / "b.spacy")]
    assert len(train) + len(dev) == 5 and not set(train) & set(dev) and dev
    assert dev == [d.text for d in _docs(tmp_path / "d.spacy")]


def test_prepare_errors_name_the_problem(sources, tmp_path) -> None:
    conllu, _ = sources
    with pytest.raises(FormatError, match=r"missing\.conllu"):
        prepare([tmp_path / "missing.conllu"], tmp_path / "x.spacy")
    with pytest.raises(ConfigError, match="sentences_per_doc"):
        prepare([conllu], tmp_path / "x.spacy", sentences_per_doc=0)
    with pytest.raises(ConfigError, match="unknown option"):
        prepare([conllu], tmp_path / "x.spacy", window=3)
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tDe\tde\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad\.conllu:1"):
        prepare([bad], tmp_path / "x.spacy")


def test_task_prepare_command_dispatches_by_task_name(sources, tmp_path) -> None:
    conllu, text = sources
    out = tmp_path / "train.spacy"
    result = CliRunner().invoke(task_app, [
        "prepare", "die_dat", str(conllu), str(text), "--output", str(out),
        "--option", "sentences_per_doc=1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[str(out)]["docs"] == 5
    unknown = CliRunner().invoke(task_app, ["prepare", "nosuch", str(conllu), "-o", str(out)])
    assert unknown.exit_code == 1 and "unknown task 'nosuch'" in unknown.output


def test_parse_options() -> None:
    assert parse_options(["a=1", "b-c=x", "d=[1, 2]"]) == {"a": 1, "b_c": "x", "d": [1, 2]}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_options(["novalue"])
    with pytest.raises(ConfigError, match="unknown task"):
        run_preparer("nosuch", [], Path("x"))


def test_diedat_check_prints_suggestions(tmp_path) -> None:
    from tests.test_die_dat import _pipeline, _train

    nlp = _pipeline(multitask=False)
    _train(nlp)
    nlp.to_disk(tmp_path / "pipe")
    runner = CliRunner()
    result = runner.invoke(diedat_app, ["check", "Het huis die ik kocht is oud .", "Geen.",
                                        "--model", str(tmp_path / "pipe"), "--json", "--all"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report[1]["items"] == []
    (item,) = report[0]["items"]
    assert (item["start"], item["end"], item["written"]) == (9, 12, "die")
    assert item["form"] in ("die", "dat") and 0.5 <= item["prob"] <= 1.0
    plain = runner.invoke(diedat_app, ["check", "Geen doelwoord.", "-m", str(tmp_path / "pipe")])
    assert plain.exit_code == 0 and "no die/dat issues" in plain.output
    missing = runner.invoke(diedat_app, ["check", "x", "-m", str(tmp_path / "nothing")])
    assert missing.exit_code == 1 and "spacy train" in missing.output


@pytest.mark.data
def test_prepare_real_lassysmall_counts(tmp_path) -> None:
    from lexiplug.data.resolver import resolve_data_path

    relative = "ud_dutch/legacy_UD1.3_LassySmall/nl_lassysmall-ud-train.conllu"
    require_data(relative)
    summary = prepare([resolve_data_path(relative)], tmp_path / "t.spacy",
                      dev_output=tmp_path / "d.spacy")
    train, dev = summary[str(tmp_path / "t.spacy")], summary[str(tmp_path / "d.spacy")]
    # SOURCES.md §4b: 434 "die" and 311 "dat" in v1.3 train
    assert (train["die"] + dev["die"], train["dat"] + dev["dat"]) == (434, 311)
    assert 0.08 < dev["docs"] / (train["docs"] + dev["docs"]) < 0.12


@pytest.mark.slow
def test_spacy_train_tiny_config_end_to_end(tmp_path) -> None:
    """`python -m spacy train configs/die_dat_multitask.cfg` offline, no --code, then load."""
    from tests.test_die_dat import TRAIN

    nlp = spacy.blank("nl")
    docs = [spacy.tokens.Doc(nlp.vocab, words=t.split(), pos=p) for t, p in TRAIN] * 4
    DocBin(docs=docs, attrs=["ORTH", "POS"]).to_disk(tmp_path / "train.spacy")
    DocBin(docs=docs[:6], attrs=["ORTH", "POS"]).to_disk(tmp_path / "dev.spacy")
    small = {"n_word_buckets": 256, "n_suffix_buckets": 32, "embed_width": 8,
             "hidden_width": 8, "dense_width": 8, "n_layers": 1}
    command = [sys.executable, "-m", "spacy", "train", str(REPO / "configs/die_dat_multitask.cfg"),
               "--paths.train", str(tmp_path / "train.spacy"),
               "--paths.dev", str(tmp_path / "dev.spacy"), "--output", str(tmp_path / "out"),
               "--training.max_epochs", "2", "--training.eval_frequency", "2",
               "--paths.lexicon_text", json.dumps([str(tmp_path / "lexicon.txt")])]
    (tmp_path / "lexicon.txt").write_text("het boek\nde fiets\n", encoding="utf-8")
    for key, value in small.items():
        command += [f"--components.die_dat.model.{key}", str(value)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "DIE_DAT_ACC" in result.stdout
    loaded = spacy.load(tmp_path / "out" / "model-best")
    assert loaded.pipe_names == ["sentencizer", "die_dat"]
    doc = loaded("De man die daar loopt .")
    assert doc[2]._.die_dat["form"] in ("die", "dat") and "pos" in doc[2]._.die_dat
