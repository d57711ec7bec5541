"""Built-in alignment plugin of lexiplug: Procrustes, CADE and semantic shift."""
