"""Built-in grounded plugin of lexiplug."""
