"""Training data for the PII tagger as spaCy ``DocBin`` files.

Readers: the presidio-research synthetic set (split by ``template_id``, so no template is in
both train and test), the Faker post generator, and WNUT-17 / BTC CoNLL files (token<TAB>tag).
Every source label goes through the documented mapping in ``labels.py``.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lexiplug.errors import FormatError
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from ..inputs import (
    flag_option,
    fraction_option,
    integer_option,
    open_binary,
    read_text,
    reject_unknown,
    text_lines,
    text_option,
)
from .generate import generate_posts
from .labels import CONLL_SCHEMES, HANDLE_LABEL, SOURCE_MAPPINGS, detect_conll_scheme, map_label

logger = logging.getLogger(__name__)

PRESIDIO_FILE = "pii/presidio-research/synth_dataset_v2.json"
WNUT17_FILES = {"train": "pii/wnut17-emerging-entities/wnut17train.conll",
                "dev": "pii/wnut17-emerging-entities/emerging.dev.conll"}
# More synthetic pretraining text (older ADDRESS/LOCATION labels, mapped in labels.py) and
# the WNUT-16 2015 dev tweets (new tweets; WNUT-16 train/dev are WNUT-17 train relabelled).
PRESIDIO_LARGE_FILE = "pii/presidio-research/generated_large.json"
WNUT16_2015_FILE = "pii/wnut16-twitter-ner/dev_2015.conll"
BTC_FILES = {"train": "pii/broad-twitter-corpus/btc.train",
             "dev": "pii/broad-twitter-corpus/btc.dev"}


def read_presidio(path: str | Path) -> list[dict[str, Any]]:
    """presidio-research records ``{full_text, spans:[...], template_id}``, checked."""
    path = Path(path)
    try:
        records = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise FormatError(f"not valid JSON ({error.msg})", path=str(path),
                          line=error.lineno) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply", path=str(path)) from None
    if not isinstance(records, list):
        raise FormatError("expected a JSON list of samples", path=str(path))
    for position, record in enumerate(records):
        problem = _presidio_problem(record)
        if problem:
            raise FormatError(f"sample {position}: {problem}", path=str(path))
    return records


def _presidio_problem(record: Any) -> str | None:
    """What is wrong with one presidio sample (None: nothing); spans must lie inside the
    text, since a span past its end would make no token span at all."""
    if not isinstance(record, dict) or "full_text" not in record or "spans" not in record:
        return "expected an object with full_text and spans"
    text, spans = record["full_text"], record["spans"]
    if not isinstance(text, str):
        return f"expected full_text to be a string, found {type(text).__name__}"
    if not isinstance(record.get("template_id"), str | int | float | type(None)):
        return "expected template_id to be a string or a number"
    if not isinstance(spans, list):
        return f"expected spans to be a list, found {type(spans).__name__}"
    for number, span in enumerate(spans):
        if not isinstance(span, dict):
            return f"span {number}: expected an object"
        if not isinstance(span.get("entity_type"), str):
            return f"span {number}: expected entity_type to be a string"
        start, end = span.get("start_position"), span.get("end_position")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            return f"span {number}: expected integer start_position and end_position"
        if not 0 <= start <= end <= len(text):
            return (f"span {number}: expected 0 <= start_position <= end_position <= "
                    f"{len(text)} (the text's length), found {start}..{end}")
    return None


def split_by_template(records: Sequence[dict[str, Any]], test_fraction: float = 0.2,
                      seed: int = 0) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Train/test split with whole templates on one side."""
    templates = sorted({record.get("template_id") for record in records}, key=str)
    random.Random(seed).shuffle(templates)
    n_test = max(1, round(len(templates) * test_fraction))
    held_out = set(templates[:n_test])
    train = [r for r in records if r.get("template_id") not in held_out]
    test = [r for r in records if r.get("template_id") in held_out]
    return train, test


def template_key(masked: str) -> str:
    """A template's identity across presidio files: its text with every placeholder made
    alike, lower-cased. Why: ``generated_large.json`` numbers its templates differently
    from ``synth_dataset_v2.json`` but shares most of them (115 of its 127), so ids alone
    would let held-out templates into training."""
    import re

    return " ".join(re.sub(r"\{\{[^}]*\}\}", "{}", masked).lower().split())


def records_from_unseen_templates(records: Iterable[dict[str, Any]],
                                  held_out: Iterable[dict[str, Any]]
                                  ) -> tuple[list[dict[str, Any]], int]:
    """``records`` whose template is none of ``held_out``'s (by :func:`template_key`), and
    how many were dropped for sharing one."""
    unseen = {template_key(str(r.get("masked") or "")) for r in held_out}
    records = list(records)
    kept = [r for r in records if template_key(str(r.get("masked") or "")) not in unseen]
    return kept, len(records) - len(kept)


def doc_with_char_spans(nlp: Language, text: str, spans: Iterable[tuple[int, int, str]],
                        spans_key: str = "pii") -> Doc:
    """A tokenised doc whose ``spans[spans_key]`` are the given char spans, snapped outwards
    to token boundaries; overlaps keep the longest span."""
    doc = nlp.make_doc(text)
    found = []
    for start, end, label in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None and len(span):
            found.append(span)
    doc.spans[spans_key] = filter_spans(found)
    return doc


def presidio_docs(nlp: Language, records: Iterable[dict[str, Any]],
                  spans_key: str = "pii") -> list[Doc]:
    docs = []
    for record in records:
        spans = []
        for span in record["spans"]:
            label = map_label("presidio", span["entity_type"])
            if label is not None:
                spans.append((int(span["start_position"]), int(span["end_position"]), label))
        docs.append(doc_with_char_spans(nlp, record["full_text"], spans, spans_key))
    return docs


def generated_docs(nlp: Language, n: int, seed: int = 0, spans_key: str = "pii") -> list[Doc]:
    return [doc_with_char_spans(nlp, post.text, post.spans, spans_key)
            for post in generate_posts(n, seed=seed)]


def read_conll(path: str | Path, tag_lines: dict[str, int] | None = None
               ) -> list[tuple[list[str], list[str]]]:
    """Sentences of ``token<TAB>tag`` lines separated by blank lines; ``tag_lines``, when
    given, receives the first line of each source label (``B-person`` -> ``person``), so a
    caller can name the line of a label it cannot map."""
    path = Path(path)
    sentences, words, tags = [], [], []
    with open_binary(path) as handle:
        for number, line in enumerate(text_lines(path, handle), start=1):
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    sentences.append((words, tags))
                words, tags = [], []
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[1] or not (parts[1] == "O" or parts[1][:2] in
                                                        ("B-", "I-")):
                raise FormatError("expected 'token<TAB>BIO-tag'", path=str(path), line=number)
            if not parts[0].strip():  # a few BTC lines carry an empty token: nothing to tag
                continue
            words.append(parts[0])
            tags.append(parts[1])
            if tag_lines is not None and parts[1] != "O":
                tag_lines.setdefault(parts[1][2:], number)
    if words:
        sentences.append((words, tags))
    return sentences


def conll_doc(nlp: Language, words: list[str], tags: list[str], source: str,
              spans_key: str = "pii") -> Doc:
    """A doc from a tagged tweet: labels mapped, ``@`` + name glued into one handle, and
    every handle relabelled USERNAME (our scheme)."""
    spaces = [not (word == "@" and i + 1 < len(words)) for i, word in enumerate(words)]
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    spans, handles = [], []
    i = 0
    while i < len(words):
        if words[i] == "@" and i + 1 < len(words):
            handles.append(Span(doc, i, i + 2, label=HANDLE_LABEL))
            i += 2
            continue
        if words[i].startswith("@") and len(words[i]) > 1:
            handles.append(Span(doc, i, i + 1, label=HANDLE_LABEL))
        i += 1
    i = 0
    while i < len(tags):
        if tags[i] == "O":
            i += 1
            continue
        source_label = tags[i][2:]
        end = i + 1
        while end < len(tags) and tags[end] == f"I-{source_label}":
            end += 1
        label = map_label(source, source_label)
        if label is not None:
            spans.append(Span(doc, i, end, label=label))
        i = end
    handled = {t for span in handles for t in range(span.start, span.end)}
    kept = [s for s in spans if not handled.intersection(range(s.start, s.end))]
    doc.spans[spans_key] = sorted(kept + handles, key=lambda s: s.start)
    return doc


def conll_docs(nlp: Language, path: str | Path, source: str, spans_key: str = "pii"
               ) -> list[Doc]:
    return [conll_doc(nlp, words, tags, source, spans_key) for words, tags in read_conll(path)]


def conll_eval_docs(nlp: Language, path: str | Path, scheme: str = "auto",
                    spans_key: str = "pii") -> tuple[str, list[Doc]]:
    """A held-out CoNLL file as docs, read in its own label scheme: ``scheme="auto"`` detects
    it from the file's tag set. Returns the scheme used (it decides which of our labels the
    file can be scored on) and the docs.

    A tag the scheme does not map is refused with its line instead of being dropped: a
    dropped entity turns into a false positive for every system that finds it.
    """
    if scheme != "auto" and scheme not in CONLL_SCHEMES:
        from lexiplug.errors import ConfigError

        raise ConfigError(f"unknown CoNLL scheme {scheme!r}; expected 'auto' or one of "
                          f"{list(CONLL_SCHEMES)}", where="scheme")
    tag_lines: dict[str, int] = {}
    sentences = read_conll(path, tag_lines)
    if scheme == "auto":
        detected = detect_conll_scheme(tag_lines)
        if detected is None:
            best = min(CONLL_SCHEMES, key=lambda s: len(tag_lines.keys() - SOURCE_MAPPINGS[s]))
            label = min(tag_lines.keys() - SOURCE_MAPPINGS[best], key=tag_lines.__getitem__)
            raise FormatError(
                f"tag label {label!r} fits no known CoNLL scheme (labels found: "
                f"{sorted(tag_lines)}; "
                + "; ".join(f"{s} uses {sorted(SOURCE_MAPPINGS[s])}" for s in CONLL_SCHEMES)
                + ")",
                path=str(path), line=tag_lines[label])
        scheme = detected
    unknown = sorted(tag_lines.keys() - SOURCE_MAPPINGS[scheme], key=tag_lines.__getitem__)
    if unknown:
        raise FormatError(
            f"tag label {unknown[0]!r} is not in the {scheme} scheme (it maps "
            f"{sorted(SOURCE_MAPPINGS[scheme])}); pass the file's scheme or fix the tag",
            path=str(path), line=tag_lines[unknown[0]])
    return scheme, [conll_doc(nlp, words, tags, scheme, spans_key) for words, tags in sentences]


def write_docbin(docs: Iterable[Doc], path: str | Path) -> int:
    from lexiplug.atomic import atomic_path

    bin_ = DocBin(attrs=["ORTH", "SPACY"], store_user_data=False)
    count = 0
    for doc in docs:
        bin_.add(doc)
        count += 1
    with atomic_path(Path(path)) as temporary:
        bin_.to_disk(temporary)
    return count


def prepare_pii(output: str | Path, *, n_generated: int = 3000, test_fraction: float = 0.2,
                seed: int = 0, spans_key: str = "pii",
                data_roots: Sequence[str | Path] = (), presidio_large: bool = False,
                wnut16_2015: bool = False) -> dict[str, int]:
    """Write the pretraining and fine-tuning DocBins into ``output``; returns doc counts.

    ``data_roots`` are searched for ``pii/`` before the data resolver's own folders.
    ``presidio_large`` adds ``generated_large.json`` to pretraining, without any record
    whose template is held out for dev or test; ``wnut16_2015`` adds the 420 WNUT-16 2015
    tweets to fine-tuning."""
    from functools import partial

    import spacy
    from lexiplug.data.resolver import resolve_data_path as resolve

    resolve_data_path = partial(resolve, extra_roots=data_roots)

    nlp = spacy.blank("en")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    records = read_presidio(resolve_data_path(PRESIDIO_FILE, what="presidio synth_dataset_v2"))
    train, test = split_by_template(records, test_fraction, seed)
    # model selection needs its own templates: the held-out test templates stay unseen
    train, dev = split_by_template(train, test_fraction, seed + 1)
    generated = generated_docs(nlp, n_generated, seed, spans_key)
    n_gen_dev = len(generated) // 10
    extra_pretrain: list[Doc] = []
    if presidio_large:
        large = read_presidio(resolve_data_path(PRESIDIO_LARGE_FILE,
                                                what="presidio generated_large"))
        kept, dropped = records_from_unseen_templates(large, test + dev)
        logger.info("generated_large: %d records kept, %d dropped (held-out templates)",
                    len(kept), dropped)
        extra_pretrain = presidio_docs(nlp, kept, spans_key)
    wnut = {split: conll_docs(nlp, resolve_data_path(p, what=f"wnut17 {split}"), "wnut17",
                              spans_key) for split, p in WNUT17_FILES.items()}
    btc = {split: conll_docs(nlp, resolve_data_path(p, what=f"btc {split}"), "btc", spans_key)
           for split, p in BTC_FILES.items()}
    # model selection on tweets carved from train: the reported dev sets stay unseen
    tweets_train = wnut["train"] + btc["train"]
    if wnut16_2015:
        tweets_train += conll_eval_docs(
            nlp, resolve_data_path(WNUT16_2015_FILE, what="wnut16 dev_2015"), "wnut16",
            spans_key)[1]
    random.Random(seed).shuffle(tweets_train)
    n_tweet_dev = len(tweets_train) // 10
    outputs = {
        "pretrain_train.spacy": (presidio_docs(nlp, train, spans_key) + generated[n_gen_dev:]
                                 + extra_pretrain),
        "pretrain_dev.spacy": presidio_docs(nlp, dev, spans_key) + generated[:n_gen_dev],
        "presidio_test.spacy": presidio_docs(nlp, test, spans_key),
        "finetune_train.spacy": tweets_train[n_tweet_dev:],
        "finetune_dev.spacy": tweets_train[:n_tweet_dev],
        "wnut17_dev.spacy": wnut["dev"],
        "btc_dev.spacy": btc["dev"],
    }
    counts = {name: write_docbin(docs, output / name) for name, docs in outputs.items()}
    logger.info("wrote PII DocBins to %s: %s", output, counts)
    return counts


def prepare(sources: Sequence[str | Path], output: str | Path, *, n_generated: int = 3000,
            test_fraction: float = 0.2, seed: int = 0, spans_key: str = "pii",
            presidio_large: Any = False, wnut16_2015: Any = False,
            **unknown: Any) -> dict[str, int]:
    """Entry of ``lexiplug task prepare pii SOURCES -o FOLDER``.

    SOURCES is ``default`` (the data resolver's folders) or data roots that hold ``pii/``
    (searched before the resolver's own); OUTPUT is a folder of DocBins.
    """
    from lexiplug.errors import DataNotFoundError

    reject_unknown("pii", unknown, ("n_generated", "test_fraction", "seed", "spans_key",
                                    "presidio_large", "wnut16_2015"))
    n_generated = integer_option(n_generated, "n_generated", minimum=0)
    test_fraction = fraction_option(test_fraction, "test_fraction")
    seed = integer_option(seed, "seed", minimum=0)
    spans_key = text_option(spans_key, "spans_key")
    roots = [Path(s) for s in sources if str(s) != "default"]
    for root in roots:
        if not root.is_dir():
            raise DataNotFoundError("expected 'default' or a data folder that holds pii/",
                                    where=str(root))
    return prepare_pii(output, n_generated=n_generated, test_fraction=test_fraction,
                       seed=seed, spans_key=spans_key, data_roots=roots,
                       presidio_large=flag_option(presidio_large, "presidio_large"),
                       wnut16_2015=flag_option(wnut16_2015, "wnut16_2015"))
