"""``lexiplug.lm_word_vectors.v1``: a trained word-pooled byte LM's word vectors as a study row.

The byte encoder of a ``word_pooled_bytes`` model maps any word to the vector the backbone
reads for it; ``fit`` encodes a vocabulary (the words given, or the corpus's words seen at
least ``min_count`` times, at most ``limit`` of them, most frequent first) and returns
ordinary ``Vectors`` that every evaluator scores. Words are encoded as in running text,
after one space (``prefix``). The study cache key holds the model's file hashes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lexiplug.errors import ConfigError
from lexiplug.registry import Registries

if TYPE_CHECKING:
    from lexiplug.vectors import Vectors

NAME = "lexiplug.lm_word_vectors.v1"


class LMWordVectors:
    def __init__(self, path: Path, words: list[str] | None, min_count: int,
                 limit: int | None, prefix: str) -> None:
        self.path, self.words, self.min_count = path, words, min_count
        self.limit, self.prefix = limit, prefix

    def vocabulary(self, corpus: Any) -> tuple[list[str], list[int] | None]:
        if self.words is not None:
            return list(self.words), None
        if corpus is None:
            raise ConfigError("name the words to encode (words = [...]) or a corpus whose "
                              "words are encoded", where="corpus")
        if isinstance(corpus, Mapping):
            raise ConfigError("expected one corpus, not several slices", where="corpus")
        from lexiplug.contracts import Corpus

        sentences = corpus.iter_sentences() if isinstance(corpus, Corpus) else corpus
        counts: Counter[str] = Counter()
        for sentence in sentences:  # a Corpus's token lists, or texts / token lists given
            tokens = sentence.split() if isinstance(sentence, str) else sentence
            counts.update(w for w in tokens if w.strip())
        kept = [(w, c) for w, c in counts.most_common(self.limit) if c >= self.min_count]
        if not kept:
            raise ConfigError(f"the corpus has no word seen {self.min_count} times or more",
                              where="min_count")
        return [w for w, _ in kept], [c for _, c in kept]

    def fit(self, corpus: Any = None) -> Vectors:
        from .model import LanguageModel

        model = LanguageModel.load(self.path)
        words, counts = self.vocabulary(corpus)
        return model.word_vectors(words, prefix=self.prefix, counts=counts)

    def fingerprint(self) -> str:
        from lexiplug.data.spec import file_sha256

        digest = hashlib.sha256()
        for file in sorted(p for p in self.path.iterdir() if p.is_file()):
            digest.update(file.name.encode("utf-8"))
            digest.update(file_sha256(file).encode("ascii"))
        digest.update(repr((self.words, self.min_count, self.limit, self.prefix)).encode())
        return digest.hexdigest()[:16]


def lm_word_vectors_v1(path: str, words: list[str] | None = None, min_count: int = 1,
                       limit: int | None = None, prefix: str = " ") -> LMWordVectors:
    """The byte encoder of the word_pooled_bytes model saved at ``path`` (``lexiplug lm
    train`` output) as vectors for a vocabulary."""
    if not isinstance(path, str) or not path:
        raise ConfigError(f"expected the path of a saved LM folder; found {path!r}",
                          where="path")
    folder = Path(path).expanduser()
    if not (folder / "config.json").is_file():
        raise ConfigError(f"expected the folder of a saved LM (config.json + "
                          f"model.safetensors, written by `lexiplug lm train`); found no "
                          f"{folder / 'config.json'}", where="path")
    if words is not None and (not isinstance(words, list)
                              or not all(isinstance(w, str) and w for w in words)):
        raise ConfigError(f"expected a list of non-empty words; found {words!r}",
                          where="words")
    if not isinstance(min_count, int) or min_count < 1:
        raise ConfigError(f"expected a positive integer; found {min_count!r}",
                          where="min_count")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"expected a positive integer; found {limit!r}", where="limit")
    if not isinstance(prefix, str) or prefix.strip():
        raise ConfigError(f"expected whitespace (or nothing) to put before each word; found "
                          f"{prefix!r}", where="prefix")
    return LMWordVectors(folder, words, min_count, limit, prefix)


def register(registry: Registries) -> None:
    registry.embedders.register(NAME, func=lm_word_vectors_v1)
