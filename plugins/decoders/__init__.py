"""Decoder language models as text encoders: pooled causal-LM states, contrastive tuning,
and generative embeddings (docs/decoder_embeddings.md)."""
