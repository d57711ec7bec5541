"""The die_dat task plugin."""
