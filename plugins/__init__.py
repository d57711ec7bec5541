"""lexiplug's built-in plugins; each subpackage registers through the ``lexiplug`` entry points."""
