"""Built-in multi-sense plugin of lexiplug: Disambiguated Skip-gram, context clustering, and
the sense-aware evaluations (SCWS, word-sense induction); docs/multisense.md."""
