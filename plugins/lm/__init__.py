"""Built-in LM lab of lexiplug: one small decoder backbone with interchangeable input/output
schemes (subword BPE, bytes, word-pooled bytes, lexinvariant), bits per byte on held-out
text, and the word-pooled byte encoder's word vectors as ``Vectors`` (docs/lm_lab.md)."""
