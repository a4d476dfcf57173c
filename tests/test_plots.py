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


def test_misclassified_shows_the_most_confident_mistakes_first():
    images = np.zeros((5, 8, 8, 3), np.uint8)
    labels = np.array([0, 0, 1, 1, 1])
    probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.05, 0.95], [0.6, 0.4], [0.99, 0.01]])
    fig = plots.misclassified(images, labels, probabilities, ["cat", "dog"], n=4, ncols=2)
    assert _is_closed(fig) and len(fig.axes) == 4  # always n tiles, whatever the number of mistakes
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["true: dog\nsaid: cat 99%", "true: cat\nsaid: dog 70%", "true: dog\nsaid: cat 60%", ""]
    assert fig._suptitle.get_text() == "3 of 5 photos misclassified"
    fig = plots.misclassified(images, labels, probabilities, ["cat", "dog"], n=2, ncols=2)
    assert fig._suptitle.get_text() == "3 of 5 photos misclassified, the 2 most confident mistakes shown"
    with pytest.raises(ValueError, match="one row of class probabilities"):
        plots.misclassified(images, labels[:3], probabilities, ["cat", "dog"])
    with pytest.raises(ValueError, match="class_names"):
        plots.misclassified(images, labels, probabilities, ["cat", "dog", "bird"])


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


# -- lesson 06 -------------------------------------------------------------------------------------


def test_accuracy_vs_latency_labels_latencies_below_20_ms():
    ours = [{"model": m, "params": p, "accuracy": a, "latency b1 (ms)": t}
            for m, p, a, t in [("A", 2.3e6, 0.919, 14.0), ("B", 3.4e6, 0.906, 15.5), ("C", 4.2e6, 0.956, 21.9)]]
    published = [{**r, "top-1 %": 75.0} for r in ours] + [
        {"model": "D", "params": 23.6e6, "top-1 %": 74.9, "latency b1 (ms)": 45.3}]
    fig = plots.accuracy_vs_latency(ours, published, n=160)
    assert _is_closed(fig) and len(fig.axes) == 2
    for ax in fig.axes:
        labels = [float(t.get_text()) for t in ax.get_xticklabels()]
        lo, hi = ax.get_xlim()
        assert len(labels) >= 3 and all(lo <= v <= hi for v in labels), labels
        assert any(v < 20 for v in labels) and not [t for t in ax.get_xticklabels(minor=True) if t.get_text()]
    assert len(fig.axes[0].containers) == 3  # one error bar per measured model
    ax = plt.figure().subplots()
    ax.scatter([10, 1000], [0, 1])
    ax.set_xscale("log")
    assert plots._round_log_ticks(ax) == [10, 20, 50, 100, 200, 500, 1000]  # a wide range: 1, 2, 5 x 10^k
    plt.close("all")
