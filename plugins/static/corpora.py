"""Registers the corpus readers in ``registry.corpora`` (the factories live in lexiplug.corpus)."""

from __future__ import annotations

from typing import Any

from lexiplug.corpus import reader

READERS = {
    "lexiplug.text_file.v1": reader.text_file_corpus,
    "lexiplug.text_files.v1": reader.text_files_corpus,
    "lexiplug.jsonl.v1": reader.jsonl_corpus,
    "lexiplug.conllu.v1": reader.conllu_corpus,
    "lexiplug.gensim_corpus.v1": reader.gensim_corpus,
}


def register(registry: Any) -> None:
    for name, factory in READERS.items():
        registry.corpora.register(name, func=factory)
