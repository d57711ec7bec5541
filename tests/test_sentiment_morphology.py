"""Turkish analyses are the same in every Python process (plugins/tasks/sentiment/morphology.py):
zeyrek's stem table and the order of its analyses followed the string hash seed, so the
same training run gave different lemmas, lexicons and accuracies from one process to the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from lexiplug.plugins.tasks.sentiment.morphology import choose_analysis, zeyrek_available

# words whose analysis changed with PYTHONHASHSEED, or with the words analysed before them,
# before the fix
WORDS = ["adama", "adı", "adındaki", "adlı", "adıyla", "beğenmedim", "güzel", "acıyın",
         "aktaracak", "aktarılması", "aktarılmış", "alabilecek", "alamadık", "alamadığım",
         "alamayacak", "alamayacağız", "alamaz", "filmi", "oyunculuk", "sevmedim", "sıkıcıydı"]
# fill() gets a set, as training does: its iteration order follows the hash seed
ANALYSE = ("import json, sys; from lexiplug.plugins.tasks.sentiment.morphology import "
           "TurkishMorphology; m = TurkishMorphology(); m.fill(set(sys.argv[1:])); "
           "print(json.dumps([m.table[w] for w in sys.argv[1:]]))")


def parse(lemma: str, stem: str, ids: list[str], secondary: str = "SecondaryPos.NONE"
          ) -> SimpleNamespace:
    return SimpleNamespace(dict_item=SimpleNamespace(lemma=lemma, secondary_pos=secondary),
                           stem=stem, morphemes=[(SimpleNamespace(id_=i), "") for i in ids])


def test_choice_does_not_depend_on_the_order_of_analyses() -> None:
    adama = [parse("adamak", "ada", ["Verb", "Neg", "Imp", "A2sg"]),
             parse("ada", "ada", ["Noun", "A3sg", "P1sg", "Dat"]),
             parse("adam", "adam", ["Noun", "A3sg", "Dat"])]
    guzel = [parse("güzel", "güzel", ["Adv"]), parse("güzel", "guzel", ["Adj"])]
    begendim = [parse("beğendi", "beğendi", ["Noun", "A3sg", "P1sg"]),
                parse("beğenmek", "beğen", ["Verb", "Past", "A1sg"])]
    sevdim = [parse("Sevdi", "sevdi", ["Noun", "A3sg"], "SecondaryPos.ProperNoun"),
              parse("sevmek", "sev", ["Verb", "Past", "A1sg"])]
    for parses, lemma in ((adama, "adam"), (begendim, "beğenmek"), (sevdim, "sevmek")):
        assert choose_analysis(parses).dict_item.lemma == lemma
        assert choose_analysis(parses[::-1]) is choose_analysis(parses)
    assert choose_analysis(guzel) is choose_analysis(guzel[::-1])


@pytest.mark.slow  # three processes each load zeyrek's dictionaries (~15 s)
@pytest.mark.skipif(not zeyrek_available(), reason="needs zeyrek (pip install "
                    "'lexiplug[sentiment]')")
def test_analyses_do_not_depend_on_the_hash_seed() -> None:
    results = []
    for seed in ("1", "2", "3"):
        out = subprocess.run([sys.executable, "-c", ANALYSE, *WORDS], capture_output=True,
                             text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert results[0] == results[1] == results[2]
    analyses = dict(zip(WORDS, results[0], strict=True))
    assert analyses["adama"] == ["adam", False]  # adam + Dat, not ada + P1sg + Dat
    assert analyses["beğenmedim"] == ["beğenmek", True]
    assert analyses["alamaz"][0] == "almak"
