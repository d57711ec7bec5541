"""A deliberately broken lexiplug plugin (two entry points, two kinds of failure)."""
