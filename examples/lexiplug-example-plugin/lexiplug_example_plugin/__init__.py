"""An example third-party lexiplug plugin (see ``plugin.py`` for the entry point).

Importing this package is cheap on purpose: lexiplug imports ``plugin.py`` in every process
that looks anything up in its registry, so numpy/scipy load only inside the factories.
"""

__version__ = "0.1.0"
