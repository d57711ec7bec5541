"""Built-in contextual plugin of lexiplug."""
