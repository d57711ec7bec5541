"""``spacy train`` callbacks of the task configs (``spacy_callbacks`` entry points, light).

``lexiplug.strip_strings.v1`` (``[training] before_to_disk``): spaCy's StringStore keeps every
token it has seen, so a pipeline saved after training on, or running over, personal data
holds e-mail addresses, handles and IBANs in ``vocab/strings.json``. The saved copy gets a
vocabulary holding only what loading the pipeline itself puts there (labels, tokenizer
exceptions, lookups), plus the vectors (keyed by hash, as the models read them) and lookup
tables; the live pipeline is untouched.

``lexiplug.warn_short_training.v1`` (``[training] before_update``): spaCy evaluates at step 0
and then every ``eval_frequency`` steps, so a run shorter than ``eval_frequency`` keeps the
untrained step-0 model as ``model-best``; it says so at the first step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def strip_strings(nlp: Any) -> Any:
    """A copy of ``nlp`` whose StringStore holds only the strings loading its own config
    and component data adds; save this copy wherever the pipeline has seen private text."""
    from spacy.util import load_model_from_config

    data = nlp.to_bytes(exclude=["vocab"])
    copy = load_model_from_config(nlp.config, auto_fill=False, validate=False)
    # by bytes: assigning vocab.vectors would copy the old store's strings along
    copy.vocab.vectors.from_bytes(nlp.vocab.vectors.to_bytes(exclude=["strings"]),
                                  exclude=["strings"])
    copy.vocab.lookups = nlp.vocab.lookups
    copy.from_bytes(data, exclude=["vocab"])
    copy.meta.update(nlp.meta)
    return copy


def strip_strings_v1() -> Callable[[Any], Any]:
    """``lexiplug.strip_strings.v1``: :func:`strip_strings` as ``before_to_disk``."""
    return strip_strings


def short_training_warning(training: dict[str, Any]) -> str | None:
    """The warning for a ``[training]`` block whose run ends before its first evaluation
    after step 0 (None when there is none to give)."""
    max_steps = int(training.get("max_steps") or 0)
    eval_frequency = int(training.get("eval_frequency") or 0)
    if 0 < max_steps < eval_frequency:
        return (f"training.max_steps = {max_steps} is below training.eval_frequency = "
                f"{eval_frequency}: spaCy evaluates only at step 0, so model-best will be the "
                "untrained model; lower eval_frequency (e.g. --training.eval_frequency "
                f"{max_steps}) or use model-last")
    return None


def warn_short_training_v1() -> Callable[[Any, dict[str, Any]], None]:
    """``lexiplug.warn_short_training.v1``: warns once, at step 0 (see the module docstring)."""

    def before_update(nlp: Any, info: dict[str, Any]) -> None:
        if info.get("step") != 0:
            return
        warning = short_training_warning(nlp.config.get("training", {}))
        if warning:
            import warnings

            warnings.warn(warning, UserWarning, stacklevel=2)

    return before_update
