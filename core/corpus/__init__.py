"""Streaming corpora, vocabulary, integer encoding and co-occurrence counts.

Submodules load on first attribute access, so ``import lexiplug.corpus`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Corpus": "reader",
    "text_file_corpus": "reader",
    "text_files_corpus": "reader",
    "jsonl_corpus": "reader",
    "conllu_corpus": "reader",
    "gensim_corpus": "reader",
    "Vocabulary": "vocab",
    "build_vocabulary": "vocab",
    "EncodedCorpus": "encoded",
    "encode_corpus": "encoded",
    "encode_sentences": "encoded",
    "cooccurrence_counts": "cooccurrence",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'lexiplug.corpus' has no attribute {name!r}")
    module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
    return getattr(module, name)
