"""Chinese: character-enhanced word embeddings (CWE), Chinese datasets and corpora, and
whole-word pooling of encoder pieces. Segmentation itself is core (core/corpus/chinese.py)."""
