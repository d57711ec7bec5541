"""The ``lexiplug`` command line: built-in commands plus those plugins add."""
