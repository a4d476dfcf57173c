"""Lesson 05's figures: right panels, right data, closed figures, clear errors."""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from tlcourse import plots

matplotlib.use("Agg")


def test_channel_planes_shows_three_different_and_three_equal_planes(photos):
    grey = np.random.default_rng(0).integers(0, 256, (28, 28, 1)).astype(np.uint8)
    fig = plots.channel_planes(photos["coffee"], grey)
    axes = fig.axes
    assert len(axes) == 8 and [a.get_title() for a in axes[1:4]] == ["R plane", "G plane", "B plane"]
    top = [a.images[0].get_array() for a in axes[1:4]]
    bottom = [a.images[0].get_array() for a in axes[5:8]]
    assert not np.array_equal(top[0], top[2])
    assert all(np.array_equal(b, grey[..., 0]) for b in bottom)
    with pytest.raises(ValueError, match="H x W x 3"):
        plots.channel_planes(grey, grey)


def test_first_layer_filters_draws_colour_over_grey():
    k = np.random.default_rng(0).normal(size=(3, 3, 3, 32))
    fig = plots.first_layer_filters(k, k.sum(axis=2, keepdims=True), n=6)
    assert len(fig.axes) == 12
    colour = fig.axes[0].images[0].get_array()
    assert colour.shape == (3, 3, 3) and colour.min() >= 0 and colour.max() <= 1
    with pytest.raises(ValueError, match="shapes"):
        plots.first_layer_filters(k, k)


def test_grey_strength_tells_brightness_from_colour_filters():
    brightness = np.repeat(np.random.default_rng(1).normal(size=(3, 3, 1, 1)), 3, axis=2)
    opponent = np.concatenate([brightness[:, :, :1], -brightness[:, :, :1], 0 * brightness[:, :, :1]], axis=2)
    strength = plots.grey_strength(np.concatenate([brightness, opponent], axis=3))
    np.testing.assert_allclose(strength, [1.0, 0.0], atol=1e-9)
    fig = plots.first_layer_filters(np.concatenate([brightness, opponent], axis=3),
                                    np.concatenate([brightness, opponent], axis=3).sum(axis=2, keepdims=True))
    assert [ax.get_title() for ax in fig.axes[2:]] == ["100% left", "0% left"]


def test_size_tradeoff_plots_every_point():
    fig = plots.size_tradeoff([32, 64, 96], [0.6, 0.8, 0.82], [2.0, 5.0, 10.0], extra={"grey base": (96, 0.82, 9.5)})
    left, right = fig.axes
    assert list(left.lines[0].get_ydata()) == [0.6, 0.8, 0.82] and list(right.lines[0].get_ydata()) == [2.0, 5.0, 10.0]
    assert left.lines[1].get_label() == "grey base"
    slow = plots.size_tradeoff([32, 64], [0.6, 0.8], [2.0, 5.0], extra={"slow": (64, 0.3, 40.0)})
    assert slow.axes[1].get_ylim()[1] > 40 and slow.axes[0].get_ylim()[0] < 0.3  # extra points stay in view
    with pytest.raises(ValueError, match="same length"):
        plots.size_tradeoff([32, 64], [0.6], [2.0, 5.0])


def test_probability_vs_side():
    fig = plots.probability_vs_side([10, 32, 224], {"cat": [0.01, 0.2, 0.8], "cup": [0.0, 0.1, 0.9]})
    assert [line.get_label() for line in fig.axes[0].lines] == ["cat", "cup"]
    with pytest.raises(ValueError, match="3 sides"):
        plots.probability_vs_side([10, 32, 224], {"cat": [0.1]})
