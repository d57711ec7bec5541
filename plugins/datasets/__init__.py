"""Built-in datasets plugin of lexiplug."""
