"""Built-in static plugin of lexiplug."""
