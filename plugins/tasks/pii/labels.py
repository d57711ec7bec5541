"""Our PII label set and the documented mapping from each training set's labels to it.

A source label mapped to ``None`` is dropped (the span becomes ``O``): it is either not
personal information in our sense (AGE, TITLE, NRP) or too rare and ambiguous to learn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PII_LABELS: tuple[str, ...] = (
    "PERSON",
    "USERNAME",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "DATE",
    "ID_NUMBER",
    "URL",
    "ORGANIZATION",
)

PRESIDIO_TO_PII: dict[str, str | None] = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "ADDRESS",
    "ADDRESS": "ADDRESS",
    "LOCATION": "ADDRESS",
    "GPE": "ADDRESS",
    "ZIP_CODE": "ADDRESS",
    "ORGANIZATION": "ORGANIZATION",
    "DATE_TIME": "DATE",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "CREDIT_CARD": "ID_NUMBER",
    "IBAN_CODE": "ID_NUMBER",
    "US_SSN": "ID_NUMBER",
    "US_DRIVER_LICENSE": "ID_NUMBER",
    "US_PASSPORT": "ID_NUMBER",
    "US_BANK_NUMBER": "ID_NUMBER",
    "DOMAIN_NAME": "URL",
    "URL": "URL",
    "IP_ADDRESS": None,
    "TITLE": None,
    "AGE": None,
    "NRP": None,
}

WNUT17_TO_PII: dict[str, str | None] = {
    "person": "PERSON",
    "location": "ADDRESS",
    "corporation": "ORGANIZATION",
    "group": "ORGANIZATION",
    "product": None,
    "creative-work": None,
}

# WNUT-16 (Strauss et al. 2016): ten types; a band or artist name may be a person or a group,
# and titles are not personal information, so those are dropped.
WNUT16_TO_PII: dict[str, str | None] = {
    "person": "PERSON",
    "geo-loc": "ADDRESS",
    "facility": "ADDRESS",
    "company": "ORGANIZATION",
    "sportsteam": "ORGANIZATION",
    "musicartist": None,
    "movie": None,
    "tvshow": None,
    "product": None,
    "other": None,
}

BTC_TO_PII: dict[str, str | None] = {
    "PER": "PERSON",
    "LOC": "ADDRESS",
    "ORG": "ORGANIZATION",
}

# Both tweet corpora keep raw @handles as tokens (WNUT-17 tags them O, BTC mostly PER/ORG);
# in our scheme every @handle is a USERNAME, so readers relabel handle tokens (see prepare.py).
HANDLE_LABEL = "USERNAME"
TWEET_SOURCES = ("wnut17", "wnut16", "btc")

SOURCE_MAPPINGS: dict[str, Mapping[str, str | None]] = {
    "presidio": PRESIDIO_TO_PII,
    "wnut17": WNUT17_TO_PII,
    "wnut16": WNUT16_TO_PII,
    "btc": BTC_TO_PII,
    "pii": {label: label for label in PII_LABELS},
}


def map_label(source: str, label: str) -> str | None:
    """Our label for ``label`` of ``source`` (None: not PII for us); unknown labels -> None."""
    mapping = SOURCE_MAPPINGS.get(source)
    if mapping is None:
        from lexiplug.errors import ConfigError

        raise ConfigError(
            f"unknown label source {source!r}; expected one of {sorted(SOURCE_MAPPINGS)}",
            where="source",
        )
    return mapping.get(label)


# The CoNLL tweet schemes a held-out file may be written in. Their label sets overlap only in
# WNUT's ``person``/``product``, mapped alike by both WNUT schemes, so a file's tags name it.
CONLL_SCHEMES: tuple[str, ...] = ("wnut17", "wnut16", "btc", "pii")


def detect_conll_scheme(source_labels: Iterable[str]) -> str | None:
    """The CoNLL scheme whose mapping knows every label of a file, or None when none does.

    Why: reading a WNUT-17 file with the BTC mapping silently drops every entity (unknown
    labels map to None), and the scores of what is left are meaningless. A file without
    entity tags fits every scheme and gets the first.
    """
    found = set(source_labels)
    return next((s for s in CONLL_SCHEMES if found <= SOURCE_MAPPINGS[s].keys()), None)


def labels_annotated_by(source: str) -> tuple[str, ...]:
    """Our labels a source can produce: the fair set to score that source's gold on."""
    targets = {t for t in SOURCE_MAPPINGS[source].values() if t is not None}
    if source in TWEET_SOURCES:
        targets.add(HANDLE_LABEL)
    return tuple(label for label in PII_LABELS if label in targets)


def bio_tags(labels: Iterable[str]) -> tuple[str, ...]:
    """``O`` then ``B-x``, ``I-x`` for each label: the tagger's output order."""
    tags = ["O"]
    for label in labels:
        tags.extend((f"B-{label}", f"I-{label}"))
    return tuple(tags)
