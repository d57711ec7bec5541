"""Static word vectors: the :class:`Vectors` container and its file formats."""

from .vectors import OOV_POLICIES, Vectors

__all__ = ["OOV_POLICIES", "Vectors"]
