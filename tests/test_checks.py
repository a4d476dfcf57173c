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
