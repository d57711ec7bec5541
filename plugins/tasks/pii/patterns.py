"""Pattern recogniser for structured identifiers, with checksums where they exist.

Emails, URLs (and bare domains), @handles, phone numbers (international with a country code,
and common national formats), IBANs (ISO 13616 mod-97 check), card numbers (Luhn check), and
full numeric dates with a four-digit year (day/month ranges checked; an ISO time may follow).
Hits are character spans; overlapping hits are resolved by priority, then length.

``find_date_like`` is a *soft* recogniser: dates and times are too ambiguous to merge as hits
("2014" may be a year or a count), so it only feeds the tagger a token feature.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@"
                    r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![\w-])")
_URL = re.compile(r"(?<![\w@/])(?:(?:https?|ftp)://|www\.)[^\s<>\"']+", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?<![\w@./-])(?:[A-Za-z0-9-]+\.)+(?:com|org|net|nl|be|de|uk|io|co|edu|gov|info|biz|eu|fr"
    r"|me|ly|tv|app|dev)(?:/[^\s<>\"']*)?(?![\w-])",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@.+-])@[A-Za-z0-9_]{1,30}(?![\w@])")
_INTL_PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?!\w)")
_NATIONAL_PHONE = re.compile(
    r"(?<![\w/.-])(?:\(\d{2,5}\)\s?\d{3,4}[\s.-]\d{3,4}|\d{3}[.-]\d{3}[.-]\d{4}"
    r"|0\d{1,3}[\s-]\d{6,8}|0\d{9})(?![\w/])"
)
# national numbers written in 2-4 digit groups (07700 063 966, 0490 75 40 81, 467-3395); space
# groups need three or more, so a house number + street number ("370 3911 Fourth Ave") is not one
_GROUPED_PHONE = re.compile(r"(?<![\w/.:+-])\(?\d{2,5}\)?(?P<sep>[ .-])\d{2,4}"
                            r"(?:(?P=sep)\d{2,4}){0,3}(?![\w/:-]|[.-]\d)")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_IP_SHAPE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_DATE_SHAPE = re.compile(r"\d{4}[.-]\d{1,2}[.-]\d{1,2}|\d{1,2}[.-]\d{1,2}[.-]\d{4}")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_FULL_DATE = re.compile(
    r"(?<![\w/.:-])(?:(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?:19|20)\d{2}"
    r"|(?:19|20)\d{2}-(?P<m>\d{2})-(?P<d>\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)"
    r"(?![\w/:-])"
)
_TRAILING = ".,;:!?)]}'\""
_MONTHS = ("jan(?:uary|uari)?|feb(?:ruary|ruari)?|mar(?:ch)?|maart|apr(?:il)?|may|mei|"
           "june?|juni|july?|juli|aug(?:ust|ustus)?|sep(?:t|tember)?|oct(?:ober)?|okt(?:ober)?|"
           "nov(?:ember)?|dec(?:ember)?")
_DAYS = ("mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|"
         "sat(?:urday)?|sun(?:day)?|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag")
_DATE_LIKE = re.compile(
    r"(?<![\w/.:-])(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 7/14/1995, 14-07-1995
    r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"  # 1995-07-14
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # 07:00, 07:00:28
    r"|(?:19|20)\d{2}"  # a plausible year
    rf"|(?:{_MONTHS})\.?|(?:{_DAYS})\.?"
    r")(?![\w/:-])",
    re.IGNORECASE,
)

# Earlier entries win overlaps: a card number is not also a phone number.
PATTERN_LABELS: tuple[str, ...] = ("EMAIL", "URL", "ID_NUMBER", "DATE", "PHONE", "USERNAME")


@dataclass(frozen=True, slots=True)
class PatternHit:
    start: int
    end: int
    label: str
    kind: str


def iban_checksum_ok(candidate: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters -> 10..35, mod 97 == 1."""
    compact = candidate.replace(" ", "")
    if not (15 <= len(compact) <= 34) or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def luhn_ok(candidate: str) -> bool:
    """The Luhn check over the digits of ``candidate`` (13 to 19 digits)."""
    digits = [int(ch) for ch in candidate if ch.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _phone_ok(candidate: str) -> bool:
    digit_count = sum(ch.isdigit() for ch in candidate)
    return 7 <= digit_count <= 15


def _grouped_phone_ok(match: re.Match[str]) -> bool:
    text = match.group()
    if any(shape.fullmatch(text) for shape in (_SSN_SHAPE, _IP_SHAPE, _DATE_SHAPE)):
        return False
    if match.group("sep") == " " and text.count(" ") < 2:
        return False
    return 7 <= sum(ch.isdigit() for ch in text) <= 12


def _date_ok(match: re.Match[str]) -> bool:
    """Day and month in range: either order for d/m/yyyy (US and European), ISO for y-m-d."""
    if match.group("m") is not None:
        return 1 <= int(match.group("m")) <= 12 and 1 <= int(match.group("d")) <= 31
    a, b = int(match.group("a")), int(match.group("b"))
    return min(a, b) >= 1 and min(a, b) <= 12 and max(a, b) <= 31


def _strip_trailing(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def _candidates(text: str) -> list[PatternHit]:
    hits: list[PatternHit] = []
    for match in _EMAIL.finditer(text):
        hits.append(PatternHit(match.start(), match.end(), "EMAIL", "email"))
    for regex in (_URL, _DOMAIN):
        for match in regex.finditer(text):
            end = _strip_trailing(text, match.start(), match.end())
            if end > match.start():
                hits.append(PatternHit(match.start(), end, "URL", "url"))
    for match in _IBAN.finditer(text):
        if iban_checksum_ok(match.group()):
            hits.append(PatternHit(match.start(), match.end(), "ID_NUMBER", "iban"))
    for match in _CARD.finditer(text):
        if luhn_ok(match.group()):
            hits.append(PatternHit(match.start(), match.end(), "ID_NUMBER", "card"))
    for regex in (_INTL_PHONE, _NATIONAL_PHONE):
        for match in regex.finditer(text):
            end = _strip_trailing(text, match.start(), match.end())
            if _phone_ok(text[match.start():end]):
                hits.append(PatternHit(match.start(), end, "PHONE", "phone"))
    for match in _GROUPED_PHONE.finditer(text):
        if _grouped_phone_ok(match):
            hits.append(PatternHit(match.start(), match.end(), "PHONE", "phone"))
    for match in _FULL_DATE.finditer(text):
        if _date_ok(match):
            hits.append(PatternHit(match.start(), match.end(), "DATE", "date"))
    for match in _HANDLE.finditer(text):
        hits.append(PatternHit(match.start(), match.end(), "USERNAME", "handle"))
    return hits


def find_date_like(text: str) -> list[tuple[int, int]]:
    """Char spans that look like a date, time, year, month or weekday (feature only)."""
    return [(match.start(), match.end()) for match in _DATE_LIKE.finditer(text)]


def find_patterns(text: str) -> list[PatternHit]:
    """Non-overlapping hits sorted by start: priority by label, then longer spans first."""
    priority = {label: rank for rank, label in enumerate(PATTERN_LABELS)}
    ranked = sorted(_candidates(text),
                    key=lambda h: (priority[h.label], -(h.end - h.start), h.start))
    taken: list[PatternHit] = []
    occupied: list[tuple[int, int]] = []
    for hit in ranked:
        if all(hit.end <= s or hit.start >= e for s, e in occupied):
            taken.append(hit)
            occupied.append((hit.start, hit.end))
    return sorted(taken, key=lambda h: h.start)


def pattern_spans(doc: Doc, labels: Iterable[str] | None = None) -> list[Span]:
    """The pattern hits of ``doc`` as token spans (widened to token boundaries), limited to
    ``labels``: the layer the component merges over its model, and the whole of
    ``lexiplug task redact --patterns-only``, which needs no trained model."""
    allowed = None if labels is None else set(labels)
    spans = []
    for hit in find_patterns(doc.text):
        if allowed is not None and hit.label not in allowed:
            continue
        span = doc.char_span(hit.start, hit.end, label=hit.label, alignment_mode="expand")
        if span is not None and len(span):
            spans.append(span)
    return spans
