"""Built-in transforms plugin of lexiplug."""
