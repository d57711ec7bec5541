"""Streaming corpora, vocabulary, integer encoding and co-occurrence counts."""
