"""The phenotype task plugin."""
