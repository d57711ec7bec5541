"""lexiplug.cwe.v1: the compiled kernel against the plain reference, planted structure,
composition of unknown words, coverage split, seeding, resume, and bad settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.corpus.encoded import encode_sentences
from lexiplug.errors import ConfigError, FormatError, TrainingError
from lexiplug.plugins.chinese import composition, cwe
from lexiplug.plugins.chinese.cwe_reference import train_epoch_reference

pytest.importorskip("numba")

SMALL = dict(vector_size=16, window=3, negative=4, sample=0.0, min_count=1, seed=3,
             progress=False)
TOPIC_CHARS = ("木", "水")
SECOND_CHARS = ("甲", "乙", "丙", "丁", "戊", "己", "庚", "辛")


def random_sentences(n: int = 50, seed: int = 0) -> list[list[str]]:
    words = ["中国", "北京", "上海", "城市", "人民", "大学", "学生", "老师", "的", "了", "沙发",
             "WHO", "北京大学"]
    rng = np.random.default_rng(seed)
    return [[words[i] for i in rng.integers(0, len(words), rng.integers(2, 10))]
            for _ in range(n)]


def planted_sentences(n: int = 600, seed: int = 0) -> list[list[str]]:
    """Two topics; every word of topic t starts with TOPIC_CHARS[t]; a sentence stays in one
    topic, so a topic's words share contexts *and* a character."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n):
        topic = TOPIC_CHARS[int(rng.integers(2))]
        sentences.append([topic + SECOND_CHARS[i] for i in rng.integers(0, 8, 8)])
    return sentences


@pytest.mark.parametrize("position_based", [False, True])
@pytest.mark.parametrize("sg", [False, True])
def test_kernel_matches_the_plain_reference(position_based: bool, sg: bool) -> None:
    from lexiplug.plugins.chinese.cwe_kernels import train_epoch

    encoded = encode_sentences(random_sentences(), min_count=1)
    table = composition.build_character_table(
        encoded.vocab.words, encoded.vocab.counts, excluded=composition.TRANSLITERATIONS,
        position_based=position_based)
    assert len(table.char_rows) > 0
    rng = np.random.default_rng(0)
    n_words, dim = len(encoded.vocab.words), 12
    start = [((rng.random((rows, dim)) - 0.5) / dim).astype(np.float32)
             for rows in (n_words, table.n_rows)] + [np.zeros((n_words, dim), np.float32)]
    fast = [array.copy() for array in start]
    slow = [array.copy() for array in start]
    counts = np.asarray(encoded.vocab.counts)
    ids, offsets = np.array(encoded.ids), np.array(encoded.offsets)
    common = (table.char_start, table.char_rows, cwe.keep_probabilities(counts, 0.05),
              cwe.cumulative_table(counts), 3, 3, sg, 0.05, 1e-4, 2 * len(ids))
    for epoch in range(2):
        seed = cwe.epoch_seed(7, epoch)
        train_epoch(ids, offsets, *fast, *common, epoch * len(ids), np.uint64(seed))
        train_epoch_reference(ids, offsets, *slow, *common, epoch * len(ids), seed)
    for got, want, before in zip(fast, slow, start, strict=True):
        assert np.abs(got - before).max() > 1e-3  # training moved every table
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_position_rows_and_exclusions() -> None:
    words = ["北京大学", "沙发", "的", "WHO", "学生", "北京"]
    table = composition.build_character_table(words, [5, 4, 9, 3, 2, 1],
                                              excluded=composition.TRANSLITERATIONS,
                                              position_based=True)
    rows = {word: table.char_rows[table.char_start[i]:table.char_start[i + 1]].tolist()
            for i, word in enumerate(words)}
    assert rows["沙发"] == rows["的"] == rows["WHO"] == []  # transliteration, one char, Latin
    bei, jing, da, xue = (table.index[c] for c in "北京大学")
    assert rows["北京大学"] == [3 * bei, 3 * jing + 1, 3 * da + 1, 3 * xue + 2]
    assert rows["北京"] == [3 * bei, 3 * jing + 2]
    assert table.row_counts[3 * bei] == 6  # 北京大学 (5) + 北京 (1) start with 北


def test_user_exclusions_from_list_and_file(tmp_path: Path) -> None:
    path = tmp_path / "exclude.txt"
    path.write_text("# transliterations\n学生\n", encoding="utf-8")
    settings = cwe.CWESettings(exclude=["北京"], exclude_file=str(path), builtin_exclusions=False)
    excluded = cwe.excluded_words(settings)
    assert {"北京", "学生"} <= excluded and "沙发" not in excluded


def test_planted_topics_cluster_and_unknown_words_compose_from_characters() -> None:
    embedder = cwe.make_cwe(characters="agnostic", epochs=5, **{**SMALL, "vector_size": 24})
    vectors = embedder.fit(planted_sentences())
    assert vectors.oov == "subword"
    unit = vectors.unit_matrix
    topic = np.array([word[0] == TOPIC_CHARS[0] for word in vectors.keys])
    within = (unit[topic] @ unit[topic].T).mean()
    across = (unit[topic] @ unit[~topic].T).mean()
    assert within > across + 0.2
    unknown = vectors.vector("木未")  # 未 never seen: composed from 木 alone
    unknown = unknown / np.linalg.norm(unknown)
    assert (unit[topic] @ unknown).mean() > (unit[~topic] @ unknown).mean() + 0.2
    assert embedder.character_vectors is not None
    assert set(embedder.character_vectors.keys) == set(TOPIC_CHARS + SECOND_CHARS)


def test_coverage_split_counts_known_composed_and_missing() -> None:
    vectors = cwe.make_cwe(characters="position", epochs=1, **SMALL).fit(planted_sentences(50))
    composer = vectors.oov_provider
    pairs = [("木甲", "水乙"), ("木甲", "木未"), ("木甲", "未来"), ("WHO", "木甲")]
    split = composition.coverage_split(pairs, vectors, composer)
    assert (split.known, split.composed, split.missing) == (1, 1, 2)
    assert split.as_dict()["coverage"] == 0.5
    assert not composer.composes("未来") and not np.any(composer("未来"))


def test_no_characters_is_plain_word2vec_and_seeds_reproduce() -> None:
    sentences = random_sentences()
    first = cwe.make_cwe(characters="none", epochs=2, **SMALL).fit(sentences)
    again = cwe.make_cwe(characters="none", epochs=2, **SMALL).fit(sentences)
    other = cwe.make_cwe(characters="none", epochs=2, **{**SMALL, "seed": 4}).fit(sentences)
    assert first.oov == "error"
    np.testing.assert_array_equal(first.matrix, again.matrix)
    assert not np.allclose(first.matrix, other.matrix)


def test_resume_after_a_kill_equals_an_uninterrupted_run(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from lexiplug.plugins.chinese import cwe_kernels

    sentences = random_sentences()
    whole = cwe.make_cwe(characters="position", epochs=3, **SMALL).fit(sentences)
    real_epoch = cwe_kernels.train_epoch
    calls = {"n": 0}

    def dies_in_epoch_three(*args: object) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return int(real_epoch(*args))

    monkeypatch.setattr(cwe_kernels, "train_epoch", dies_in_epoch_three)
    killed = cwe.make_cwe(characters="position", epochs=3, checkpoint_dir=str(tmp_path),
                          **SMALL)
    with pytest.raises(KeyboardInterrupt):
        killed.fit(sentences)
    monkeypatch.setattr(cwe_kernels, "train_epoch", real_epoch)
    resumed = cwe.make_cwe(characters="position", epochs=3, checkpoint_dir=str(tmp_path),
                           resume=True, **SMALL).fit(sentences)
    np.testing.assert_array_equal(resumed.matrix, whole.matrix)
    other_settings = cwe.make_cwe(characters="agnostic", epochs=3, checkpoint_dir=str(tmp_path),
                                  resume=True, **SMALL)
    with pytest.raises(TrainingError, match="another corpus or other CWE settings"):
        other_settings.fit(sentences)


def test_raw_strings_are_segmented_with_jieba() -> None:
    pytest.importorskip("jieba")
    vectors = cwe.make_cwe(epochs=1, **SMALL).fit(["我爱北京天安门", "北京是中国的首都"] * 3)
    assert "北京" in vectors.key_to_index


@pytest.mark.parametrize(
    ("settings", "where"),
    [
        ({"characters": "positions"}, "characters"),
        ({"window": 0}, "window"),
        ({"sample": 1.5}, "sample"),
        ({"word_vectors": "both"}, "word_vectors"),
        ({"exclude": "沙发"}, "exclude"),
        ({"exclude_file": "/no/such/file.txt"}, "exclude_file"),
        ({"alpha": 0.01, "min_alpha": 0.1}, "min_alpha"),
    ],
)
def test_bad_settings_name_the_argument(settings: dict[str, object], where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        cwe.make_cwe(**settings)
    assert caught.value.where == where


def test_empty_corpus_is_a_training_error() -> None:
    with pytest.raises(TrainingError, match="min_count=5"):
        cwe.make_cwe(**{**SMALL, "min_count": 5}).fit([["北京", "上海"]])


def test_registered_under_its_versioned_name() -> None:
    from lexiplug.registry import registry

    embedder = registry.embedders.get("lexiplug.cwe.v1")(characters="position")
    assert isinstance(embedder, cwe.CWEEmbedder)
    assert embedder.settings.characters == "position"


def test_fits_a_jieba_corpus_file_and_word_only_output(tmp_path: Path) -> None:
    pytest.importorskip("jieba")
    from lexiplug.corpus.reader import text_file_corpus

    path = tmp_path / "zh.txt"
    text = "北京大学的学生在图书馆读书\n\n上海大学的老师在教室上课\n" * 5
    path.write_text(text, encoding="utf-8")
    corpus = text_file_corpus(path, tokenizer="jieba")
    composed = cwe.make_cwe(epochs=1, **SMALL).fit(corpus)
    word_only = cwe.make_cwe(epochs=1, word_vectors="word", **SMALL).fit(corpus)
    row = composed.index("北京大学")
    assert not np.allclose(composed.matrix[row], word_only.matrix[row])  # 1/2 (w + chars)
    single = composed.index("的")  # one character: not composed, the word row alone
    np.testing.assert_array_equal(composed.matrix[single], word_only.matrix[single])


def test_compose_characters_turns_a_character_model_into_word_vectors() -> None:
    from lexiplug.registry import registry
    from lexiplug.vectors import Vectors

    chars = Vectors(["北", "京", "大"], np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
    words = registry.transforms.get("lexiplug.compose_characters.v1")().apply(chars)
    np.testing.assert_allclose(words.vector("北京"), [0.5, 0.5])
    np.testing.assert_allclose(words.vector("北京X"), [0.5, 0.5])  # Latin is not a character
    assert not np.any(words.vector("上海"))  # no known character: missing, a zero vector
    np.testing.assert_array_equal(words.vector("北"), [1, 0])


def test_zh_corpus_rejects_unknown_sources_before_reading() -> None:
    from lexiplug.plugins.chinese.datasets import zh_corpus

    with pytest.raises(ConfigError) as caught:
        zh_corpus(sources=["wikipedia"])
    assert caught.value.where == "sources"


def test_saved_model_composes_unknown_words_as_before(tmp_path: Path) -> None:
    from lexiplug.vectors import Vectors

    embedder = cwe.make_cwe(characters="position", epochs=1, **SMALL)
    vectors = embedder.fit(random_sentences())
    with pytest.raises(TrainingError, match="fit"):
        cwe.make_cwe(**SMALL).save_model(tmp_path / "unfitted")
    embedder.save_model(tmp_path / "model")
    vectors.save(tmp_path / "words")
    loaded = Vectors.load(tmp_path / "words")
    loaded.set_oov_policy("subword", cwe.load_character_composer(tmp_path / "model"))
    for word in ("北京人民", "学大", "京"):
        np.testing.assert_allclose(loaded.vector(word), vectors.vector(word), atol=1e-6)
    (tmp_path / "model" / "composition.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FormatError, match=r"composition\.json"):
        cwe.load_character_composer(tmp_path / "model")


def test_lexiplug_train_saves_the_character_model_under_its_own_name(tmp_path: Path) -> None:
    from lexiplug.training import train_from_config
    from lexiplug.vectors import Vectors

    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "zh.txt").write_text(
        "\n".join(" ".join(s) for s in random_sentences(60)) + "\n", encoding="utf-8")
    config = tmp_path / "cwe.cfg"
    config.write_text(f"""
[study]
name = "cwe"
seed = 1

[corpora.zh]
@corpora = "lexiplug.text_files.v1"
paths = "{tmp_path / 'text'}"
pattern = "*.txt"
pretokenized = true

[embedders.cwe]
@embedders = "{cwe.NAME}"
corpus = "zh"
vector_size = 16
window = 3
negative = 4
sample = 0.0
min_count = 1
epochs = 1
seed = 3

[output]
path = "{tmp_path / 'out'}"
format = "native"
""", encoding="utf-8")
    written = train_from_config(config, quiet=True)
    assert not (written / "model.bin").exists()
    composer = cwe.load_character_composer(written / "character_model")
    assert isinstance(Vectors.load(written), Vectors) and composer is not None
