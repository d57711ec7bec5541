"""BEIR/MTEB-style retrieval sets (``corpus.jsonl``, ``queries.jsonl``, ``qrels.jsonl``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexiplug.errors import FormatError

from .readers_text import finite_number, parse_json, read_text


@dataclass
class RetrievalSet:
    """Documents, queries and graded relevance ``qrels[query_id][doc_id] = score``."""

    doc_ids: list[str]
    doc_texts: list[str]
    query_ids: list[str]
    query_texts: list[str]
    qrels: dict[str, dict[str, float]]
    paths: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.query_ids)


def _json_lines(path: Path, keys: tuple[str, ...]) -> list[tuple[dict[str, Any], int]]:
    records = []
    for line_no, raw in enumerate(read_text(path).split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        record = parse_json(line, path, line_no)
        if not isinstance(record, dict) or any(k not in record for k in keys):
            raise FormatError(f"expected a JSON object with keys {list(keys)}, found {line[:80]!r}",
                              path=path, line=line_no)
        records.append((record, line_no))
    if not records:
        raise FormatError("expected at least one JSON line, found none", path=path)
    return records


def read_beir(corpus: str | Path, queries: str | Path, qrels: str | Path) -> RetrievalSet:
    """Read the three files; a document's text is its title and text joined."""
    corpus, queries, qrels = Path(corpus), Path(queries), Path(qrels)
    doc_ids, doc_texts = [], []
    for record, _ in _json_lines(corpus, ("_id", "text")):
        doc_ids.append(str(record["_id"]))
        title = str(record.get("title") or "")
        doc_texts.append(f"{title} {record['text']}".strip())
    query_ids, query_texts = [], []
    for record, _ in _json_lines(queries, ("_id", "text")):
        query_ids.append(str(record["_id"]))
        query_texts.append(str(record["text"]))
    known_docs, known_queries = set(doc_ids), set(query_ids)
    table: dict[str, dict[str, float]] = {}
    for record, line_no in _json_lines(qrels, ("query-id", "corpus-id", "score")):
        query_id, doc_id = str(record["query-id"]), str(record["corpus-id"])
        if query_id not in known_queries or doc_id not in known_docs:
            raise FormatError(
                f"qrel names an unknown {'query' if query_id not in known_queries else 'document'}"
                f": {query_id!r} -> {doc_id!r}", path=qrels, line=line_no,
            )
        score = finite_number(record["score"], "the score", qrels, line_no)
        table.setdefault(query_id, {})[doc_id] = score
    return RetrievalSet(doc_ids, doc_texts, query_ids, query_texts, table, [corpus, queries, qrels])
