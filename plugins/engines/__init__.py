"""Built-in execution engines of lexiplug: local (the default) and Ray."""
