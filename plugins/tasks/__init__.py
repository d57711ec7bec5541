"""Task plugins: trainable spaCy pipeline components."""
