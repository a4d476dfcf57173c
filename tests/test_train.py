"""Training helpers: end-to-end models, the from-scratch baseline, fit, subsets, weight changes."""
from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import requires_data

from tlcourse import freeze, train
from tlcourse.zoo.preprocess import preprocess_torch


@pytest.fixture
def tiny_base():
    """A small MobileNetV2 (random weights): BatchNorm everywhere, blocks, fast on a CPU."""
    return keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35,
                                          pooling="avg")


def _bn_stats(model):
    return [np.array(w.numpy()) for layer in freeze.layers_of(model)
            if isinstance(layer, keras.layers.BatchNormalization) for w in (layer.moving_mean, layer.moving_variance)]


def _blobs(n_per_class=40, dim=8, seed=0):
    """Two well separated Gaussian clouds: any working classifier gets them right."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-2, 1, (n_per_class, dim)), rng.normal(2, 1, (n_per_class, dim))]).astype("float32")
    return x, np.repeat([0, 1], n_per_class).astype("int32")


def test_preprocessing_layers_match_the_functions():
    pixels = np.array([[[[0.0, 127.5, 255.0]]]], np.float32)
    np.testing.assert_allclose(train.preprocessing_layer("tf")(pixels), [[[[-1, 0, 1]]]], atol=1e-6)
    np.testing.assert_allclose(train.preprocessing_layer("torch")(pixels), preprocess_torch(pixels), atol=1e-5)
    np.testing.assert_array_equal(train.preprocessing_layer("raw")(pixels), pixels)
    with pytest.raises(ValueError, match="preprocess outside the model with zoo.preprocess_for"):
        train.preprocessing_layer("caffe")


def test_augmentation_acts_only_while_training():
    aug = train.augmentation(seed=1)
    x = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    np.testing.assert_array_equal(aug(x, training=False), x)
    assert not np.allclose(aug(x, training=True), x)
    with pytest.raises(ValueError, match="nothing to do"):
        train.augmentation(flip=False, rotation=0, zoom=0)


def test_end_to_end_keeps_batchnorm_in_inference_mode(tiny_base):
    freeze.unfreeze_last(tiny_base, 2, count="blocks")
    model = train.end_to_end(tiny_base, n_classes=3, augment=False)
    assert model.output_shape == (None, 3) and model.input_shape == (None, 32, 32, 3)
    before = _bn_stats(tiny_base)
    x = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    model(x, training=True)
    assert all(np.array_equal(a, b) for a, b in zip(before, _bn_stats(tiny_base)))
    forgetful = train.end_to_end(tiny_base, n_classes=3, augment=False, base_training=None)
    forgetful(x, training=True)  # BN follows the training flag: the unfrozen layers' statistics move
    assert not all(np.array_equal(a, b) for a, b in zip(before, _bn_stats(tiny_base)))


def test_end_to_end_fit_trains_unfrozen_batchnorm_but_keeps_its_statistics():
    """Lesson 04 §6: inside fit (which calls the model with training=True), InferenceMode still wins."""
    keras.utils.set_random_seed(0)
    pixels = keras.Input((8, 8, 3))
    maps = keras.layers.ReLU()(keras.layers.BatchNormalization(name="bn")(keras.layers.Conv2D(4, 3)(pixels)))
    base = keras.Model(pixels, maps, name="small_base")
    bn = base.get_layer("bn")
    x, y = np.random.default_rng(0).uniform(0, 255, (16, 8, 8, 3)).astype("float32"), np.arange(16) % 2
    for base_training, statistics_move in ((False, False), (None, True)):
        model = train.end_to_end(base, n_classes=2, augment=False, base_training=base_training)
        train.compile_classifier(model, learning_rate=1e-3)
        before, gamma = _bn_stats(base), bn.gamma.numpy().copy()
        train.fit(model, x, y, epochs=1, batch_size=8)
        moved = not all(np.array_equal(a, b) for a, b in zip(before, _bn_stats(base)))
        assert moved == statistics_move, base_training
        assert not np.array_equal(gamma, bn.gamma.numpy())  # its scale trains either way


def test_end_to_end_reuses_a_head_and_pools_grids():
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
    head = train.classifier_head(1280, 2)
    model = train.end_to_end(base, head, augment=True)
    assert any(layer is head for layer in model.layers)
    assert model.output_shape == (None, 2)
    with pytest.raises(ValueError, match="the head takes 64 features but the base gives 1280"):
        train.end_to_end(base, train.classifier_head(64, 2))


def test_baseline_cnn_learns_an_easy_problem():
    rng = np.random.default_rng(0)
    dark, bright = rng.uniform(0, 90, (40, 16, 16, 3)), rng.uniform(160, 255, (40, 16, 16, 3))
    x, y = np.concatenate([dark, bright]).astype("float32"), np.repeat([0, 1], 40)
    model = train.baseline_cnn((16, 16, 3), filters=(8, 16), dropout=0.0)
    assert model.output_shape == (None, 2) and model.count_params() < 5_000
    history = train.fit(model, x, y, epochs=30, batch_size=16)
    assert len(history.history["loss"]) == 30
    assert train.accuracy(model, x, y) >= 0.9
    with pytest.raises(ValueError, match="at least 8 pixels"):
        train.baseline_cnn((4, 4, 3), filters=(8, 16, 32))


def test_steps_per_execution_makes_the_same_updates():
    """baseline_cnn runs 16 steps per call into the graph (lesson 02's CNN from scratch, for speed): the
    weights after training must be those of one step per call, augmentation included (10 steps per
    epoch, so the last call of each epoch is a partial one)."""
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 255, (80, 16, 16, 3)).astype("float32"), np.repeat([0, 1], 40)
    weights = {}
    for steps in (1, 4):
        keras.utils.set_random_seed(0)
        model = train.baseline_cnn((16, 16, 3), filters=(8, 16), steps_per_execution=steps)
        start = model.get_weights()
        train.fit(model, x, y, epochs=2, batch_size=8)
        weights[steps] = model.get_weights()
        assert not np.allclose(start[0], weights[steps][0]), "the CNN did not train"
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(weights[1], weights[4], strict=True))


def test_fit_needs_compile_and_counts_epochs():
    x, y = _blobs(8)
    head = train.classifier_head(8, 2)
    with pytest.raises(RuntimeError, match="not compiled: call tlcourse.train.compile_classifier"):
        train.fit(head, x, y)
    train.compile_classifier(head)
    plain = train.fit(head, x, y, epochs=3)
    assert len(plain.history["loss"]) == 3 and plain.params["steps"] == 1  # 16 examples, batch 32
    # min_steps=10 over 3 epochs: 4 steps per epoch, from 8 shuffled copies of the 16 examples
    repeated = train.fit(head, x, y, epochs=3, min_steps=10)
    assert len(repeated.history["loss"]) == 3 and repeated.params["steps"] == 4
    second = train.fit(head, x, y, (x, y), epochs=2, initial_epoch=3)
    assert second.epoch == [3, 4] and "val_accuracy" in second.history


def test_repeats_for():
    assert train.repeats_for(1000, 32, 5) == 1
    assert train.repeats_for(10, 32, 5, min_steps=60) == 39  # 12 steps per epoch need 384 examples
    assert train.repeats_for(100, 32, 5, min_steps=60) == 4
    assert train.repeats_for(2000, 32, 5, min_steps=60) == 1
    with pytest.raises(ValueError, match="at least 1"):
        train.repeats_for(0, 32, 5)


def test_subsets_are_balanced_nested_and_checked():
    labels = np.repeat([0, 1, 2], [30, 20, 25])
    small, large = train.subset_per_class(labels, 5), train.subset_per_class(labels, 10)
    assert np.bincount(labels[small]).tolist() == [5, 5, 5]
    assert set(small) <= set(large)
    assert np.array_equal(small, train.subset_per_class(labels, 5))
    with pytest.raises(ValueError, match="only 20"):
        train.subset_per_class(labels, 21)


def test_accuracy_vs_labels_on_separable_features():
    x, y = _blobs(40)
    x_val, y_val = _blobs(40, seed=1)
    scores = train.accuracy_vs_labels(
        lambda: train.compile_classifier(train.classifier_head(8, 2), 1e-2), x, y, x_val, y_val, [20, 2],
        epochs=5, min_steps=20, progress=False,
    )
    assert list(scores) == [2, 20]
    assert all(0.9 <= s <= 1.0 for s in scores.values()), scores


def test_count_changed_and_the_recompile_pitfall():
    """Keras takes `trainable` changes at compile(): the lesson 04 demonstration, as a test."""
    x, y = _blobs(16)
    hidden = keras.layers.Dense(4, name="hidden")
    model = keras.Sequential([keras.Input((8,)), hidden, keras.layers.Dense(2, activation="softmax")])
    hidden.trainable = False
    train.compile_classifier(model)
    before = train.snapshot(model)
    train.fit(model, x, y, epochs=1)
    assert train.count_changed(before, hidden).tensors == 0
    assert train.count_changed(before, model) == (2, 10, 4, 46)
    hidden.trainable = True  # no compile(): fit reuses the old training step
    before = train.snapshot(model)
    train.fit(model, x, y, epochs=1)
    assert train.count_changed(before, hidden).params == 0
    train.compile_classifier(model)
    before = train.snapshot(model)
    train.fit(model, x, y, epochs=1)
    assert train.count_changed(before, hidden) == (2, 36, 2, 36)
    assert str(train.count_changed(before, hidden)) == "2 of 2 weight tensors changed (36 of 36 parameters)"
    with pytest.raises(KeyError, match="take snapshot\\(model\\) of this same model"):
        train.count_changed({}, hidden)


def test_restore_puts_back_a_snapshot_and_count_changed_checks_its_arguments():
    x, y = _blobs(16)
    model = train.compile_classifier(keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")]))
    start = train.snapshot(model)
    train.fit(model, x, y, epochs=1)
    assert train.count_changed(start, model, which="trainable").tensors == 2
    assert train.count_changed(start, model, atol=10.0).tensors == 0  # tolerance: nothing moved that far
    assert train.restore(model, start) is model
    assert train.count_changed(start, model).tensors == 0
    assert train.count_changed(start, model, which="non_trainable") == (0, 0, 0, 0)
    with pytest.raises(ValueError, match="which must be one of"):
        train.count_changed(start, model, which="frozen")
    with pytest.raises(KeyError, match="take snapshot\\(model\\) of this same model"):
        train.restore(model, {})


def test_layer_outputs(tiny_base):
    x = np.zeros((2, 32, 32, 3), np.float32)
    maps = train.layer_outputs(tiny_base, x, ["Conv1_relu", "out_relu"])
    assert maps["Conv1_relu"].shape == (2, 16, 16, 16) and maps["out_relu"].shape == (2, 1, 1, 1280)
    with pytest.raises(KeyError, match="no layer 'Conv9'"):
        train.layer_outputs(tiny_base, x, ["Conv9"])


def test_channel_selectivity_and_favourite():
    maps = np.zeros((4, 2, 2, 3))
    maps[..., 0] = 1.0  # the same response to every image: generic
    maps[2, ..., 1] = 5.0  # fires for image 2 only: specific
    np.testing.assert_allclose(train.channel_selectivity(maps), [0.25, 1.0, 0.0])
    assert train.favourite_channel(maps, 2) == 1
    with pytest.raises(ValueError, match="n_images >= 2"):
        train.channel_selectivity(maps[:1])
    with pytest.raises(IndexError):
        train.favourite_channel(maps, 4)


def test_stopwatch():
    with train.Stopwatch() as clock:
        sum(range(1000))
    assert np.isfinite(clock.seconds) and clock.seconds >= 0


@requires_data
def test_subsets_pick_the_same_photos_as_the_loader():
    """Lesson 04 fine-tunes on `cats_vs_dogs(per_class=100)`, lesson 02 takes `subset_per_class(.., 100)`
    of all the photos: the claim that both use the same photos rests on this."""
    from tlcourse import data

    everything = data.cats_vs_dogs("train", image_size=32)
    subset = data.cats_vs_dogs("train", per_class=100, image_size=32)
    picked = train.subset_per_class(everything.labels, 100)
    assert [everything.files[i] for i in picked] == subset.files


def test_split_base_computes_the_same_and_shares_layers(tiny_base):
    lower, upper = train.split_base(tiny_base, upper_blocks=2)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(upper.predict_on_batch(lower.predict_on_batch(x)), tiny_base.predict_on_batch(x),
                               atol=1e-5)
    assert any(layer is tiny_base.get_layer("Conv_1") for layer in upper.layers)
    assert list(freeze.blocks(upper)) == ["block_16", "last_conv"]
    cached = train.extract_features(lower, x, progress=False, pool=False)
    assert cached.shape == (3, *lower.output_shape[1:])
    with pytest.raises(ValueError, match="upper_blocks must be between 1 and"):
        train.split_base(tiny_base, upper_blocks=0)


def test_shrink():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 40, 40, 3), dtype=np.uint8)
    small = train.shrink(images, 10, batch_size=2)
    assert small.shape == (5, 10, 10, 3) and small.dtype == np.uint8
    flat = np.full((1, 40, 40, 3), 77, np.uint8)
    assert (train.shrink(flat, 8) == 77).all()  # averaging a flat colour keeps it
    with pytest.raises(ValueError, match="makes images smaller"):
        train.shrink(images, 64)


def test_inference_mode_survives_saving(tiny_base, tmp_path):
    model = train.end_to_end(tiny_base, n_classes=2, augment=False)
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert isinstance(again.get_layer(f"{tiny_base.name}_inference_mode"), train.InferenceMode)


class _RecordingBase:
    """Stands in for a pretrained base: records the batch sizes it is called with, returns 4 features each."""

    name = "recorder"

    def __init__(self, input_shape):
        self.input_shape, self.batches = input_shape, []

    def predict_on_batch(self, batch):
        self.batches.append(len(batch))
        return np.zeros((len(batch), 4), np.float32)


@pytest.mark.parametrize(("input_shape", "image_side", "expected"), [
    ((None, 160, 160, 3), 160, 8), ((None, 32, 32, 3), 28, 32), ((None, None, None, 3), 224, 4)])
def test_extract_features_batches_by_cpus_and_input_size(monkeypatch, input_shape, image_side, expected):
    """One CPU: 8 photos per batch at 160 pixels, the base's input size deciding (else the images')."""
    import tlcourse.cpus

    monkeypatch.setattr(tlcourse.cpus, "usable_cpus", lambda *a, **k: 1)
    base = _RecordingBase(input_shape)
    features = train.extract_features(base, np.zeros((40, image_side, image_side, 3), np.uint8),
                                      lambda x: x / 127.5 - 1, progress=False)
    assert features.shape == (40, 4)
    assert base.batches[0] == expected and sum(base.batches) == 40
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        train.extract_features(base, np.zeros((2, 8, 8, 3), np.uint8), batch_size=0)
