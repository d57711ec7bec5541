"""Finding data files: one resolver for every dataset and corpus."""

from .resolver import DATA_ENV, data_roots, gensim_data_dir, resolve_data_path
from .spec import DatasetSpec

__all__ = ["DATA_ENV", "DatasetSpec", "data_roots", "gensim_data_dir", "resolve_data_path"]
