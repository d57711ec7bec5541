"""Built-in out-of-vocabulary plugin of lexiplug: a byte-level word encoder trained to reproduce
any ``Vectors`` table, and the transform that gives every word a vector with it (docs/oov.md)."""
