"""The sentiment task plugin: induced polarity lexicons + classic features, as a spaCy component."""
