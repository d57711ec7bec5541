"""Calls ``sys.exit`` while lexiplug imports it, like a plugin that runs a script at import."""

import sys

sys.exit("lexiplug-broken-plugin: this module exits at import on purpose")
