"""A tiny random BERT saved to a folder: fast, offline stand-in for real encoders in tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
DEFAULT_WORDS = (
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
    "king",
    "queen",
    "man",
    "woman",
    "is",
    "http",
    "https",
    "www",
    "com",
    "org",
    "hello",
    "world",
    "een",
    "het",
    "de",
    "ik",
)
# Latin letters plus Dutch and Turkish ones, so words break into many pieces, not [UNK]
DEFAULT_CHARACTERS = "abcdefghijklmnopqrstuvwxyzçğıöşüëïéèáàâêîôûñ0123456789"
DEFAULT_PUNCTUATION = ".,:;/?!=&-_'\"()#@%+*"


def tiny_bert_vocabulary(words: Iterable[str] = DEFAULT_WORDS) -> list[str]:
    chars = list(DEFAULT_CHARACTERS)
    vocab = [*SPECIAL_TOKENS, *DEFAULT_PUNCTUATION, *chars, *(f"##{c}" for c in chars)]
    vocab.extend(word for word in words if word not in vocab)
    return vocab


def build_tiny_bert(
    path: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    lowercase: bool = True,
    strip_accents: bool | None = False,
    words: Iterable[str] = DEFAULT_WORDS,
    seed: int = 0,
) -> Path:
    """Save a randomly initialised BERT and its WordPiece tokenizer to ``path``."""
    import torch
    from transformers import BertConfig, BertModel

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    vocab = tiny_bert_vocabulary(words)
    vocab_file = path / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    wordpiece_tokenizer(vocab, lowercase=lowercase, strip_accents=strip_accents).save_pretrained(
        path
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=hidden_size * 2,
        max_position_embeddings=128,
    )
    BertModel(config).eval().save_pretrained(path)
    return path


def wordpiece_tokenizer(vocab: list[str], *, lowercase: bool, strip_accents: bool | None) -> Any:
    """A BERT-style fast tokenizer built with ``tokenizers`` (same across transformers 4 and 5)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    ids = {token: i for i, token in enumerate(vocab)}
    backend = Tokenizer(models.WordPiece(ids, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(
        clean_text=True,
        handle_chinese_chars=True,
        strip_accents=strip_accents,
        lowercase=lowercase,
    )
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    backend.decoder = decoders.WordPiece(prefix="##")
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
        model_max_length=128,
    )
