"""Lesson 03's figures: they draw what they are given and refuse mixed-up input."""
from __future__ import annotations

import keras
import pytest

from tlcourse import freeze as F
from tlcourse import plots


@pytest.fixture(scope="module")
def small():
    return keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)


def test_unfreeze_curve_marks_layers_without_weights(small):
    F.freeze(small)
    rows = F.unfreeze_curve(small, range(0, 6))
    fig = plots.unfreeze_curve(rows)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 2 and "without weights" in labels[1]
    open_points = ax.collections[1].get_offsets()
    assert [int(x) for x, _ in open_points] == [r["n"] for r in rows if r["n"] and not r["weights"]]


def test_freeze_map_one_strip_per_choice(small):
    F.unfreeze_last(small, 2, count="blocks")
    reports = {"top 2 blocks": F.trainable_report(small)}
    F.unfreeze(small)
    F.freeze_by_type(small, keras.layers.BatchNormalization)
    reports["all but BatchNorm"] = F.trainable_report(small)
    fig = plots.freeze_map(reports)
    ax = fig.axes[0]
    n_blocks = len(F.blocks(small))
    assert len(ax.patches) == 2 * n_blocks
    colours = [p.get_facecolor() for p in ax.patches]
    from matplotlib.colors import to_rgba

    assert colours.count(to_rgba(plots.FREEZE_COLOURS["trainable"])) == 2  # block_16 and head
    assert colours.count(to_rgba(plots.FREEZE_COLOURS["partly"])) == n_blocks  # every block has a BatchNorm
    texts = [t.get_text() for t in ax.texts]
    assert f"{sum(r['trainable'] for r in reports['top 2 blocks']):,}" in texts
    with pytest.raises(ValueError, match="at least one report"):
        plots.freeze_map({})
    with pytest.raises(ValueError, match="other blocks"):
        plots.freeze_map({"a": reports["top 2 blocks"], "b": reports["top 2 blocks"][1:]})


def test_freeze_runs_draws_both_panels():
    runs = {
        "frozen": {"trainable": 10, "epoch_s": 1.0, "train_accuracy": 0.8, "val_accuracy": 0.75},
        "all": {"trainable": 1000, "epoch_s": 3.0, "train_accuracy": 1.0, "val_accuracy": 0.6},
    }
    fig = plots.freeze_runs(runs)
    left, right = fig.axes
    assert [round(p.get_height(), 3) for p in left.patches] == [1.0, 3.0]
    assert sorted(round(p.get_height(), 3) for p in right.patches) == [0.6, 0.75, 0.8, 1.0]
