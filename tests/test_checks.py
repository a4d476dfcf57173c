"""The feedback object every exercise check returns."""
from tlcourse import checks


def test_feedback_truthiness_and_text():
    assert checks.correct("well done") and str(checks.correct("well done")) == "✅ Correct: well done"
    hint = checks.wrong("count the BatchNorm weights too")
    assert not hint and "❌ Not yet: count the BatchNorm" in str(hint)
    todo = checks.unanswered()
    assert not todo and "Not answered yet" in str(todo) and "gray" in todo._repr_markdown_()
    assert checks.is_unanswered(...) and checks.is_unanswered(None) and not checks.is_unanswered(0)


# -- lesson 05: input adaptation -----------------------------------------------------------------


def _rgb_kernel():
    import numpy as np

    return np.random.default_rng(0).normal(size=(3, 3, 3, 32)).astype(np.float32)


def test_check_gray_kernel_hints():
    import numpy as np

    k = _rgb_kernel()
    assert not checks.check_gray_kernel(..., k).answered
    assert checks.check_gray_kernel(k.sum(axis=2, keepdims=True), k)
    cases = {
        "keepdims=True": k.sum(axis=2),
        "sums over the filters": k.sum(axis=3, keepdims=True),
        "is the mean": k.mean(axis=2, keepdims=True),
        "keeps one colour": k[:, :, 1:2],
        "luminance-weighted": np.einsum("hwcf,c->hwf", k, [0.299, 0.587, 0.114])[:, :, None],
        "values differ": k.sum(axis=2, keepdims=True) + 1,
        "expected shape": k,
        "NumPy array": "sum",
    }
    for hint, answer in cases.items():
        feedback = checks.check_gray_kernel(answer, k)
        assert not feedback and feedback.answered and hint in feedback.message, (hint, feedback)


def test_check_grayscale_base_hints():
    from tlcourse import adapt, zoo

    assert not checks.check_grayscale_base(...).answered
    good = adapt.grayscale_base("MobileNetV2", (64, 64, 1), pooling="avg")
    assert checks.check_grayscale_base(good.model) and checks.check_grayscale_base(good)  # the pair is fine too
    rgb, _ = zoo.load("MobileNetV2", include_top=False, input_shape=(64, 64, 3))
    assert "takes three channels" in checks.check_grayscale_base(rgb).message
    assert "asks for 64x64" in checks.check_grayscale_base(adapt.grayscale_base("MobileNetV2", (96, 96, 1)).model).message
    random = zoo.build("MobileNetV2", include_top=False, input_shape=(64, 64, 1), channels=1)
    assert "random weights" in checks.check_grayscale_base(random).message
    conv = adapt.first_conv(random)
    rgb_kernel = adapt.first_conv(rgb).get_weights()[0]
    conv.set_weights([rgb_kernel.mean(axis=2, keepdims=True)])
    assert "mean of the RGB weights" in checks.check_grayscale_base(random).message
    conv.set_weights([rgb_kernel.sum(axis=2, keepdims=True)])
    assert "last convolution does not hold" in checks.check_grayscale_base(random).message
    lite, _ = adapt.grayscale_base("EfficientNetLite0", (64, 64, 1))
    assert "not a MobileNetV2" in checks.check_grayscale_base(lite).message
    assert "Keras model" in checks.check_grayscale_base("MobileNetV2").message


def test_check_first_layer_work_hints():
    assert not checks.check_first_layer_work(...).answered
    assert checks.check_first_layer_work(32 * 32 * 9 * 32) and checks.check_first_layer_work(294912.0)
    for answer, hint in [(884736, "RGB layer's count"), (64 * 64 * 9 * 32, "stride 2"), (64 * 64 * 9 * 3 * 32, "two slips"),
                         (288, "number of weights"), (1234, "output positions x kernel"), ("many", "a number")]:
        feedback = checks.check_first_layer_work(answer)
        assert not feedback and hint in feedback.message, (answer, feedback)


def test_check_prepared_batch_hints():
    import numpy as np

    from tlcourse import adapt, zoo

    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1)).astype(np.uint8)
    pre = zoo.preprocess_for("MobileNetV2")
    good = pre(adapt.to_rgb(adapt.resize_batch(images, 96)))
    assert not checks.check_prepared_batch(..., images).answered
    assert checks.check_prepared_batch(good, images)
    assert checks.check_prepared_batch(adapt.resize_batch(pre(adapt.to_rgb(images)), 96), images)  # other order
    rgb96 = adapt.to_rgb(adapt.resize_batch(images, 96)).astype(np.float32)
    cases = [
        (pre(adapt.to_rgb(images)), "resize them to 96x96"),
        (adapt.resize_batch(images, 96) / 127.5 - 1, "still one channel"),
        (np.moveaxis(good, -1, 1), "channels first"),
        (rgb96, "still raw pixels"),
        (rgb96 / 255, "[0, 1]"),
        (good[::-1], "same images, same order"),
        (good[:2], "batch of 4"),
        (np.concatenate([good[..., :2], -good[..., 2:]], axis=-1), "three channels differ"),
    ]
    for answer, hint in cases:
        feedback = checks.check_prepared_batch(answer, images)
        assert not feedback and hint in feedback.message, (hint, feedback)


# -- lessons 01, 02, 04 ------------------------------------------------------------------------------
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tlcourse import freeze, train  # noqa: E402


@pytest.fixture(scope="module")
def mnv2():
    return keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), include_top=False)


def _says(feedback, *words):
    """The feedback is wrong and its hint mentions every word (so each wrong answer gets its own hint)."""
    text = str(feedback)
    return not feedback and feedback.answered and all(w in text for w in words)


def test_first_layer_params(mnv2):
    assert not checks.first_layer_params(..., mnv2).answered
    assert checks.first_layer_params((928, 64), mnv2)
    assert _says(checks.first_layer_params((64, 928), mnv2), "swapped")
    assert _says(checks.first_layer_params((992, 0), mnv2), "running averages")
    assert _says(checks.first_layer_params((864, 128), mnv2), "gamma and beta are learned")
    assert _says(checks.first_layer_params((960, 64), mnv2), "no bias")
    assert _says(checks.first_layer_params((864, 64), mnv2), "BatchNorm's gamma")
    assert _says(checks.first_layer_params(992, mnv2), "pair")


def test_bn_channels():
    v1 = keras.applications.MobileNet(weights=None, input_shape=(128, 128, 3), include_top=False)
    non_trainable = freeze.param_counts(v1).non_trainable
    assert checks.bn_channels(non_trainable // 2, v1)
    assert _says(checks.bn_channels(non_trainable, v1), "two of them")
    assert _says(checks.bn_channels(non_trainable // 4, v1), "divided by 4")
    assert _says(checks.bn_channels(2 * non_trainable, v1), "multiply or divide")
    assert _says(checks.bn_channels(12, v1), "moving mean")
    assert _says(checks.bn_channels("many", v1), "whole number")


def test_scale_function():
    assert checks.scale_function(lambda x: x / 127.5 - 1)
    assert _says(checks.scale_function(lambda x: x / 255), "[0, 1]")
    assert _says(checks.scale_function(lambda x: x / 127.5), "subtract 1")
    assert _says(checks.scale_function(lambda x: x - 127.5), "divide by 127.5")
    assert _says(checks.scale_function(lambda x: x / 255 - 0.5), "multiply by 2")
    assert _says(checks.scale_function(lambda x: x - 1 / 127.5), "divides first")
    assert _says(checks.scale_function(lambda x: x), "unchanged")
    from tlcourse.zoo.preprocess import preprocess_torch

    assert _says(checks.scale_function(preprocess_torch), "mean/std")
    assert _says(checks.scale_function(lambda x: x.mean()), "keep the shape")
    assert _says(checks.scale_function(lambda x: undefined_name), "NameError")  # noqa: F821
    assert _says(checks.scale_function(3), "function")
    assert not checks.scale_function(lambda x: ...).answered


def test_base_output_shape(mnv2):
    assert checks.base_output_shape((3, 3, 1280), mnv2) and checks.base_output_shape((None, 3, 3, 1280), mnv2)
    assert _says(checks.base_output_shape((1280,), mnv2), "pooling='avg'")
    assert _says(checks.base_output_shape((1000,), mnv2), "include_top=False")
    assert _says(checks.base_output_shape((7, 7, 1280), mnv2), "224-pixel")
    assert _says(checks.base_output_shape((6, 6, 1280), mnv2), "96 / 32")
    assert _says(checks.base_output_shape((3, 3, 320), mnv2), "channels")
    assert _says(checks.base_output_shape(5, mnv2), "tuple")


def test_choice():
    options = {"a": "", "b": ""}
    assert checks.choice("A ", options, "a", "yes", {"b": "no, b is for..."})
    assert _says(checks.choice("b", options, "a", "yes", {"b": "b is for"}), "b is for")
    assert _says(checks.choice("c", options, "a", "yes", {}), "'a', 'b'")


def test_feature_sizes():
    assert checks.feature_sizes((25 * 1280, 1280), side=160)
    assert _says(checks.feature_sizes((1280, 25 * 1280), side=160), "swapped")
    assert _says(checks.feature_sizes((49 * 1280, 1280), side=160), "224")
    assert _says(checks.feature_sizes((5 * 1280, 1280), side=160), "multiply both")
    assert _says(checks.feature_sizes((25 * 1280, 320), side=160), "one number per channel")
    assert _says(checks.feature_sizes((1, 2, 3), side=160), "two whole numbers")


def test_smallest_size():
    scores = {5: 0.8, 10: 0.92, 25: 0.95}
    assert checks.smallest_size(10, scores)
    assert _says(checks.smallest_size(5, scores), "0.800")
    assert _says(checks.smallest_size(25, scores), "smaller size")
    assert _says(checks.smallest_size(20, scores), "per class")
    assert _says(checks.smallest_size(0.92, scores), "accuracy")
    assert _says(checks.smallest_size(7, scores), "one of the sizes")
    assert _says(checks.smallest_size(10, {5: 0.5}), "none of the sizes")


def test_trained_head():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 1, (30, 6)), rng.normal(2, 1, (30, 6))]).astype("float32")
    y = np.repeat([0, 1], 30)
    head, _ = train.fit_head(x, y, epochs=30, learning_rate=1e-2)
    assert checks.trained_head(head, x, y)
    shuffled = np.random.default_rng(1).permutation(y)  # labels no longer match the features
    assert _says(checks.trained_head(head, x, shuffled), "about chance", "same order")
    assert _says(checks.trained_head(head, x, y, target=1.01), "< 1.01", "more images")
    assert _says(checks.trained_head(train.classifier_head(5, 2), x, y), "6 cached features")
    assert _says(checks.trained_head(train.classifier_head(6, 1), x, y), "one unit per class")
    assert _says(checks.trained_head(train.classifier_head(6, 3), x, y), "one probability per class")
    assert _says(checks.trained_head(0.95, x, y), "trained Keras model")


def test_fine_tune_rate():
    assert checks.fine_tune_rate(1e-4)
    assert _says(checks.fine_tune_rate(1e-2), "higher than phase 1")
    assert _says(checks.fine_tune_rate(1e-3), "about the same")
    assert _says(checks.fine_tune_rate(1e-7), "so small")
    assert _says(checks.fine_tune_rate(1e-5), "hundred times")
    assert _says(checks.fine_tune_rate(-1), "positive number")


def test_freeze_without_compile_runs_the_experiment():
    honoured = checks._keras_applies_trainable_without_compile(freeze_after_fit=True)
    right, other = ("none", "still") if honoured else ("still", "none")
    assert checks.freeze_without_compile(right)
    assert not checks.freeze_without_compile(other)
    assert _says(checks.freeze_without_compile("all"), "compiled")
    assert not checks.freeze_without_compile(...).answered


def test_frozen_batchnorm(mnv2):
    freeze.unfreeze_top(mnv2, 3, count="blocks")
    freeze.freeze_by_type(mnv2, keras.layers.BatchNormalization)
    assert checks.frozen_batchnorm(mnv2, 3)
    freeze.unfreeze_top(mnv2, 3, count="blocks")
    assert _says(checks.frozen_batchnorm(mnv2, 3), "BatchNormalization layers are trainable", "order matters")
    freeze.unfreeze_top(mnv2, 4, count="blocks")
    assert _says(checks.frozen_batchnorm(mnv2, 3), "4 blocks")
    freeze.unfreeze_top(mnv2, 3)
    assert _says(checks.frozen_batchnorm(mnv2, 3), "count='blocks'")
    freeze.freeze(mnv2)
    assert _says(checks.frozen_batchnorm(mnv2, 3), "nothing in the base is trainable")
    assert _says(checks.frozen_batchnorm("base", 3), "base model itself")


def test_no_augmentation_in_way_a():
    assert checks.no_augmentation_in_way_a("a")
    assert _says(checks.no_augmentation_in_way_a("b"), "CPU too")
    assert _says(checks.no_augmentation_in_way_a("c"), "when are the features computed")
    assert _says(checks.no_augmentation_in_way_a("d"), "'a', 'b', 'c'")
