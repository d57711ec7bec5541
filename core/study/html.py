"""``report.html``: the study report as one self-contained page to send to someone.

Everything is inside the file: plots as ``data:`` URIs, the methods behind every CI and
p-value, each row's own CI, the analogy split and per-row error analysis. Rendered with
jinja2 with autoescaping on, so a word, row name or plugin title can never inject markup;
plugin sections (markdown) go through markdown-it-py with raw HTML turned off, and their
images are embedded when they lie inside the study's output folder.
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..evaluation.stats import BOOTSTRAP_METHOD, PAIRED_METHOD
from .analysis import AnalogySplit, ErrorTable, OwnInterval
from .compare import SIGNIFICANCE, Comparison
from .report import format_coverage, format_number, grouped_warnings

if TYPE_CHECKING:
    from .outcome import StudyOutcome

_EMBEDDABLE = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


@dataclass
class TableExtras:
    """What the report adds to one comparison table: own CIs and the worst items per row."""

    own: dict[str, OwnInterval] = field(default_factory=dict)
    errors: list[ErrorTable] = field(default_factory=list)
    splits: list[AnalogySplit] = field(default_factory=list)


def render_html(
    outcome: StudyOutcome,
    tables: list[Comparison],
    extras: list[TableExtras],
    plots: dict[str, Path],
    sections: list[tuple[str, str]],
    *,
    n_resamples: int,
) -> str:
    """The whole page as a string (the caller writes it atomically)."""
    from jinja2 import Environment

    environment = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["number"] = format_number
    environment.filters["interval"] = _interval
    template = environment.from_string(_TEMPLATE)
    config = outcome.config
    return template.render(
        study=config.name,
        config_path=str(config.path),
        seed=config.seed,
        seconds=outcome.seconds,
        fits=outcome.fits,
        cached=sum(1 for t in outcome.timings if t.cached),
        rows=[{"name": r.name, "lineage": " → ".join(r.lineage), "words": f"{len(r.vectors):,}",
               "dim": r.vectors.dim} for r in outcome.rows.values()],
        tables=[_table_view(t, e, n_resamples=n_resamples, seed=config.seed)
                for t, e in zip(tables, extras, strict=True)],
        plots=[{"title": title, "src": data_uri(path)} for title, path in plots.items()],
        sections=[{"title": title, "body": _markdown(body, outcome.output)}
                  for title, body in sections],
        warnings=[{"evaluation": e, "warning": w, "rows": ", ".join(rows)}
                  for (e, w), rows in grouped_warnings(outcome).items()],
        timings=[t.to_dict() for t in outcome.timings],
    )


def data_uri(path: Path) -> str:
    """The file as a ``data:`` URI, so the page needs nothing beside it."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _table_view(table: Comparison, extras: TableExtras, *, n_resamples: int, seed: int
                ) -> dict[str, Any]:
    shared = table.n_shared is not None and any(f.shared_score is not None
                                                for f in table.rows)
    direction = {True: "higher is better", False: "lower is better",
                 None: "no better direction"}[table.higher_is_better]
    methods = []
    if shared:
        methods.append(
            f"Shared score: {table.statistic} over the {table.n_shared} items every row "
            f"covers ({direction}).")
        methods.append(
            f"Shared 95% CI: {BOOTSTRAP_METHOD}, {n_resamples} resamples of the "
            f"{table.n_shared} shared items (seed {seed}); two-sided percentile interval "
            "(2.5th to 97.5th percentile).")
    if table.p_value is not None:
        methods.append(
            f"p-value ({_leader(table)} vs {table.runner_up}): "
            f"{PAIRED_METHOD}; the share of {n_resamples} resamples (seed {seed}) in which the "
            f"leader does not beat the runner-up, as (k + 1) / ({n_resamples} + 1); a best row "
            f"is marked when p < {SIGNIFICANCE}.")
    for method in dict.fromkeys(own.method for own in extras.own.values()):
        owners = [row for row, own in extras.own.items() if own.method == method]
        methods.append(f"Own 95% CI ({', '.join(owners)}): {method}.")
    rows = []
    for figure in table.rows:
        own = extras.own.get(figure.row)
        rows.append({
            "name": figure.row, "best": figure.row == table.best,
            "shared_score": figure.shared_score, "shared_ci": figure.shared_ci,
            "score": figure.score, "own_ci": own.ci if own else None,
            "coverage": format_coverage(figure.n_covered, figure.n_items),
        })
    return {
        "title": f"{table.evaluation} — {table.dataset}",
        "anchor": f"{table.evaluation}-{table.dataset}",
        "metric": table.primary, "shared": shared, "direction": direction,
        "n_shared": table.n_shared, "n_items": table.n_items, "rows": rows,
        "best": table.best, "runner_up": table.runner_up, "p_value": table.p_value,
        "significance": SIGNIFICANCE, "notes": table.notes, "methods": methods,
        "splits": extras.splits, "errors": extras.errors,
    }


def _leader(table: Comparison) -> str:
    ranked = [f for f in table.rows if f.shared_score is not None]
    sign = -1.0 if table.higher_is_better is False else 1.0
    return max(ranked, key=lambda f: sign * (f.shared_score or 0.0)).row if ranked else "?"


def _markdown(body: str, root: Path) -> Any:
    """Plugin markdown as safe HTML: raw HTML is escaped, local images are embedded."""
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(body)
    for token in tokens:
        for child in token.children or []:
            if child.type == "image":
                child.attrSet("src", _embedded(str(child.attrGet("src") or ""), root))
    return Markup(parser.renderer.render(tokens, parser.options, {}))


def _embedded(src: str, root: Path) -> str:
    """A relative image inside ``root`` as a data URI; anything else unchanged."""
    if not src or ":" in src.split("/", 1)[0]:
        return src  # a URL or data URI: not ours to read
    path = (root / src).resolve()
    if (path.suffix.lower() in _EMBEDDABLE and path.is_file()
            and path.is_relative_to(root.resolve())):
        return data_uri(path)
    return src


def _interval(value: Any) -> str:
    return "—" if not value else f"[{value[0]:.3f}, {value[1]:.3f}]"


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Study {{ study }} — lexiplug report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { font-weight: bold; }
figure { margin: 1em 0; }
figure img, section.plugin img { max-width: 100%; height: auto; border: 1px solid #eee; }
.methods { font-size: 0.88em; color: #444; }
.note { font-style: italic; }
details { margin: 0.4em 0; }
summary { cursor: pointer; }
</style>
</head>
<body>
<h1>Study <code>{{ study }}</code></h1>
<p>Config <code>{{ config_path }}</code> · seed {{ seed }} · {{ "%.1f"|format(seconds) }} s in
total ({{ fits }} embedder fit(s) run, {{ cached }} step(s) served from the cache). The same
figures, with dataset checksums, the resolved config and library versions, are in
<code>results.json</code>.</p>

<h2>Rows</h2>
<table>
<tr><th>row</th><th>made by</th><th>words</th><th>dim</th></tr>
{% for row in rows %}
<tr><td>{{ row.name }}</td><td>{{ row.lineage }}</td><td class="num">{{ row.words }}</td>
<td class="num">{{ row.dim }}</td></tr>
{% endfor %}
</table>

{% for table in tables %}
<section class="comparison" id="{{ table.anchor }}">
<h2>{{ table.title }}</h2>
{% if table.shared %}
<p>Compared on the <strong>{{ table.n_shared }} of {{ table.n_items }}</strong> items covered
by every row ({{ table.direction }}). Each row's own figure, on all the items it covers, is
given beside it with its own CI.</p>
<table>
<tr><th>row</th><th>{{ table.metric }} (shared items)</th><th>95% CI (shared)</th>
<th>own {{ table.metric }}</th><th>own 95% CI</th><th>own coverage</th></tr>
{% for row in table.rows %}
<tr{% if row.best %} class="best"{% endif %}>
<td>{{ row.name }}{% if row.best %} (best){% endif %}</td>
<td class="num">{{ row.shared_score|number }}</td><td>{{ row.shared_ci|interval }}</td>
<td class="num">{{ row.score|number }}</td><td>{{ row.own_ci|interval }}</td>
<td class="num">{{ row.coverage }}</td></tr>
{% endfor %}
</table>
{% else %}
<p>Each row's figure on the items it covers ({{ table.direction }}).</p>
<table>
<tr><th>row</th><th>{{ table.metric }}</th><th>own 95% CI</th><th>own coverage</th></tr>
{% for row in table.rows %}
<tr><td>{{ row.name }}</td><td class="num">{{ row.score|number }}</td>
<td>{{ row.own_ci|interval }}</td><td class="num">{{ row.coverage }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if table.best %}
<p>Best: <strong>{{ table.best }}</strong>, separated from {{ table.runner_up }} by a paired
bootstrap on the shared items
(p = {{ "%.3f"|format(table.p_value) }} &lt; {{ table.significance }}).</p>
{% endif %}
{% for note in table.notes %}<p class="note">Note: {{ note }}.</p>{% endfor %}
{% if table.splits %}
<h3>Semantic and syntactic questions</h3>
<table>
<tr><th>row</th><th>semantic accuracy</th><th>95% CI</th><th>questions</th>
<th>syntactic accuracy</th><th>95% CI</th><th>questions</th></tr>
{% for split in table.splits %}
<tr><td>{{ split.row }}</td>
<td class="num">{{ split.figures.semantic_accuracy|number }}</td>
<td>{{ split.ci.get("semantic_accuracy")|interval }}</td>
<td class="num">{{ split.counts.semantic }}</td>
<td class="num">{{ split.figures.syntactic_accuracy|number }}</td>
<td>{{ split.ci.get("syntactic_accuracy")|interval }}</td>
<td class="num">{{ split.counts.syntactic }}</td></tr>
{% endfor %}
</table>
{% endif %}
<div class="methods"><strong>How these figures were computed</strong>
<ul>{% for method in table.methods %}<li>{{ method }}</li>{% endfor %}</ul></div>
{% if table.errors %}
<h3>Error analysis</h3>
{% for errors in table.errors %}
<details class="errors"><summary>{{ errors.row }}: {{ errors.title }}</summary>
{% if errors.items %}
<table>
<tr>{% for column in errors.columns %}<th>{{ column }}</th>{% endfor %}</tr>
{% for item in errors["items"] %}
<tr>{% for cell in item %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}
</table>
{% else %}<p>Nothing to show.</p>{% endif %}
</details>
{% endfor %}
{% endif %}
</section>
{% endfor %}

{% if plots %}
<h2>Plots</h2>
{% for plot in plots %}
<figure><img src="{{ plot.src }}" alt="{{ plot.title }}">
<figcaption>{{ plot.title }}</figcaption></figure>
{% endfor %}
{% endif %}

{% if warnings %}
<h2>Warnings</h2>
<ul>{% for w in warnings %}
<li>{{ w.evaluation }} ({{ w.rows }}): {{ w.warning }}</li>
{% endfor %}</ul>
{% endif %}

{% for section in sections %}
<section class="plugin">
<h2>{{ section.title }}</h2>
{{ section.body }}
</section>
{% endfor %}

<h2>Timings</h2>
<table>
<tr><th>step</th><th>row</th><th>seconds</th><th>cached</th></tr>
{% for t in timings %}
<tr><td>{{ t.step }}</td><td>{{ t.row or "" }}</td>
<td class="num">{{ "%.2f"|format(t.seconds) }}</td>
<td>{{ "yes" if t.cached else "no" }}</td></tr>
{% endfor %}
</table>
</body>
</html>
"""
