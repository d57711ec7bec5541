"""Built-in evaluators plugin of lexiplug."""
