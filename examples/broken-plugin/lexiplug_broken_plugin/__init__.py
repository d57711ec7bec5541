"""A deliberately broken lexiplug plugin (three entry points, three kinds of failure)."""
