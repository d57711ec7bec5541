"""The 20 Newsgroups archives as registered datasets (kind ``documents``): the queries of the
document-retrieval evaluator. ``newsgroups_dev`` is the dev split carved from the train
archive (the same seeded, stratified split the corpus leaves out of ``split = "train"``);
``newsgroups_test`` is the separate test archive, when it is present."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from lexiplug.data.spec import DatasetSpec
from lexiplug.registry import Registries

from .newsgroups import TEST_FILE, TRAIN_FILE, Document, document_tokens, read_newsgroups_split

TRAIN_SHA256 = "156b56efc1a90a2dd9e4e417c9924bcd37c7d01a840f588dd81dcf05d8bcc66f"
CITATION = "Lang, K. (1995). NewsWeeder: Learning to filter netnews. ICML."


def read_labelled_documents(path: Path, *, split: str = "all", drop_empty: bool = True,
                            **options: Any) -> list[Document]:
    documents = read_newsgroups_split(path, split=split, **options)
    return [d for d in documents if document_tokens(d.text)] if drop_empty else documents


def _spec(name: str, file: str, split: str, description: str) -> DatasetSpec:
    return DatasetSpec(
        name=name, kind="documents", files=(file,),
        reader=partial(read_labelled_documents, split=split),
        sha256={TRAIN_FILE: TRAIN_SHA256} if file == TRAIN_FILE else {},
        citation=CITATION, license="none stated; research use", description=description,
    )


def newsgroups_train() -> DatasetSpec:
    return _spec("newsgroups_train", TRAIN_FILE, "train",
                 "20 Newsgroups bydate train archive without the 10% dev split")


def newsgroups_dev() -> DatasetSpec:
    return _spec("newsgroups_dev", TRAIN_FILE, "dev",
                 "10% of the bydate train archive (stratified, seed 0): dev queries")


def newsgroups_test() -> DatasetSpec:
    return _spec("newsgroups_test", TEST_FILE, "all", "20 Newsgroups bydate test archive")


def register(registry: Registries) -> None:
    for factory in (newsgroups_train, newsgroups_dev, newsgroups_test):
        registry.datasets.register(factory.__name__, func=factory)
