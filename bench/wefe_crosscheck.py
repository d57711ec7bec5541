"""Cross-check our WEAT effect sizes and RIPA against WEFE 1.0.1; writes the test fixture.

WEFE pins numpy<2 and scipy 1.12, so it cannot share lexiplug's environment: this script
builds its own venv (``python3.11 -m venv``, ``pip install wefe==1.0.1``), writes fixed
vectors (sha256-seeded, float32, word2vec text), runs WEFE's ``WEAT`` and ``RIPA`` there,
runs ours here, prints both side by side and writes ``tests/fixtures/wefe_weat.json`` (WEFE's
figures plus the word lists), which ``tests/test_bias.py`` compares ours against. This script
is the fixture's provenance.

    python bench/wefe_crosscheck.py [--venv DIR] [--fixture PATH] [--json PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

WEFE_VERSION = "1.0.1"
DIM = 16
SEED = 7
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "wefe_weat.json"
DEFAULT_VENV = Path.home() / ".cache" / "lexiplug" / "wefe-venv"


def hashed_vectors(words: list[str], dim: int = DIM, seed: int = SEED) -> np.ndarray:
    """Fixed float32 vectors from sha256 of ``seed|word|block``: the same in any environment
    (no dependence on a numpy RNG version), uniform in [-1, 1)."""
    rows = []
    for word in words:
        raw = b"".join(
            hashlib.sha256(f"{seed}|{word}|{block}".encode()).digest()
            for block in range((dim * 4 + 31) // 32)
        )
        ints = np.frombuffer(raw[: dim * 4], dtype="<u4").astype(np.float64)
        rows.append(ints / 2.0**31 - 1.0)
    return np.asarray(rows, dtype=np.float32).reshape(len(words), dim)


def matrix_sha256(matrix: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(matrix, dtype="<f4").tobytes()).hexdigest()


WEFE_SIDE = r'''
import json, sys
import numpy as np
from gensim.models import KeyedVectors
from wefe.word_embedding_model import WordEmbeddingModel
from wefe.query import Query
from wefe.metrics import WEAT, RIPA
import wefe

vectors_path, query_path, out_path = sys.argv[1:4]
model = WordEmbeddingModel(KeyedVectors.load_word2vec_format(vectors_path), "hashed")
query = json.load(open(query_path))
out = {"wefe_version": wefe.__version__, "numpy_version": np.__version__, "weat": {}}
for test in query["weat"]:
    q = Query([test["X"], test["Y"]], [test["A"], test["B"]],
              ["X", "Y"], ["A", "B"])
    r = WEAT().run_query(q, model, return_effect_size=True, lost_vocabulary_threshold=0.0)
    out["weat"][test["name"]] = {"effect_size": float(r["effect_size"]),
                                 "statistic": float(r["weat"])}
rq = query["ripa"]
q = Query([rq["first"], rq["second"]], [rq["words"]], ["first", "second"], ["words"])
r = RIPA().run_query(q, model, lost_vocabulary_threshold=0.0)
out["ripa"] = {"result": float(r["result"]),
               "word_values": {w: float(v["mean"]) for w, v in r["word_values"].items()}}
json.dump(out, open(out_path, "w"), indent=1)
'''


def ensure_wefe_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    check = [str(python), "-c", f"import wefe; assert wefe.__version__ == '{WEFE_VERSION}'"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"building WEFE venv at {venv} (python3.11 -m venv; pip install wefe=={WEFE_VERSION})")
    subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"wefe=={WEFE_VERSION}"],
                   check=True)
    return python


def build_query() -> dict:
    """WEAT 1-10 word lists and the debiaswe definitional pairs + professions (for RIPA)."""
    from lexiplug.registry import registry

    weat_sets = registry.datasets.get("weat")().load()
    debias = registry.datasets.get("debiaswe")().load()
    tests = []
    for test in weat_sets.tests:
        x, y, a, b = weat_sets.words(test)
        tests.append({"name": test.name, "X": x, "Y": y, "A": a, "B": b})
    return {
        "weat": tests,
        "ripa": {"first": [p[0] for p in debias.definitional_pairs],
                 "second": [p[1] for p in debias.definitional_pairs],
                 "words": list(debias.professions)},
    }


def vocabulary(query: dict) -> list[str]:
    words = [w for t in query["weat"] for k in "XYAB" for w in t[k]]
    words += query["ripa"]["first"] + query["ripa"]["second"] + query["ripa"]["words"]
    return list(dict.fromkeys(words))


def ours(query: dict, words: list[str], matrix: np.ndarray) -> dict:
    from lexiplug.plugins.bias.direction import ripa
    from lexiplug.plugins.bias.evaluator import make_bias_evaluator
    from lexiplug.plugins.datasets.readers_bias import WeatSets, WeatTest
    from lexiplug.vectors.vectors import Vectors

    vectors = Vectors(words, matrix)
    sets, tests = {}, []
    for t in query["weat"]:
        for key in "XYAB":
            sets[f"{t['name']}_{key}"] = t[key]
        tests.append(WeatTest(t["name"], (f"{t['name']}_X", f"{t['name']}_Y"),
                              (f"{t['name']}_A", f"{t['name']}_B")))
    result = make_bias_evaluator(case_fallback=False, n_permutations=100).evaluate(
        vectors, WeatSets(sets, tuple(tests)))
    index = vectors.key_to_index
    rq = query["ripa"]

    def rows(ws: list[str]) -> np.ndarray:
        return matrix[[index[w] for w in ws]].astype(np.float64)

    scores = ripa(rows(rq["words"]), rows(rq["first"]), rows(rq["second"]))
    return {
        "weat": {d["test"]: {"effect_size": d["effect_size"], "statistic": d["statistic"]}
                 for d in result.details},
        "ripa": {"result": float(scores.mean()),
                 "word_values": dict(zip(rq["words"], map(float, scores), strict=True))},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--fixture", type=Path, default=FIXTURE)
    parser.add_argument("--json", type=Path, help="write comparison rows here")
    parser.add_argument("--quick", action="store_true", help="same as the full run (it is small)")
    args = parser.parse_args(argv)

    python = ensure_wefe_venv(args.venv)
    query = build_query()
    words = vocabulary(query)
    matrix = hashed_vectors(words)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = [f"{len(words)} {DIM}"] + [
            w + " " + " ".join(format(float(v), ".9g") for v in row)
            for w, row in zip(words, matrix, strict=True)
        ]
        (folder / "vectors.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / "query.json").write_text(json.dumps(query), encoding="utf-8")
        (folder / "side.py").write_text(WEFE_SIDE, encoding="utf-8")
        subprocess.run([str(python), str(folder / "side.py"), str(folder / "vectors.txt"),
                        str(folder / "query.json"), str(folder / "wefe.json")], check=True)
        wefe = json.loads((folder / "wefe.json").read_text(encoding="utf-8"))
    mine = ours(query, words, matrix)

    rows, worst = [], 0.0
    print(f"{'test':8} {'WEFE effect':>14} {'lexiplug':>14} {'|diff|':>10}")
    for name, theirs in wefe["weat"].items():
        diff = abs(theirs["effect_size"] - mine["weat"][name]["effect_size"])
        worst = max(worst, diff)
        print(f"{name:8} {theirs['effect_size']:14.8f} {mine['weat'][name]['effect_size']:14.8f} "
              f"{diff:10.2e}")
        rows.append({"name": name, "wefe_effect_size": theirs["effect_size"],
                     "lexiplug_effect_size": mine["weat"][name]["effect_size"], "abs_diff": diff})
    ripa_diff = max(abs(v - mine["ripa"]["word_values"][w])
                    for w, v in wefe["ripa"]["word_values"].items())
    print(f"RIPA mean: WEFE {wefe['ripa']['result']:.8f}  lexiplug {mine['ripa']['result']:.8f}; "
          f"max per-word |diff| {ripa_diff:.2e}")
    rows.append({"name": "ripa", "wefe": wefe["ripa"]["result"],
                 "lexiplug": mine["ripa"]["result"], "abs_diff": ripa_diff})

    fixture = {
        "provenance": "bench/wefe_crosscheck.py: WEFE's WEAT/RIPA on bench.wefe_crosscheck."
                      "hashed_vectors(words, dim, seed) for the listed words",
        "wefe_version": wefe["wefe_version"], "wefe_numpy_version": wefe["numpy_version"],
        "dim": DIM, "seed": SEED, "n_words": len(words), "matrix_sha256": matrix_sha256(matrix),
        "query": query, "wefe": {"weat": wefe["weat"], "ripa": wefe["ripa"]},
    }
    args.fixture.parent.mkdir(parents=True, exist_ok=True)
    # One line per top-level key keeps the fixture small and its diffs readable.
    body = ",\n".join(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                      for k, v in fixture.items())
    args.fixture.write_text("{\n" + body + "\n}\n", encoding="utf-8")
    print(f"wrote {args.fixture}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    ok = worst < 1e-5 and ripa_diff < 1e-5
    print("agree" if ok else f"DISAGREE: worst WEAT |diff| {worst:.2e}, RIPA {ripa_diff:.2e}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
