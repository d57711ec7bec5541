"""Loading a torch-backed task component: its torch layer must exist before weights arrive."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # typing.Self is 3.11+; requires-python promises 3.10
    from typing import Self


class BuildsBeforeLoading:
    """Mixin (before ``TrainablePipe``) for components whose thinc model gets its torch layer
    only in ``initialize``: a loaded pipeline never trains, so the layer is built bare, with
    the model attribute ``build_flag`` telling the architecture to skip training-time work
    (pretrained vectors, label scans) whose result the saved weights replace."""

    build_flag: str
    model: Any

    def _ensure_built(self) -> None:
        if not self.model.layers:
            self.model.attrs[self.build_flag] = True
            self.model.initialize()

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> Self:
        self._ensure_built()
        return super().from_bytes(bytes_data, exclude=exclude)  # type: ignore[misc, no-any-return]

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> Self:
        self._ensure_built()
        return super().from_disk(path, exclude=exclude)  # type: ignore[misc, no-any-return]
