"""Visual grounding: planted-factor recovery, structure kept, checkpoints, the image path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError, LexiplugError, TrainingError
from lexiplug.plugins.grounded.grounding import make_visual_grounding
from lexiplug.plugins.grounded.metrics import (
    heldout_visual_correlation,
    neighbour_overlap,
    representational_similarity,
)
from lexiplug.plugins.grounded.planted import planted_world
from lexiplug.plugins.grounded.visual_features import (
    encode_image_folder,
    load_visual_table,
)
from lexiplug.vectors import Vectors


@pytest.fixture(scope="module")
def world():
    return planted_world(n_words=500, text_dim=32, visual_dim=16, distributional_factors=12,
                         visual_factors=6, seed=3)


@pytest.mark.slow
def test_mapped_grounding_recovers_visual_geometry_of_unseen_words(world) -> None:
    grounded = make_visual_grounding(epochs=200, structure_sample=256, device="cpu").apply(
        world.text, visual=world.training_table()
    )
    assert grounded.keys == world.text.keys  # every word grounded, image or not
    text_corr = heldout_visual_correlation(world.text, world.visual, world.heldout_words)
    grounded_corr = heldout_visual_correlation(grounded, world.visual, world.heldout_words)
    assert grounded_corr > text_corr + 0.05
    assert neighbour_overlap(world.text, grounded, world.heldout_words) > 0.5


@pytest.mark.slow
def test_concat_output_keeps_the_text_block_and_adds_predicted_vision(world) -> None:
    grounding = make_visual_grounding(epochs=150, output="concat", structure_sample=256,
                                      device="cpu")
    grounded = grounding.apply(world.text, visual=world.training_table())
    assert grounded.dim == world.text.dim + world.visual.dim
    text_corr = heldout_visual_correlation(world.text, world.visual, world.heldout_words)
    assert heldout_visual_correlation(grounded, world.visual, world.heldout_words) > text_corr + 0.2


@pytest.mark.slow
def test_structure_term_trades_grounding_for_kept_neighbours(world) -> None:
    def run(weight: float) -> Vectors:
        return make_visual_grounding(epochs=100, structure_weight=weight, structure_sample=256,
                                     device="cpu").apply(
            world.text, visual=world.training_table()
        )

    loose, tight = run(0.0), run(3.0)
    words = world.heldout_words
    assert neighbour_overlap(world.text, tight, words) > neighbour_overlap(world.text, loose, words)


def test_resume_gives_the_uninterrupted_result(world, tmp_path: Path) -> None:
    table = world.training_table()
    full = make_visual_grounding(epochs=40, device="cpu").apply(world.text, visual=table)
    folder = str(tmp_path / "ckpt")
    make_visual_grounding(epochs=20, checkpoint_dir=folder, checkpoint_every=10,
                          device="cpu").apply(world.text, visual=table)
    resumed = make_visual_grounding(epochs=40, checkpoint_dir=folder, checkpoint_every=10,
                                    device="cpu").apply(world.text, visual=table)
    np.testing.assert_allclose(resumed.matrix, full.matrix, atol=1e-5)


def test_resume_refuses_a_checkpoint_from_another_config(world, tmp_path: Path) -> None:
    folder = str(tmp_path / "ckpt")
    table = world.training_table()
    make_visual_grounding(epochs=10, checkpoint_dir=folder, checkpoint_every=5,
                          device="cpu").apply(world.text, visual=table)
    with pytest.raises(ConfigError, match="another config"):
        make_visual_grounding(epochs=20, checkpoint_dir=folder, learning_rate=0.5,
                              checkpoint_every=5, device="cpu").apply(world.text, visual=table)


def test_bad_inputs_are_clear_errors(world) -> None:
    with pytest.raises(ConfigError, match="visual"):
        make_visual_grounding().apply(world.text)
    with pytest.raises(ConfigError, match="output"):
        make_visual_grounding(output="sideways")
    unrelated = Vectors(["zebra", "yak"], np.ones((2, 4), np.float32))
    with pytest.raises(TrainingError, match="zebra"):
        make_visual_grounding(epochs=2).apply(world.text, visual=unrelated)


def test_npz_table_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "visual.npz"
    np.savez(path, words=np.array(["cat", "dog"]), vectors=np.eye(2, 3, dtype=np.float32))
    table = load_visual_table(path)
    assert table.keys == ["cat", "dog"] and table.dim == 3
    bad = tmp_path / "bad.npz"
    np.savez(bad, words=np.array(["cat"]), vectors=np.full((1, 3), np.nan))
    with pytest.raises(FormatError, match="non-finite"):
        load_visual_table(bad)
    np.savez(bad, names=np.array(["cat"]))
    with pytest.raises(FormatError, match="'words' and 'vectors'"):
        load_visual_table(bad)


def test_rsa_is_one_for_a_rotated_copy(rng) -> None:
    a = rng.standard_normal((30, 8))
    rotation, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    assert representational_similarity(a, a @ rotation) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def tiny_vision_model(tmp_path_factory) -> Path:
    transformers = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("vit")
    config = transformers.ViTConfig(
        image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64,
    )
    import torch

    torch.manual_seed(0)
    transformers.ViTModel(config).save_pretrained(folder)
    transformers.ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def _write_images(root: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    colours = {"apple": (220, 30, 30), "cherry": (200, 20, 40), "sky": (40, 90, 230)}
    for concept, colour in colours.items():
        (root / concept).mkdir(parents=True)
        for i in range(3):
            noise = rng.integers(-20, 20, (32, 32, 3))
            pixels = np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / concept / f"{i}.png")


def test_image_folder_is_encoded_by_a_local_vision_model(tiny_vision_model, tmp_path) -> None:
    _write_images(tmp_path / "images")
    table = encode_image_folder(tmp_path / "images", tiny_vision_model, batch_size=4,
                                device="cpu")
    assert table.keys == ["apple", "cherry", "sky"] and table.dim == 32
    again = encode_image_folder(tmp_path / "images", tiny_vision_model, device="cpu")
    np.testing.assert_allclose(table.matrix, again.matrix, atol=1e-6)
    # red things look alike to any vision model, even a random one
    assert table.similarity("apple", "cherry") > table.similarity("apple", "sky")


def test_image_path_errors(tiny_vision_model, tmp_path) -> None:
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    with pytest.raises(FormatError, match="no images"):
        encode_image_folder(tmp_path / "empty", tiny_vision_model)
    _write_images(tmp_path / "images")
    with pytest.raises(LexiplugError, match="no transformers model"):
        encode_image_folder(tmp_path / "images", tmp_path)


def test_registered_and_usable_from_the_registry(world) -> None:
    from lexiplug import registry

    transform = registry.transforms.get("lexiplug.visual_grounding.v1")(epochs=5, device="cpu")
    assert transform.apply(world.text, visual=world.training_table()).shape == world.text.shape
    features = registry.embedders.get("lexiplug.visual_features.v1")
    with pytest.raises(ConfigError, match="exactly one"):
        features()
