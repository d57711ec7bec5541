"""Replace PII spans with typed placeholders such as ``[EMAIL]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc


def redact(doc: Doc, spans_key: str = "pii", template: str = "[{label}]") -> str:
    """``doc.text`` with each span in ``doc.spans[spans_key]`` replaced by ``template``
    formatted with its label; overlapping spans are merged into the first one's label.
    Whitespace after a span is kept."""
    if spans_key not in doc.spans:
        from lexiplug.errors import ConfigError

        raise ConfigError(f"the doc has no spans under {spans_key!r} (available: "
                          f"{sorted(doc.spans)}); run the lexiplug_pii component first",
                          where="spans_key")
    text = doc.text
    pieces, cursor = [], 0
    for span in sorted(doc.spans[spans_key], key=lambda s: (s.start_char, -s.end_char)):
        if span.start_char < cursor:
            continue
        end_char = span.start_char + len(span.text.rstrip())
        pieces.append(text[cursor:span.start_char])
        pieces.append(template.format(label=span.label_))
        cursor = end_char
    pieces.append(text[cursor:])
    return "".join(pieces)
