"""The 20 Newsgroups ``bydate`` archive, read from its tar.gz without unpacking.

The archive holds ``20news-bydate-<split>/<group>/<message-id>`` files: raw Usenet posts,
decoded as latin-1 as scikit-learn does. ``remove`` strips what makes the task too easy
(scikit-learn's ``fetch_20newsgroups(remove=("headers", "footers", "quotes"))``, the
default here): the header block up to the first blank line, a signature after the last
line of dashes, and quoted lines. The functions below give the same text as scikit-learn's
(tests/test_documents.py checks them against it).

Lai et al. (2015) classify the four major groups ``comp``, ``politics``, ``rec`` and
``religion``; :func:`major_group` maps a newsgroup to those (``None``: not in the subset).
"""

from __future__ import annotations

import re
import tarfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from lexiplug.errors import ConfigError, FormatError

REMOVABLE = ("headers", "footers", "quotes")
TRAIN_FILE = "doc_classification/20newsgroups/20news-bydate-train.tar.gz"
TEST_FILE = "doc_classification/20newsgroups/20news-bydate-test.tar.gz"
SUBSETS = ("all20", "major4")
_QUOTE = re.compile(r"(writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>)")
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Document:
    """One labelled document: ``key`` is ``group/message-id`` (unique in an archive)."""

    key: str
    text: str
    label: str | None


def strip_header(text: str) -> str:
    """Everything after the first blank line (the Usenet header block)."""
    return text.partition("\n\n")[2]


def strip_quotes(text: str) -> str:
    """Drop lines that quote another post (``>``, ``|``, "In article ... writes:")."""
    return "\n".join(line for line in text.split("\n") if not _QUOTE.search(line))


def strip_footer(text: str) -> str:
    """Drop the signature: everything from the last line made only of dashes (or blank)."""
    lines = text.strip().split("\n")
    for number in range(len(lines) - 1, -1, -1):
        if lines[number].strip().strip("-") == "":
            break
    return "\n".join(lines[:number]) if number > 0 else text


def clean_text(text: str, remove: Sequence[str]) -> str:
    """``text`` with the ``remove`` parts stripped, in scikit-learn's order."""
    if "headers" in remove:
        text = strip_header(text)
    if "footers" in remove:
        text = strip_footer(text)
    if "quotes" in remove:
        text = strip_quotes(text)
    return text


def document_tokens(text: str) -> list[str]:
    """Lower-cased runs of letters and digits: the one tokenisation every model here shares,
    so codes and vectors of different models describe the same words."""
    return _TOKEN.findall(text.lower())


def major_group(group: str) -> str | None:
    """``comp``, ``politics``, ``rec`` or ``religion`` (Lai et al.'s four), else ``None``."""
    if group.startswith("comp."):
        return "comp"
    if group.startswith("rec."):
        return "rec"
    if group.startswith("talk.politics."):
        return "politics"
    if group in ("alt.atheism", "soc.religion.christian", "talk.religion.misc"):
        return "religion"
    return None


def check_remove(remove: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(remove)
    unknown = [part for part in chosen if part not in REMOVABLE]
    if unknown:
        raise ConfigError(f"expected parts of {REMOVABLE}, found {unknown[0]!r}",
                          where="remove")
    return chosen


def read_newsgroups(path: str | Path, *, remove: Iterable[str] = REMOVABLE,
                    subset: str = "all20") -> list[Document]:
    """Every message of the archive at ``path``, in archive order, labelled by newsgroup
    (``subset="major4"``: by major group, other groups left out)."""
    if subset not in SUBSETS:
        raise ConfigError(f"expected one of {SUBSETS}, found {subset!r}", where="subset")
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as error:
        raise FormatError(f"cannot read the archive ({error.strerror})", path=path) from None
    return list(_cleaned(str(path), stat.st_mtime_ns, stat.st_size, check_remove(remove),
                         subset))


@lru_cache(maxsize=8)
def _cleaned(path: str, mtime: int, size: int, remove: tuple[str, ...], subset: str
             ) -> tuple[Document, ...]:
    documents = []
    for group, message, text in _read_archive(path, mtime, size):
        label = group if subset == "all20" else major_group(group)
        if label is not None:
            documents.append(Document(f"{group}/{message}", clean_text(text, remove), label))
    return tuple(documents)


@lru_cache(maxsize=4)
def _read_archive(path: str, _mtime: int, _size: int) -> tuple[tuple[str, str, str], ...]:
    """(group, message id, raw text) of each message; cached per file version, since a study
    and a bench read the same archive for several rows."""
    found: list[tuple[str, str, str]] = []
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            for member in archive:
                parts = member.name.split("/")
                if not member.isfile() or parts[-1].startswith("."):
                    continue
                if len(parts) != 3 or not parts[0].startswith("20news-bydate"):
                    raise FormatError(
                        f"expected members 20news-bydate-<split>/<group>/<message-id>, found "
                        f"{member.name!r}", path=path)
                handle = archive.extractfile(member)
                assert handle is not None  # a regular file always has one
                found.append((parts[1], parts[2], handle.read().decode("latin-1")))
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise FormatError(f"expected a gzip'd tar archive of 20 Newsgroups messages; cannot "
                          f"read it ({type(error).__name__}: {error})", path=path) from None
    if not found:
        raise FormatError("the archive holds no messages", path=path)
    return tuple(found)


def dev_mask(labels: Sequence[str], fraction: float, seed: int) -> np.ndarray:
    """A stratified, seeded choice of ``fraction`` of each label's documents (True = dev)."""
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"expected a fraction between 0 and 1, found {fraction!r}",
                          where="dev_fraction")
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    for label in sorted(by_label):
        members = np.asarray(by_label[label])
        take = max(1, round(fraction * len(members))) if len(members) > 1 else 0
        mask[rng.choice(members, size=take, replace=False)] = True
    return mask


def split_documents(documents: Sequence[Document], split: str, *, dev_fraction: float = 0.1,
                    seed: int = 0) -> list[Document]:
    """``train`` (without the dev part), ``dev`` (carved from the archive), or ``all``."""
    if split == "all":
        return list(documents)
    if split not in ("train", "dev"):
        raise ConfigError(f"expected 'train', 'dev' or 'all', found {split!r}", where="split")
    mask = dev_mask([d.label or "" for d in documents], dev_fraction, seed)
    keep = mask if split == "dev" else ~mask
    return [d for d, chosen in zip(documents, keep.tolist(), strict=True) if chosen]


def read_newsgroups_split(path: str | Path, *, split: str = "all", dev_fraction: float = 0.1,
                          seed: int = 0, remove: Iterable[str] = REMOVABLE,
                          subset: str = "all20") -> list[Document]:
    """The reader of the registered datasets: one split of one archive."""
    documents = read_newsgroups(path, remove=remove, subset=subset)
    return split_documents(documents, split, dev_fraction=dev_fraction, seed=seed)


def iter_texts(documents: Iterable[Document]) -> Iterator[str]:
    for document in documents:
        yield document.text
