"""Figures return a closed Figure with the expected panels; bad inputs say how to fix them."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tlcourse import plots  # noqa: E402


def _is_closed(fig) -> bool:
    return fig.number not in plt.get_fignums()


# -- lessons 01, 02, 04 ------------------------------------------------------------------------------

DECODED = [[(281, "tabby", 0.6), (282, "tiger cat", 0.3), (285, "Egyptian cat", 0.05), (1, "a", 0.03), (2, "b", 0.02)],
           [(967, "espresso", 0.9), (968, "cup", 0.05), (3, "c", 0.02), (4, "d", 0.02), (5, "e", 0.01)]]


def test_top_predictions():
    images = np.zeros((2, 16, 16, 3), np.uint8)
    fig = plots.top_predictions(images, DECODED, names=["cat", "coffee"], ncols=2)
    assert _is_closed(fig) and len(fig.axes) == 4
    bars = fig.axes[1]
    assert [t.get_text() for t in bars.get_yticklabels()] == ["b", "a", "Egyptian cat", "tiger cat", "tabby"]
    with pytest.raises(ValueError, match="one row per image"):
        plots.top_predictions(images, DECODED[:1])


def test_conv_filters():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 3, 10))
    fig = plots.conv_filters(kernel, ncols=5)
    assert _is_closed(fig) and len(fig.axes) == 10
    tile = fig.axes[0].get_images()[0].get_array()
    assert tile.shape == (3, 3, 3) and tile.min() == 0 and tile.max() == 1  # each filter stretched to 0..1
    with pytest.raises(ValueError, match="first Conv2D"):
        plots.conv_filters(np.zeros((3, 3, 16, 8)))


def test_feature_maps_pick_the_strongest_channels():
    fmap = np.zeros((1, 4, 4, 5))
    fmap[..., 3] = 2.0
    fmap[..., 1] = 1.0
    fig = plots.feature_maps({"early": fmap, "late": fmap[0, :2, :2]}, n=2, image=np.zeros((8, 8, 3)))
    assert _is_closed(fig) and len(fig.axes) == 6
    assert [fig.axes[i].get_title() for i in (1, 2)] == ["ch 3", "ch 1"]
    with pytest.raises(ValueError, match="expected \\(height, width, channels\\)"):
        plots.feature_maps({"flat": np.zeros((1, 5))})


def test_learning_curves_join_phases():
    first = {"accuracy": [0.6, 0.8], "val_accuracy": [0.7, 0.85], "loss": [0.7, 0.4], "val_loss": [0.6, 0.4]}
    second = {"accuracy": [0.9, 0.95, 0.97], "val_accuracy": [0.9, 0.91, 0.92], "loss": [0.3, 0.2, 0.1],
              "val_loss": [0.3, 0.3, 0.3]}
    fig = plots.learning_curves(first, second, phases=["head", "fine-tuning"])
    assert _is_closed(fig) and len(fig.axes) == 2
    lines = fig.axes[0].get_lines()
    assert list(lines[2].get_xdata()) == [3, 4, 5]  # the second phase continues the epoch axis
    assert any(line.get_linestyle() == "--" for line in lines)  # where phase 2 starts
    with pytest.raises(ValueError, match="2 histories but 1 phase names"):
        plots.learning_curves(first, second, phases=["one"])
    with pytest.raises(KeyError, match="no 'auc'"):
        plots.learning_curves(first, metrics=["auc"])
    with pytest.raises(TypeError, match="History"):
        plots.learning_curves([0.1, 0.2])


def test_compare_runs_and_accuracy_vs_labels():
    fig = plots.compare_runs({"a": {"val_accuracy": [0.5, 0.6]}, "b": {"val_accuracy": [0.7, 0.8]}})
    assert _is_closed(fig) and len(fig.axes[0].get_lines()) == 2
    fig = plots.accuracy_vs_labels({"pretrained": {5: 0.8, 50: 0.95}, "scratch": {5: 0.5, 50: 0.6}})
    ax = fig.axes[0]
    assert _is_closed(fig) and ax.get_xscale() == "log" and len(ax.get_lines()) == 3  # two curves + chance
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5", "50"]


def test_channel_across_images():
    maps = {"early": np.ones((3, 4, 4, 2)), "late": np.zeros((3, 2, 2, 6))}
    fig = plots.channel_across_images(maps, {"early": 0, "late": 5}, np.zeros((3, 8, 8, 3)), ["a", "b", "c"])
    assert _is_closed(fig) and len(fig.axes) == 9
    with pytest.raises(KeyError, match="no channel chosen for layer 'late'"):
        plots.channel_across_images(maps, {"early": 0}, np.zeros((3, 8, 8, 3)))


def test_table_text_and_html():
    rows = [{"model": "MobileNetV2", "params": 3538984, "top-1": 71.3, "edge": True},
            {"model": "VGG16<x>", "params": 138357544, "top-1": None, "edge": False}]
    table = plots.table(rows, formats={"top-1": ".1f"}, title="zoo")
    lines = repr(table).splitlines()
    assert lines[0] == "zoo" and lines[1].split() == ["model", "params", "top-1", "edge"]
    assert lines[3].split() == ["MobileNetV2", "3,538,984", "71.3", "yes"]
    assert lines[4].split() == ["VGG16<x>", "138,357,544", "no"]
    assert lines[3].index("3,538,984") + len("3,538,984") == lines[4].index("138,357,544") + len("138,357,544")
    assert "VGG16&lt;x&gt;" in table._repr_html_() and len(table) == 2
    with pytest.raises(KeyError, match="no column 'size'"):
        plots.table(rows, columns=["model", "size"])


def test_layers_table():
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d"),
                              keras.layers.BatchNormalization(name="bn")])
    text = repr(plots.layers_table(model))
    assert "d      Dense" in text and text.splitlines()[-1].split()[-2:] == ["6", "6"]
