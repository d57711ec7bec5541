"""What a registered function must return, one :class:`typing.Protocol` per registry section.

A function registered in ``registry.<section>`` returns an object satisfying that section's
protocol (:data:`SECTION_CONTRACTS`). Anything beyond the contract is an *optional
capability*, a protocol of its own, and code that uses one asks with ``isinstance`` (the
protocols are runtime-checkable) instead of probing attribute names: the list below is the
whole vocabulary a plugin author needs, and ``tests/test_contracts.py`` checks every
registered object's method signatures against it.

Protocols check that methods exist; the signatures are this module's documentation and the
test's reference. ``docs/plugins.md`` explains each one with an example.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from .evaluation.result import Result
    from .vectors import Vectors

# -- what each registry's functions return -----------------------------------------------


@runtime_checkable
class Corpus(Protocol):
    """``registry.corpora``: a re-iterable stream of tokenised sentences (never one list)."""

    def iter_sentences(self) -> Iterator[list[str]]: ...


@runtime_checkable
class Embedder(Protocol):
    """``registry.embedders``: trains (or loads) vectors.

    ``corpus`` is the block's ``corpus``: one :class:`Corpus`, ``{name: Corpus}`` for
    ``corpus = [...]`` (per-slice trainers return ``{slice: Vectors}``), or ``None`` for
    embedders that need none (pretrained files).
    """

    def fit(self, corpus: Any) -> Vectors | dict[str, Vectors]: ...


@runtime_checkable
class Encoder(Protocol):
    """``registry.encoders``: contextual vectors for texts and for spaCy tokens.

    ``encode_texts`` returns ``(len(texts), dim)``; ``encode_tokens`` one ``(len(doc), dim)``
    array per doc, aligned to spaCy's tokens.
    """

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_tokens(self, docs: Sequence[Any]) -> list[np.ndarray]: ...


@runtime_checkable
class Transform(Protocol):
    """``registry.transforms``: new vectors from a row, same keys.

    ``refs`` are other rows by the names the transform declares as keyword parameters
    (``target`` for Procrustes, ``visual`` for grounding); they are passed by keyword.
    """

    def apply(self, vectors: Vectors, **refs: Vectors) -> Vectors: ...


@runtime_checkable
class Evaluator(Protocol):
    """``registry.evaluators``: scores a model on one dataset (a registered name, a
    :class:`Dataset` or already loaded data)."""

    def evaluate(self, model: Any, dataset: Any) -> Result | list[Result]: ...


@runtime_checkable
class Dataset(Protocol):
    """``registry.datasets``: a named set of files and how to read them
    (:class:`lexiplug.data.spec.DatasetSpec` is the implementation everyone uses)."""

    name: str
    kind: str

    def paths(self) -> list[Path]: ...

    def available(self) -> bool: ...

    def checksum(self) -> str: ...

    def load(self, **options: Any) -> Any: ...


@runtime_checkable
class Engine(Protocol):
    """``registry.engines``: where heavy, shardable work runs (a study's ``[engine]``).

    ``map_with_state`` runs ``function(state, item)`` with per-worker state (an encoder
    loaded once per worker). ``map_reduce`` applies ``function(item, **shared)`` to every
    item and folds the results
    with ``combine`` (associative; the order of folding is the engine's choice, so results
    must not depend on it). ``shared`` holds large read-only inputs (arrays) that an engine
    may place once where its workers can read them. ``distributed`` tells callers whether
    sharding pays; ``workers`` how many shards run at once.
    """

    name: str
    distributed: bool
    workers: int

    def map_reduce(
        self,
        function: Callable[..., Any],
        items: Sequence[Any],
        combine: Callable[[Any, Any], Any],
        *,
        shared: Mapping[str, Any] | None = None,
        desc: str = "",
    ) -> Any: ...

    def map_with_state(
        self,
        setup: Callable[[], Any],
        function: Callable[[Any, Any], Any],
        items: Sequence[Any],
        *,
        desc: str = "",
    ) -> list[Any]:
        """``function(state, item)`` for every item, in item order, where ``state =
        setup()`` is built once per worker (a loaded model), not once per item."""
        ...

    def close(self) -> None: ...


# -- optional capabilities ----------------------------------------------------------------


@runtime_checkable
class Fingerprinted(Protocol):
    """An embedder whose output depends on more than its config (the bytes of a pretrained
    file): the JSON-able fingerprint joins the study cache key."""

    def fingerprint(self) -> object: ...


@runtime_checkable
class Checksummed(Protocol):
    """A corpus (or any input) that can name its content: the checksum joins cache keys."""

    def checksum(self) -> str: ...


@runtime_checkable
class EvaluatesAll(Protocol):
    """An evaluator that, given no dataset, scores its own default datasets in one call."""

    def evaluate_all(self, model: Any) -> list[Result]: ...


@runtime_checkable
class ListsDatasets(Protocol):
    """An evaluator with a default dataset list (``None``: it finds its own at run time)."""

    datasets: Sequence[str] | None


@runtime_checkable
class Checkpointing(Protocol):
    """A trainer that writes checkpoints to ``folder`` and can resume from the last one."""

    def configure_checkpoints(self, folder: str | Path | None, *, resume: bool = False
                              ) -> None: ...


@runtime_checkable
class SavesModel(Protocol):
    """An embedder that can save its trained model (not only the vectors) to ``path``.

    ``lexiplug train`` saves it as ``<native folder>/<saved_model_name>`` (or beside other
    formats with that name's extension); an optional class attribute ``saved_model_name``
    says what the model is, default ``"model.bin"`` (fastText's binary file)."""

    def save_model(self, path: str | Path) -> Path: ...


SECTION_CONTRACTS: dict[str, type] = {
    "corpora": Corpus,
    "datasets": Dataset,
    "embedders": Embedder,
    "encoders": Encoder,
    "transforms": Transform,
    "evaluators": Evaluator,
    "engines": Engine,
}

CAPABILITIES: tuple[type, ...] = (
    Fingerprinted, Checksummed, EvaluatesAll, ListsDatasets, Checkpointing, SavesModel,
)


@runtime_checkable
class InfersVectors(Protocol):
    """Vectors that infer a vector for words outside their table (``lexiplug.complete_oov.v1``).

    ``word_status`` says how a lookup of ``word`` is answered: ``"known"`` (a row of the
    table), ``"inferred"`` (computed from the word), ``"missing"`` (no vector); ``infer``
    computes the vectors of many words in one pass. Evaluators with ``oov = "infer"`` use it
    to report coverage as known / inferred / missing.
    """

    def word_status(self, word: str) -> str: ...

    def infer(self, words: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class SenseEmbedding(Protocol):
    """Word vectors with several senses per word (the multisense plugin's ``SenseVectors``):
    sense-aware evaluators ask for this with ``isinstance`` and score anything else as one
    sense per word."""

    def sense_matrix(self, word: str) -> Any: ...

    def sense_priors(self, word: str) -> Any: ...

    def disambiguate(self, word: str, context: Sequence[str]) -> Any: ...


# -- document embedders (wave 2) -----------------------------------------------------------


@runtime_checkable
class DocVectors(Protocol):
    """What a document embedder produces: one row per training document, in corpus order.

    ``vectors`` is a float32 ``(n_docs, dim)`` matrix or ``None`` for code-only models;
    ``codes`` is ``(n_docs, bits // 8)`` uint8, the binary codes packed with
    ``numpy.packbits`` (``None`` for real-valued models); ``labels`` are the documents'
    labels when the corpus had them (retrieval counts same-label documents as relevant).
    ``save(folder)`` writes npy + JSON atomically; the family's ``load`` reads it back.
    """

    keys: list[str]
    labels: list[str] | None
    vectors: np.ndarray | None
    codes: np.ndarray | None
    bits: int
    dim: int  # the real vectors' width, or ``bits`` for code-only rows (reports show it)

    def __len__(self) -> int: ...

    def save(self, folder: str | Path) -> Path: ...


@runtime_checkable
class DocEmbedder(Protocol):
    """``registry.doc_embedders``: learns document representations and infers new ones.

    ``fit`` takes a corpus of documents (an object with ``iter_documents()`` yielding
    ``(key, tokens, label)``, or a sequence of texts) and returns :class:`DocVectors`;
    ``infer`` returns the same kind of rows for unseen texts after ``fit``: a float32
    ``(len(texts), dim)`` matrix, or packed uint8 codes for code-only models.
    """

    def fit(self, docs: Any) -> DocVectors: ...

    def infer(self, texts: Sequence[str]) -> np.ndarray: ...


SECTION_CONTRACTS["doc_embedders"] = DocEmbedder


# -- language-model schemes (the lm family) ------------------------------------------------


@runtime_checkable
class LMScheme(Protocol):
    """``registry.lm_schemes``: how the lm family's decoder reads and predicts text.

    A scheme turns text into the positions of one shared decoder backbone and scores what
    comes next (docs/lm_lab.md). ``name`` is its short name (``bytes``, ``subword``...),
    ``registered_name`` the name it is registered under (a saved model rebuilds it from
    that and ``settings()``, its factory's arguments). ``fit(text)`` learns what the scheme
    needs from the training text (a BPE vocabulary; nothing for bytes); ``encode(text)``
    returns the text's units, each with the number of UTF-8 bytes it covers, so that bits
    per byte add up over every byte of any text; ``batch(units, windows, context)`` the
    numpy arrays of windows ``(start, end)`` of those units (BOS first, targets shifted);
    ``build(dim)`` the torch module that embeds units into ``dim`` and gives the negative
    log-likelihood of each next unit; ``state()`` what a saved model needs beyond the
    settings (JSON-able), read back with ``load_state``.
    """

    name: str
    registered_name: str

    def settings(self) -> dict[str, Any]: ...

    def fit(self, text: str) -> None: ...

    def encode(self, text: str) -> Any: ...

    def batch(self, units: Any, windows: Sequence[tuple[int, int]], context: int
              ) -> dict[str, Any]: ...

    def build(self, dim: int) -> Any: ...

    def state(self) -> dict[str, Any]: ...

    def load_state(self, state: Mapping[str, Any]) -> None: ...


SECTION_CONTRACTS["lm_schemes"] = LMScheme
