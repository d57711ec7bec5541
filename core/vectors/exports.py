"""Export a table as a folder another library loads by itself: sentence-transformers, model2vec,
spaCy, gensim.

* ``sentence-transformers``: a SentenceTransformer folder (``modules.json`` naming one
  ``StaticEmbedding`` module in ``0_StaticEmbedding/``: ``model.safetensors`` holding
  ``embedding.weight`` and a word-level ``tokenizer.json``).
  ``SentenceTransformer(folder).encode(["a word"])`` returns the word's row; a text gets the
  mean of its words' rows. sentence-transformers averages every token, so an unknown word
  counts as the zero row ``[UNK]``.
* ``model2vec``: ``model.safetensors`` (``embeddings``), ``tokenizer.json``, ``config.json``
  with ``normalize: false``, for ``StaticModel.from_pretrained(folder)``; model2vec drops unknown
  words from the mean, as lexiplug's own mean pooling does.
* ``spacy``: a blank pipeline holding the vectors (``spacy.load(folder)``), as
  ``lexiplug vectors convert --to spacy`` writes.
* ``gensim``: ``vectors.kv`` written by ``KeyedVectors.save`` (``KeyedVectors.load(path)``).

The two tokenizers split on whitespace only (a word with inner punctuation stays one token)
and do not lowercase; a key holding whitespace cannot be reached through them. Everything is
written atomically: a folder appears whole or not at all. floret's hashed subword tables are
not offered: a word table holds no subword buckets to export, they come from training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_dir
from ..errors import ConfigError, require_one_of
from .vectors import Vectors

EXPORTS: tuple[str, ...] = ("sentence-transformers", "model2vec", "spacy", "gensim")
ST_MODULE_DIR = "0_StaticEmbedding"


def export_vectors(vectors: Vectors, path: str | Path, to: str) -> Path:
    """Write ``vectors`` at ``path`` in the layout ``to`` (one of :data:`EXPORTS`)."""
    require_one_of(to, EXPORTS, "to")
    path = Path(path)
    if not len(vectors):
        raise ConfigError("cannot export an empty table", where="vectors")
    if to == "spacy":
        from .io import save_vectors

        return save_vectors(vectors, path, format="spacy")
    with atomic_dir(path) as tmp:
        if to == "sentence-transformers":
            _write_sentence_transformers(vectors, tmp)
        elif to == "model2vec":
            _write_model2vec(vectors, tmp)
        else:
            from .interop import to_gensim

            to_gensim(vectors).save(str(tmp / "vectors.kv"))
    return path


def word_tokenizer(keys: list[str]) -> tuple[Any, int]:
    """A ``tokenizers`` word-level tokenizer over ``keys`` (ids = row numbers) splitting on
    whitespace, and the id of its unknown-word token (one past the last key)."""
    try:
        from tokenizers import Tokenizer, models, pre_tokenizers
    except ImportError:
        raise ConfigError("this export writes a tokenizer.json, which needs the tokenizers "
                          "package: pip install 'lexiplug[contextual]'", where="to") from None

    unk = "[UNK]"
    while unk in keys:  # a table may hold the literal "[UNK]"
        unk = f"[{unk}]"
    vocab = {key: row for row, key in enumerate(keys)}
    vocab[unk] = len(keys)
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token=unk))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return tokenizer, len(keys)


def _with_unknown_row(vectors: Vectors) -> np.ndarray:
    rows = np.zeros((len(vectors) + 1, vectors.dim), dtype=np.float32)
    rows[:-1] = np.asarray(vectors.matrix, dtype=np.float32)
    return rows


def _write_sentence_transformers(vectors: Vectors, folder: Path) -> None:
    from safetensors.numpy import save_file

    module = folder / ST_MODULE_DIR
    module.mkdir()
    tokenizer, _ = word_tokenizer(vectors.keys)
    tokenizer.save(str(module / "tokenizer.json"))
    save_file({"embedding.weight": _with_unknown_row(vectors)}, str(module / "model.safetensors"))
    modules = [{"idx": 0, "name": "0", "path": ST_MODULE_DIR,
                "type": "sentence_transformers.models.StaticEmbedding"}]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2) + "\n", encoding="utf-8")
    config: dict[str, Any] = {"prompts": {}, "default_prompt_name": None,
                              "similarity_fn_name": "cosine",
                              "model_type": "SentenceTransformer"}
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps(config, indent=2) + "\n", encoding="utf-8")


def _write_model2vec(vectors: Vectors, folder: Path) -> None:
    from safetensors.numpy import save_file

    tokenizer, _ = word_tokenizer(vectors.keys)
    tokenizer.save(str(folder / "tokenizer.json"))
    save_file({"embeddings": _with_unknown_row(vectors)}, str(folder / "model.safetensors"))
    config: dict[str, Any] = {"model_type": "model2vec", "architectures": ["StaticModel"],
              "tokenizer_name": None, "apply_pca": None, "apply_zipf": None,
              "hidden_dim": vectors.dim, "seq_length": 1_000_000, "normalize": False}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
