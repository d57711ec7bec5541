"""Fails while lexiplug imports it, like a plugin with a missing dependency."""

raise ImportError("lexiplug-broken-plugin: this module fails at import on purpose")
