"""The study runner: `lexiplug run CONFIG`."""
