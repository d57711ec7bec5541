"""Built-in document-embedding plugin of lexiplug: Paragraph Vector (gensim), Binary Paragraph
Vector codes (torch), Hamming and cosine document retrieval, the 20 Newsgroups reader, and
the RCNN text classifier as a spaCy architecture (docs/documents.md)."""
