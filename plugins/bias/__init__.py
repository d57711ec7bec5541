"""Built-in bias plugin of lexiplug: hard debiasing, the bias evaluator, WEAT, bias direction."""
