"""``lexiplug.bitcipher.v1``: Bit-cipher word vectors (Zhao & Williams 2023; docs/static.md).

Step 1, the cipher, follows the authors' code (IaMaN ``Cipher``): words ranked by frequency
get b-bit codes level by level (level k = codes with k ones), each code l1-normalised.
Step 2 aggregates the codes of each word's contexts: ``sum`` (one b-dim vector: F = C @ H with
C the co-occurrence counts and H the cipher matrix) or ``concat`` (one b-dim block per
context offset). Optional smoothing follows IaMaN's noise: each context code becomes
beta_t * eta_t + (1 - beta_t) * u with u = normalise(1 - normalise(sum_t count_t eta_t)).
The log transforms and the standardisation are our reading of the abstract ("convergence
towards log-co-occurrence matrix variants"). The optional projection of the b-dim features to
``dim`` dimensions by truncated SVD (PCA of the standardised columns) is our own design: a wide
cipher (b = 1000, the largest of the paper's sizes) keeps more words on their own bit, and the
projection gives the requested width. See docs/static.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.plugin_tools import settings_factory

from ._common import CorpusWindowSettings, ProgressFromParams, logger, make_vectors, require

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.vectors import Vectors


def bits_needed(n_words: int, bits: int) -> int:
    """``bits``, or floor(log2 |V|) + 1 when 2^bits <= |V| (the authors' silent increase)."""
    if 2**bits > n_words:
        return bits
    return int(np.floor(np.log2(n_words))) + 1


def cipher_codes(n_words: int, bits: int) -> np.ndarray:
    """Boolean codes (n_words x bits) in frequency-rank order, as IaMaN's ``Cipher`` assigns.

    Level 1: the basis vectors e_0..e_{b-1} in order. Then the basis order is reversed, and
    level k+1 is built by XOR-ing each basis vector e_i (outer loop, reversed basis) into each
    level-k code (inner loop, reversed assignment order), keeping new codes with k+1 ones.
    """
    if 2**bits <= n_words:
        raise ValueError(f"{bits} bits cannot give {n_words} distinct nonzero codes")
    codes = np.zeros((n_words, bits), dtype=bool)
    level = np.eye(bits, dtype=bool)[: min(bits, n_words)]
    codes[: len(level)] = level
    filled = len(level)
    basis_order = np.arange(bits)[::-1]
    while filled < n_words:
        previous = level[::-1]
        seen: dict[bytes, None] = {}
        new_rows: list[np.ndarray] = []
        for i in basis_order:
            candidates = previous[~previous[:, i]].copy()
            candidates[:, i] = True
            for row, key in zip(candidates, np.packbits(candidates, axis=1), strict=True):
                key_bytes = key.tobytes()
                if key_bytes not in seen:
                    seen[key_bytes] = None
                    new_rows.append(row)
            if filled + len(new_rows) >= n_words:
                break
        level = np.array(new_rows, dtype=bool)
        take = min(len(level), n_words - filled)
        codes[filled : filled + take] = level[:take]
        filled += take
    return codes


def cipher_matrix(codes: np.ndarray) -> np.ndarray:
    """The l1-normalised codes (row t = eta_t / ||eta_t||_1), float32."""
    matrix = codes.astype(np.float32)
    return matrix / matrix.sum(axis=1, keepdims=True)


def noise_parts(cipher: np.ndarray, counts: np.ndarray, noise: str,
                beta: float) -> tuple[np.ndarray, np.ndarray] | None:
    """IaMaN's noise as (beta_t per word, background u); None without noise.

    u = normalise(1 - f), f = normalise(sum_t count_t * eta_t): the background leans toward
    the bits the corpus uses least. beta_t: ``f`` = count/(count+1), ``nf`` = 1/(number of
    types with that count), ``constant`` = ``beta`` for every word.
    """
    if noise == "none":
        return None
    counts = np.asarray(counts, dtype=np.float64)
    usage = counts @ cipher
    background = 1.0 - usage / usage.sum()
    background /= background.sum()
    if noise == "f":
        betas = counts / (counts + 1.0)
    elif noise == "nf":
        _, which, types_per_count = np.unique(counts, return_inverse=True, return_counts=True)
        betas = 1.0 / types_per_count[which]
    else:
        betas = np.full(len(counts), beta)
    return betas, background


def noisy_cipher(cipher: np.ndarray, counts: np.ndarray, noise: str, beta: float) -> np.ndarray:
    """IaMaN's noised codes beta_t * eta_t + (1 - beta_t) * u; rows still sum to 1."""
    parts = noise_parts(cipher, counts, noise, beta)
    if parts is None:
        return cipher
    betas, background = parts
    return (betas[:, None] * cipher + (1.0 - betas[:, None]) * background).astype(np.float32)


def summed_context_codes(cooccurrence: Any, cipher: np.ndarray, counts: np.ndarray,
                         noise: str, beta: float) -> np.ndarray:
    """F = C @ noisy cipher, without the dense noisy cipher.

    The noisy cipher is diag(beta) H + (1 - beta) u^T with H sparse (a few bits a word), so
    F = C diag(beta) H + (C (1 - beta)) u^T: a sparse product plus a rank-one term, several
    times faster than C times a dense |V| x b matrix when b is in the hundreds.
    """
    import scipy.sparse

    codes = scipy.sparse.csr_matrix(cipher)
    parts = noise_parts(cipher, counts, noise, beta)
    if parts is None:
        return np.asarray((cooccurrence @ codes).toarray(), dtype=np.float32)
    betas, background = parts
    features = (cooccurrence @ scipy.sparse.diags(betas) @ codes).toarray()
    features += np.outer(cooccurrence @ (1.0 - betas), background)
    return features.astype(np.float32)


@dataclass
class BitCipherParams(CorpusWindowSettings):
    """Bit-cipher vectors: frequency-ranked b-bit codes summed (or concatenated) over contexts.

    ``dim`` projects the b-dim features to that width by truncated SVD (``eig`` weights the
    singular values, 0 keeps the bare singular vectors); ``dim = None`` returns the b bits as
    the paper builds them.
    """

    bits: int = 1000
    dim: int | None = 100
    eig: float = 0.0
    window: int = 6
    aggregation: str = "sum"
    weighting: str = "harmonic"
    transform: str = "log_prob"
    context_weights: str = "count"
    smoothing: float = 0.05
    noise: str = "constant"
    noise_beta: float = 0.5
    standardize: bool = True
    memory_budget_mb: int = 512

    def validate(self) -> None:
        self.check_positive_int("bits")
        if self.dim is not None:
            self.check_positive_int("dim")
        self.check(0.0 <= self.eig <= 1.0, "eig", "a number in [0, 1]")
        super().validate()
        self.check_positive_int("memory_budget_mb")
        self.check_choice("aggregation", ("sum", "concat"))
        self.check_choice("weighting", ("flat", "harmonic"))
        self.check_choice("transform", ("none", "log1p", "log_prob"))
        self.check_choice("context_weights", ("count", "ppmi"))
        self.check(self.context_weights == "count" or self.aggregation == "sum", "context_weights",
                   "'count' with aggregation = 'concat'")
        self.check(self.smoothing > 0, "smoothing", "a positive number")
        self.check_choice("noise", ("none", "f", "nf", "constant"))
        self.check(0.0 <= self.noise_beta <= 1.0, "noise_beta", "a number in [0, 1]")


def offset_pairs(encoded: EncodedCorpus, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(target, context) id arrays for every in-sentence pair ``offset`` positions apart."""
    ids = np.asarray(encoded.ids)
    offsets = np.asarray(encoded.offsets)
    sentence = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    if offset >= len(ids):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    same = sentence[:-offset] == sentence[offset:]
    return ids[:-offset][same].astype(np.int64), ids[offset:][same].astype(np.int64)


def concat_features(encoded: EncodedCorpus, cipher: np.ndarray, window: int,
                    weighting: str) -> np.ndarray:
    """One block per offset -window..-1, 1..window: F_delta[t] = sum of the context codes."""
    import scipy.sparse

    n_words = cipher.shape[0]
    blocks: dict[int, np.ndarray] = {}
    for offset in range(1, window + 1):
        targets, contexts = offset_pairs(encoded, offset)
        weight = 1.0 / offset if weighting == "harmonic" else 1.0
        pairs = scipy.sparse.csr_matrix(
            (np.full(len(targets), weight, np.float32), (targets, contexts)),
            shape=(n_words, n_words),
        )
        blocks[offset] = pairs @ cipher  # right context at +offset
        blocks[-offset] = pairs.T.tocsr() @ cipher  # left context at -offset
    order = [*range(-window, 0), *range(1, window + 1)]
    return np.hstack([blocks[o] for o in order]).astype(np.float32)


def transform_features(features: np.ndarray, transform: str, smoothing: float) -> np.ndarray:
    if transform == "log1p":
        return np.log1p(features)
    if transform == "log_prob":
        totals = features.sum(axis=1, keepdims=True)
        return np.log((features + smoothing) / (totals + smoothing * features.shape[1]))
    return features


def project(features: np.ndarray, dim: int, eig: float) -> np.ndarray:
    """The top-``dim`` left singular vectors, scaled by singular value ** ``eig``.

    Computed from the eigenvectors of the b x b Gram matrix: b is small next to |V|, so this
    is a few BLAS calls (exact, not randomised), about 4x faster than a randomised SVD.
    """
    import scipy.linalg

    wide = features.astype(np.float64)
    gram = wide.T @ wide
    top = gram.shape[0]
    values, right = scipy.linalg.eigh(gram, subset_by_index=[top - dim, top - 1])
    values, right = values[::-1], right[:, ::-1]
    right *= np.sign(right[np.abs(right).argmax(axis=0), np.arange(dim)])  # a fixed sign
    singular = np.sqrt(np.clip(values, 1e-12, None))
    left = (wide @ right) / singular
    return (left * singular**eig).astype(np.float32)


def standardize_columns(features: np.ndarray) -> np.ndarray:
    mean = features.mean(axis=0, keepdims=True)
    std = features.std(axis=0, keepdims=True)
    std[std == 0] = 1.0
    return (features - mean) / std


class BitCipherEmbedder(ProgressFromParams):
    """Context codes aggregated per word: a training-free, count-based embedding."""

    name = "lexiplug.bitcipher.v1"

    def __init__(self, params: BitCipherParams) -> None:
        self.params = params
        self.codes: np.ndarray | None = None

    def fit(self, corpus: Any) -> Vectors:
        p = self.params
        encoded = p.encode(corpus)
        n_words = len(encoded.vocab.words)
        bits = bits_needed(n_words, p.bits)
        if bits != p.bits:
            logger.warning("bitcipher: 2^%d <= |V| = %d, so bits grow to %d (as the authors' "
                           "code does)", p.bits, n_words, bits)
        self.codes = cipher_codes(n_words, bits)
        cipher = cipher_matrix(self.codes)
        word_counts = np.asarray(encoded.vocab.counts)
        if p.aggregation == "sum":
            from lexiplug.corpus.cooccurrence import cooccurrence_counts

            counts = cooccurrence_counts(
                encoded, window=p.window, weighting=p.weighting, symmetric=True,
                memory_budget_mb=p.memory_budget_mb, progress=p.show_progress,
            )
            if p.context_weights == "ppmi":
                from .ppmi_svd import shifted_ppmi

                counts = shifted_ppmi(counts, cds=0.75, neg=1.0)
            features = summed_context_codes(counts, cipher, word_counts, p.noise, p.noise_beta)
        else:
            features = concat_features(
                encoded, noisy_cipher(cipher, word_counts, p.noise, p.noise_beta), p.window,
                p.weighting,
            )
        features = transform_features(features, p.transform, p.smoothing)
        if p.standardize:
            features = standardize_columns(features)
        if p.dim is not None:
            width = min(features.shape)
            require(p.dim < width, "dim",
                    f"a width below {width} (the cipher features: {bits} bits used, {n_words} "
                    "words), or null to keep every bit", p.dim)
            features = project(features, p.dim, p.eig)
        return make_vectors(encoded, features, method=self.name,
                            params={**asdict(p), "bits_used": bits})


bitcipher_v1 = settings_factory(BitCipherEmbedder, BitCipherParams, name="bitcipher_v1")
