"""One way for every task command to find a trained pipeline: a folder or an installed package.

``lexiplug task check`` and ``lexiplug task redact`` take ``--model`` as a pipeline folder or
the name of an installed spaCy model package. A package is found from its distribution's
file list, never by importing it first (``spacy.load(NAME)`` imports whatever module has that
name: any installed module would run), and is loaded from its data folder. The folder's
``config.cfg`` is read before anything loads, so a pipeline without the task's component is
refused at once instead of after running every text through it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lexiplug.errors import DataNotFoundError, FormatError

_PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def package_data_path(name: str) -> Path | None:
    """The data folder (``NAME/NAME-VERSION/`` with ``config.cfg`` and ``meta.json``) of the
    installed spaCy model package ``name``, from its distribution's files; None when no
    installed distribution has that layout."""
    from importlib import metadata

    for dist_name in dict.fromkeys((name, name.replace("_", "-"))):
        try:
            distribution = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            continue
        files = {tuple(file.parts) for file in distribution.files or ()}
        for parts in sorted(files):
            if len(parts) == 3 and parts[0] == name and parts[2] == "config.cfg" and \
                    (parts[0], parts[1], "meta.json") in files:
                return Path(str(distribution.locate_file(Path(*parts[:2]))))
    return None


def resolve_pipeline(model: str | Path, *, where: str = "--model", hint: str = "") -> Path:
    """The folder of a saved spaCy pipeline: ``model`` itself, or the data folder of the
    installed model package named ``model``; ``hint`` (how to make one) ends the error."""
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.cfg").is_file():
            raise FormatError("expected a spaCy pipeline folder (config.cfg, meta.json, one "
                              "folder per component)", path=str(path))
        return path
    if _PACKAGE_NAME.fullmatch(str(model)):
        found = package_data_path(str(model))
        if found is not None:
            return found
    raise DataNotFoundError(f"{str(model)!r} is neither a pipeline folder nor an installed "
                            f"spaCy model package{'; ' + hint if hint else ''}", where=where)


def component_with_factory(path: Path, factory: str) -> str:
    """The name of the pipeline's component made by ``factory``, read from ``config.cfg``."""
    from spacy.util import load_config

    try:
        config = load_config(path / "config.cfg")
    except Exception as error:  # confection raises several kinds for a broken file
        raise FormatError(f"expected a readable spaCy config ({type(error).__name__})",
                          path=str(path / "config.cfg")) from None
    pipeline = config.get("nlp", {}).get("pipeline", [])
    components = config.get("components", {})
    for name in pipeline:
        if components.get(name, {}).get("factory") == factory:
            return str(name)
    found = sorted({str(components.get(name, {}).get("factory")) for name in pipeline})
    raise DataNotFoundError(f"the pipeline has no {factory} component (its components' "
                            f"factories: {found})", where=str(path))


def load_task_pipeline(model: str | Path, factory: str, hint: str = "") -> Any:
    """``spacy.load`` of a checked pipeline that holds a ``factory`` component."""
    import spacy

    path = resolve_pipeline(model, hint=hint)
    component_with_factory(path, factory)
    return spacy.load(path)
