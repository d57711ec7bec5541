"""Built-in lexical specialisation plugin of lexiplug: attract–repel for static vectors,
contrastive specialisation and DefSent+ for Hugging Face encoders (docs/specialization.md)."""
