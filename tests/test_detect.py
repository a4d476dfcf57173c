"""Synthetic detection data, grid encoding, IoU and mAP."""
from __future__ import annotations

import numpy as np
import pytest

from tlcourse import detect
from tlcourse.data import ImageSet


@pytest.fixture(scope="module")
def items():
    """Tiny stand-ins for Fashion-MNIST: a filled square and a ring, 28x28 grayscale."""
    square = np.zeros((28, 28), np.uint8)
    square[6:22, 6:22] = 255
    ring = np.zeros((28, 28), np.uint8)
    ring[4:24, 4:24] = 255
    ring[10:18, 10:18] = 0
    imgs = np.stack([square, ring, square, ring])[..., None]
    return ImageSet(imgs, np.array([0, 1, 0, 1], np.int32), ("square", "ring"))


def test_canvases_are_deterministic_and_boxes_inside(items):
    a = detect.make_canvases(items, 12, canvas=96, grid=6, seed=3)
    b = detect.make_canvases(items, 12, canvas=96, grid=6, seed=3)
    np.testing.assert_array_equal(a.images, b.images)
    assert all(np.array_equal(x, y) for x, y in zip(a.boxes, b.boxes))
    assert a.images.shape == (12, 96, 96, 3) and a.images.dtype == np.uint8
    for boxes, classes in zip(a.boxes, a.classes):
        assert 1 <= len(boxes) <= 3 and len(classes) == len(boxes)
        assert np.all(boxes[:, :2] >= 0) and np.all(boxes[:, 2:] <= 96) and np.all(boxes[:, 2:] > boxes[:, :2])
    c = detect.make_canvases(items, 12, canvas=96, grid=6, seed=4)
    assert not np.array_equal(a.images, c.images)


def test_boxes_are_tight_around_the_pasted_object(items):
    d = detect.make_canvases(items, 5, canvas=96, grid=6, objects=(1, 1), scale=(56, 56), seed=0)
    for box, cls in zip(d.boxes, d.classes):
        x0, y0, x1, y1 = box[0]
        # the item fills 16/28 (square) or 20/28 (ring) of its 56-px paste: box side about 32 or 40 px
        assert abs((x1 - x0) - (32 if cls[0] == 0 else 40)) <= 3


def test_encode_decode_round_trip():
    boxes = np.array([[10, 20, 40, 60], [70, 5, 90, 30]], np.float32)
    target = detect.encode(boxes, np.array([1, 0]), canvas=96, grid=6, n_classes=2)
    assert target.shape == (6, 6, 7) and target[..., detect.OBJ].sum() == 2
    got, classes, scores = detect.decode(target, canvas=96)
    order = np.argsort(got[:, 0])
    np.testing.assert_allclose(got[order], boxes, atol=1e-4)
    assert list(classes[order]) == [1, 0] and np.allclose(scores, 1)


def test_two_centres_in_one_cell_are_refused():
    with pytest.raises(ValueError, match="one cell holds one object"):
        detect.encode(np.array([[0, 0, 10, 10], [2, 2, 12, 12]]), np.array([0, 1]), canvas=96, grid=6, n_classes=2)


def test_iou_values():
    a = np.array([[0, 0, 10, 10]])
    assert detect.iou(a, a)[0, 0] == 1
    assert detect.iou(a, np.array([[5, 0, 15, 10]]))[0, 0] == pytest.approx(50 / 150)
    assert detect.iou(a, np.array([[20, 20, 30, 30]]))[0, 0] == 0
    assert detect.iou(a, np.zeros((0, 4))).shape == (1, 0)


def test_average_precision():
    tb = [np.array([[0, 0, 10, 10]]), np.array([[0, 0, 10, 10], [20, 20, 30, 30]])]
    tc = [np.array([0]), np.array([0, 0])]
    perfect = detect.average_precision(tb, tc, tb, tc, [np.ones(1), np.ones(2)], n_classes=1)[0]
    assert perfect == pytest.approx(1.0)
    # one miss (recall 2/3) and one false positive ranked last
    pb = [np.array([[0, 0, 10, 10]]), np.array([[1, 1, 10, 10], [50, 50, 60, 60]])]
    m, aps = detect.average_precision(tb, tc, pb, [np.array([0]), np.array([0, 0])],
                                      [np.array([0.9]), np.array([0.8, 0.1])], n_classes=1)
    assert m == pytest.approx(2 / 3) and len(aps) == 1
    # wrong class is not a match
    assert detect.average_precision(tb[:1], tc[:1], tb[:1], [np.array([1])], [np.ones(1)], n_classes=2)[0] == 0


def test_mean_best_iou():
    tb = [np.array([[0, 0, 10, 10]]), np.array([[0, 0, 10, 10]])]
    assert detect.mean_best_iou(tb, [np.array([[0, 0, 10, 10]]), np.zeros((0, 4))]) == pytest.approx(0.5)


def test_loss_is_zero_for_a_perfect_prediction_and_grows_with_errors():
    target = detect.encode(np.array([[10, 20, 40, 60]]), np.array([1]), canvas=96, grid=6, n_classes=2)[None]
    perfect = np.clip(target, 1e-7, 1 - 1e-7).astype("float32")
    worse = perfect.copy()
    worse[..., detect.W] = np.where(target[..., detect.OBJ] > 0, 0.9, worse[..., detect.W])
    lp, lw = float(detect.grid_loss(target, perfect)[0]), float(detect.grid_loss(target, worse)[0])
    assert lp < 1e-3 < lw


def test_grid_head_shape():
    head = detect.grid_head((6, 6, 32), n_classes=3, width=16)
    assert head.output_shape == (None, 6, 6, 8)


def test_standardize_uses_training_statistics_only():
    from tlcourse import train

    rng = np.random.default_rng(0)
    a = rng.normal(5, 3, (50, 4, 4, 2))
    b = rng.normal(5, 3, (10, 4, 4, 2)) + 100
    sa, sb = train.standardize(a, b)
    np.testing.assert_allclose(sa.mean(axis=(0, 1, 2)), 0, atol=1e-9)
    np.testing.assert_allclose(sa.std(axis=(0, 1, 2)), 1, atol=1e-6)
    assert sb.mean() > 20  # b is shifted: scaled with a's statistics, not its own


def test_non_max_suppression_keeps_the_best_of_overlapping_boxes_per_class():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60]], np.float32)
    classes = np.array([0, 0, 1, 0])
    scores = np.array([0.6, 0.9, 0.5, 0.7], np.float32)
    b, c, s = detect.non_max_suppression(boxes, classes, scores)
    assert s.tolist() == pytest.approx([0.9, 0.5, 0.7]) and c.tolist() == [0, 1, 0]
    assert detect.non_max_suppression(np.zeros((0, 4)), np.zeros(0, int), np.zeros(0))[0].shape == (0, 4)


def test_receptive_field_of_a_chain():
    """3x3 (stride 1) -> 3x3 (stride 2) -> 3x3: 1 + 2 + 2 + 2 x 2 = 9 pixels; a 2x2 pool after it adds 1 x 2."""
    import keras

    x = inputs = keras.Input((32, 32, 1))
    x = keras.layers.Conv2D(1, 3, padding="same", name="a")(x)
    x = keras.layers.Conv2D(1, 3, strides=2, padding="same", name="b")(x)
    x = keras.layers.Conv2D(1, 3, padding="same", name="c")(x)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    out = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inputs, out)
    assert [detect.receptive_field(model, n) for n in ("a", "b", "c", "pool")] == [3, 5, 9, 11]
    with pytest.raises(ValueError, match="whole image"):
        detect.receptive_field(model)
    with pytest.raises(KeyError, match="no layer 'nope'"):
        detect.receptive_field(model, "nope")


def test_receptive_field_of_mobilenetv2_matches_its_gradient():
    """The pixels that can change one cell of block_12_add (non-zero gradient) span the computed field."""
    import tensorflow as tf

    model, preprocess = detect.backbone("MobileNetV2", canvas=320, layer="block_12_add")
    side = detect.receptive_field(model)
    x = tf.Variable(preprocess(np.random.default_rng(0).uniform(0, 255, (1, 320, 320, 3)).astype("float32")))
    with tf.GradientTape() as tape:
        cell = tf.reduce_sum(model(x)[0, 10, 10])
    reach = np.abs(tape.gradient(cell, x).numpy()[0]).sum(axis=-1) > 0
    rows, cols = np.flatnonzero(reach.any(axis=1)), np.flatnonzero(reach.any(axis=0))
    assert side == 267 and np.ptp(rows) + 1 == side and np.ptp(cols) + 1 == side


def test_detections_plot_returns_a_closed_figure():
    from tlcourse import plots

    images = np.zeros((2, 32, 32, 3), np.uint8)
    boxes = [np.array([[2, 3, 20, 30]], np.float32), np.zeros((0, 4), np.float32)]
    fig = plots.detections(images, boxes, boxes, [np.array([0]), np.zeros(0, int)], ("a",))
    assert len(fig.axes) == 2 and len(fig.axes[0].patches) == 2
