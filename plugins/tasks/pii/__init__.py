"""The pii task plugin."""
