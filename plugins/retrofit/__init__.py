"""Built-in retrofitting plugin of lexiplug."""
