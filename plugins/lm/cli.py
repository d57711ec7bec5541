"""``lexiplug lm train|evaluate|export-vectors``: the LM lab from the command line.

``train CONFIG`` trains the ``[lm]`` block's model (``--resume`` continues from the newest
checkpoint, refusing one written for other settings and naming what differs), scores the
held-out text and saves the model, its training curve and its scores to ``output``.
``evaluate MODEL [TEXT ...]`` scores text (default: the model's own held-out text) in bits
per byte, optionally under a cipher. ``export-vectors MODEL OUTPUT`` writes the byte
encoder's word vectors of a ``word_pooled_bytes`` model as an ordinary vectors file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from lexiplug.cli.errors_boundary import user_errors

lm_app = typer.Typer(help="The LM lab: train and score small language models (bits per "
                     "byte) with interchangeable input/output schemes.",
                     no_args_is_help=True)
EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}


@lm_app.callback()
def _group() -> None:
    """The LM lab: train and score small language models with interchangeable schemes."""


@lm_app.command(context_settings=EXTRA_ARGS)
@user_errors
def train(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Config with [lm] and [lm.scheme] blocks."),
    resume: bool = typer.Option(False, "--resume",
                                help="Continue from the newest checkpoint of this run."),
    stop_after: int | None = typer.Option(None, "--stop-after",
                                          help="Stop after this many steps (checkpointed; "
                                          "--resume continues)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train one LM from a config (overrides: --lm.key value, --lm.scheme.key value)."""
    from lexiplug.cli.overrides import parse_overrides

    summary = run_config(config, overrides=parse_overrides(ctx.args), resume=resume,
                         stop_after=stop_after, progress=not quiet)
    typer.echo(json.dumps(summary, indent=1))


def run_config(config: Path, *, overrides: dict[str, Any] | None = None,
               resume: bool = False, stop_after: int | None = None,
               progress: bool = False) -> dict[str, Any]:
    """Train, score the held-out text and save; returns the summary printed by ``train``."""
    from .model import LanguageModel, checkpoint_folder, load_split

    model = LanguageModel.from_config(config, overrides)
    split = load_split(model.settings)
    model.train(split, resume=resume, stop_after=stop_after, progress=progress)
    summary: dict[str, Any] = {"scheme": model.scheme.name, "steps": model.record.steps,
                               "bytes_seen": model.record.bytes_seen,
                               "train_seconds": round(model.record.seconds, 2),
                               "params": model.params, "backbone_params": model.backbone_params,
                               "split": split.how}
    if not model.completed:
        summary["checkpoints"] = str(checkpoint_folder(model.settings.output))
        summary["note"] = "stopped early; run again with --resume to continue"
        return summary
    scores = model.evaluate(split.held_out.text,
                            n_replaced=split.held_out.n_replaced).as_dict()
    saved = model.save(model.settings.output, metrics=scores)
    summary.update({"bits_per_byte": round(scores["bits_per_byte"], 4),
                    "positions_per_byte": round(scores["positions_per_byte"], 4),
                    "quarters": [None if q is None else round(q, 4)
                                 for q in scores["quarters"]],
                    "output": str(saved)})
    return summary


@lm_app.command()
@user_errors
def evaluate(
    model_path: Path = typer.Argument(..., help="A folder written by `lexiplug lm train`."),
    texts: list[Path] = typer.Argument(None, help="Text files to score (default: the "
                                       "model's held-out text)."),
    context: int | None = typer.Option(None, "--context",
                                       help="Positions per window (<= the trained context)."),
    cipher: str | None = typer.Option(None, "--cipher",
                                      help="Score under a substitution cipher: letters "
                                      "or tokens."),
    seed: int = typer.Option(0, "--seed", help="Seed of the cipher (and of lexinvariant "
                             "codes)."),
) -> None:
    """Bits per byte of text under a trained LM (by context quarter, optionally ciphered)."""
    from .model import LanguageModel, load_split
    from .text import read_files

    model = LanguageModel.load(model_path)
    if texts:
        source = read_files(texts)
    else:
        source = load_split(model.settings).held_out
    scores = model.evaluate(source.text, context=context, cipher=cipher, cipher_seed=seed,
                            seed=seed, n_replaced=source.n_replaced).as_dict()
    typer.echo(json.dumps({k: scores[k] for k in ("bits_per_byte", "positions_per_byte",
                                                   "bytes", "quarters", "cipher",
                                                   "invalid_utf8_replaced")}, indent=1))


@lm_app.command("export-vectors")
@user_errors
def export_vectors(
    model_path: Path = typer.Argument(..., help="A word_pooled_bytes model folder."),
    output: Path = typer.Argument(..., help="Where to write the vectors."),
    words: Path | None = typer.Option(None, "--words", help="A file of words, one a line "
                                      "(default: the training text's most frequent words)."),
    top: int = typer.Option(20000, "--top", help="How many of the most frequent words."),
    format: str = typer.Option("word2vec-text", "--format", "-f",
                               help="Any format `lexiplug vectors convert` writes."),
) -> None:
    """Write the byte encoder's word vectors (a word_pooled_bytes model) as a vectors file."""
    from collections import Counter

    from lexiplug.errors import ConfigError

    from .model import LanguageModel, load_split
    from .text import read_files

    model = LanguageModel.load(model_path)
    counts: list[int] | None = None
    if words is not None:
        vocabulary = [w.strip() for w in read_files([words], what="word list").text.split("\n")
                      if w.strip()]
    else:
        tally = Counter(load_split(model.settings).train.text.split())
        common = tally.most_common(top)
        vocabulary, counts = [w for w, _ in common], [c for _, c in common]
    if not vocabulary:
        raise ConfigError("no words to export", where="--words")
    vectors = model.word_vectors(vocabulary, counts=counts)
    vectors.save(output, format=format)
    typer.echo(f"wrote {len(vectors)} word vectors ({vectors.dim}-d) to {output}")
