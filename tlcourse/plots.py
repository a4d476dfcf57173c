"""Every figure the lessons show, so that notebook cells stay one line long.

Each function returns its matplotlib Figure *closed*: pyplot does not show it a second
time, and Jupyter shows it once as the cell's result. In a notebook, end the cell with
the call (no ``;``); in a script, ``fig.savefig(...)``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 2.6,
    cmap: str | None = None,
):
    """Show images (0..255 or 0..1, RGB or grayscale) in a grid with optional titles; returns the figure."""
    import matplotlib.pyplot as plt

    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 * nrows if titles else 0)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.flat, images)):
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        if image.dtype != np.uint8 and image.max() > 1.0:
            image = np.clip(image, 0, 255).astype(np.uint8)
        ax.imshow(image, cmap=cmap or ("gray" if image.ndim == 2 else None))
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    return _finish(fig)


def prediction_titles(decoded: Sequence[Sequence[tuple[int, str, float]]], top: int = 3) -> list[str]:
    """Turn ``zoo.decode`` output into one short multi-line title per image."""
    return ["\n".join(f"{name} {p:.0%}" for _, name, p in row[:top]) for row in decoded]


def _finish(fig):
    """Lay out and close ``fig`` (see the module docstring), then return it."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    plt.close(fig)
    return fig


# -- lesson 07: beyond plain classification ---------------------------------------------------------


def confusion_matrices(matrices, titles, class_names, size: float = 3.2):
    """Confusion matrices side by side, counts written in the cells (rows: true class, columns: predicted)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(matrices), figsize=(size * len(matrices), size), squeeze=False)
    for ax, m, title in zip(axes[0], matrices, titles):
        m = np.asarray(m)
        ax.imshow(m, cmap="Blues", vmin=0)
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > m.max() / 2 else "black")
        ax.set_xticks(range(len(class_names)), class_names)
        ax.set_yticks(range(len(class_names)), class_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)


# -- lessons 01, 02, 04: predictions, filters, feature maps, learning curves, tables -------------


def top_predictions(
    images: Sequence[np.ndarray] | np.ndarray,
    decoded: Sequence[Sequence[tuple[int, str, float]]],
    names: Sequence[str] | None = None,
    ncols: int = 3,
    top: int = 5,
):
    """Each image next to a bar chart of its ``top`` labels (from ``zoo.decode``), in a grid."""
    import matplotlib.pyplot as plt

    if len(images) != len(decoded):
        raise ValueError(f"{len(images)} images but {len(decoded)} rows of predictions: pass one row per image")
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, 2 * ncols, figsize=(4.6 * ncols, 2.3 * nrows), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1.25] * ncols})
    for ax in axes.flat:
        ax.axis("off")
    for i, (image, row) in enumerate(zip(images, decoded)):
        r, c = divmod(i, ncols)
        ax_img, ax_bar = axes[r, 2 * c], axes[r, 2 * c + 1]
        ax_img.imshow(np.asarray(image).astype(np.uint8))
        if names is not None:
            ax_img.set_title(names[i], fontsize=10)
        row = list(row)[:top]
        labels = [name for _, name, _ in row][::-1]
        probs = [p for _, _, p in row][::-1]
        ax_bar.axis("on")
        ax_bar.barh(range(len(row)), probs, color=["#bbb"] * (len(row) - 1) + ["#2a7ab9"])
        ax_bar.set_yticks(range(len(row)), labels, fontsize=8)
        ax_bar.set_xlim(0, 1)
        ax_bar.tick_params(axis="x", labelsize=7)
        ax_bar.spines[["top", "right"]].set_visible(False)
        for y, p in enumerate(probs):
            ax_bar.text(min(p + 0.02, 0.8), y, f"{p:.0%}", va="center", fontsize=7)
    return _finish(fig)


def misclassified(
    images: Sequence[np.ndarray] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    probabilities: np.ndarray,
    class_names: Sequence[str],
    n: int = 16,
    ncols: int = 8,
    size: float = 1.6,
):
    """The photos a classifier got wrong, most confident mistakes first (lesson 02).

    ``probabilities`` is ``model.predict(...)`` output, one row of class probabilities per image.
    Each tile is titled with the true label, the predicted one and the probability the model gave
    it. The grid always has ``n`` tiles (empty ones stay blank), so the figure's size does not
    depend on how many mistakes a run makes; the title says how many there are.
    """
    import matplotlib.pyplot as plt

    labels, probabilities = np.asarray(labels), np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) != len(labels) or len(images) != len(labels):
        raise ValueError(
            f"{len(images)} images, {len(labels)} labels and probabilities of shape {probabilities.shape}: pass one "
            "label and one row of class probabilities (model.predict output) per image"
        )
    if probabilities.shape[1] != len(class_names):
        raise ValueError(f"{probabilities.shape[1]} probabilities per image but {len(class_names)} class names: "
                         "pass the data set's class_names")
    predicted = np.argmax(probabilities, axis=-1)
    wrong = np.flatnonzero(predicted != labels)
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")]
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.45) * nrows + 0.3), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong[:n]):
        ax.imshow(np.asarray(images[i]).astype(np.uint8))
        ax.set_title(f"true: {class_names[labels[i]]}\nsaid: {class_names[predicted[i]]} "
                     f"{probabilities[i, predicted[i]]:.0%}", fontsize=8, color="#b22")
    shown = min(n, len(wrong))
    fig.suptitle(f"{len(wrong)} of {len(labels)} photos misclassified"
                 + (f", the {shown} most confident mistakes shown" if len(wrong) > shown else ""), fontsize=10)
    return _finish(fig)


def conv_filters(kernel: np.ndarray, ncols: int = 8, size: float = 0.9, title: str | None = None):
    """First-layer filters as little colour images: a (h, w, 3, n) kernel gives n RGB tiles.

    Each filter is stretched to the full 0..1 range on its own, so the pattern it looks for
    (an edge, a colour blob, a gradient) shows whatever its scale.
    """
    import matplotlib.pyplot as plt

    kernel = np.asarray(kernel, np.float32)
    if kernel.ndim != 4 or kernel.shape[2] != 3:
        raise ValueError(
            f"expected a first-layer kernel of shape (height, width, 3, filters), got {kernel.shape}: "
            "use model.layers[...].get_weights()[0] of the first Conv2D"
        )
    n = kernel.shape[-1]
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if title else 0)), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, ax in enumerate(axes.flat[:n]):
        f = kernel[..., i]
        f = (f - f.min()) / (np.ptp(f) or 1.0)
        ax.imshow(f, interpolation="nearest")
        ax.set_title(str(i), fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return _finish(fig)


def feature_maps(
    maps: dict[str, np.ndarray],
    n: int = 8,
    image: np.ndarray | None = None,
    size: float = 1.3,
):
    """For each layer (one row), the ``n`` channels that respond most strongly to the image.

    ``maps`` is ``train.layer_outputs(...)``: name -> (1, h, w, channels) or (h, w, channels).
    Bright means a strong response; the grid size of each row shows how far the layer has
    shrunk the picture. ``image`` adds the input photo at the start of every row.
    """
    import matplotlib.pyplot as plt

    extra = 1 if image is not None else 0
    fig, axes = plt.subplots(len(maps), n + extra, figsize=(size * (n + extra), size * len(maps) + 0.3), squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for r, (name, fmap) in enumerate(maps.items()):
        fmap = np.asarray(fmap)
        fmap = fmap[0] if fmap.ndim == 4 else fmap
        if fmap.ndim != 3:
            raise ValueError(f"feature map {name!r} has shape {fmap.shape}; expected (height, width, channels)")
        if image is not None:
            axes[r, 0].imshow(np.asarray(image).astype(np.uint8))
            axes[r, 0].set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}x{fmap.shape[2]}", fontsize=7)
        else:
            axes[r, 0].set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}x{fmap.shape[2]}", fontsize=7)
        strongest = np.argsort(-fmap.mean(axis=(0, 1)))[:n]
        for c, channel in enumerate(strongest):
            ax = axes[r, c + extra]
            ax.imshow(fmap[..., channel], cmap="magma", interpolation="nearest")
            ax.set_title(f"ch {channel}", fontsize=7)
    return _finish(fig)


def _history_dict(history) -> dict[str, list[float]]:
    h = getattr(history, "history", history)
    if not isinstance(h, dict):
        raise TypeError(
            f"expected a keras History (what fit returns) or its .history dict, got {type(history).__name__}"
        )
    return h


def learning_curves(*histories, phases: Sequence[str] | None = None, metrics: Sequence[str] = ("accuracy", "loss")):
    """Training and validation curves of one or more consecutive training phases on shared axes.

    ``learning_curves(history_head, history_finetune, phases=["head only", "fine-tuning"])``
    continues the epoch axis across phases and marks where each new phase starts.
    """
    import matplotlib.pyplot as plt

    dicts = [_history_dict(h) for h in histories]
    if not dicts:
        raise ValueError("give at least one History")
    phases = list(phases) if phases is not None else [f"phase {i + 1}" for i in range(len(dicts))]
    if len(phases) != len(dicts):
        raise ValueError(f"{len(dicts)} histories but {len(phases)} phase names")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        start = 0
        for i, (h, phase) in enumerate(zip(dicts, phases)):
            if metric not in h:
                raise KeyError(f"no {metric!r} in the history of {phase!r}; it has {sorted(h)}")
            epochs = np.arange(start + 1, start + len(h[metric]) + 1)
            colour = f"C{i}"
            ax.plot(epochs, h[metric], "o-", ms=3, color=colour, alpha=0.55, label=f"{phase}: training")
            if f"val_{metric}" in h:
                ax.plot(epochs, h[f"val_{metric}"], "s-", ms=3, color=colour, label=f"{phase}: validation")
            if i:
                ax.axvline(start + 0.5, color="gray", ls="--", lw=1)
            start += len(h[metric])
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    return _finish(fig)


def compare_runs(runs: dict, metric: str = "val_accuracy", title: str | None = None, xlabel: str = "epoch"):
    """One curve per run (e.g. fine-tuning with and without ``training=False``) for one metric."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4))
    for label, history in runs.items():
        values = _history_dict(history)[metric]
        ax.plot(np.arange(1, len(values) + 1), values, "o-", ms=4, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return _finish(fig)


def detections(images, true_boxes, pred_boxes=None, pred_classes=None, class_names=None, ncols: int = 4,
               size: float = 2.6):
    """Canvases with true boxes (dashed white) and predicted boxes (solid, labelled with the class)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    colours = plt.cm.tab10.colors
    for ax in axes.flat:
        ax.axis("off")
    for i, ax in enumerate(axes.flat[:n]):
        ax.imshow(images[i])
        for x0, y0, x1, y1 in np.asarray(true_boxes[i]).reshape(-1, 4):
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="white", ls="--", lw=1.5))
        if pred_boxes is not None:
            for (x0, y0, x1, y1), c in zip(np.asarray(pred_boxes[i]).reshape(-1, 4), pred_classes[i]):
                ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=colours[int(c) % 10], lw=2))
                if class_names is not None:
                    ax.text(x0, y0 - 2, class_names[int(c)], color="white", fontsize=7,
                            bbox={"facecolor": colours[int(c) % 10], "pad": 1, "lw": 0})
    return _finish(fig)


# -- lesson 03: freezing ------------------------------------------------------------------------

#: Block states and their colours (the same as the FreezePanel's).
FREEZE_COLOURS = {"trainable": "#2e7d32", "partly": "#ef8f00", "frozen": "#90a4ae", "no weights": "#ffffff"}


def unfreeze_curve(rows: Sequence[dict], title: str = "Unfreezing the last N layers"):
    """Trainable parameters against the number of top layers unfrozen (rows of
    ``tlcourse.freeze.unfreeze_curve``). Steps that add a layer without weights are marked with
    an open circle: the count stays flat there."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    ns = [r["n"] for r in rows]
    counts = [r["trainable"] for r in rows]
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    ax.step(ns, counts, where="post", color="#555", lw=1.2)
    for weighted, style in ((True, dict(color=FREEZE_COLOURS["trainable"], marker="o")),
                            (False, dict(facecolor="white", edgecolor="#555", marker="o"))):
        pts = [(r["n"], r["trainable"]) for r in rows if r["n"] and r["weights"] == weighted]
        if pts:
            ax.scatter(*zip(*pts), s=26, zorder=3, label="layer with weights" if weighted else
                       "layer without weights (activation, add, pooling): nothing unlocked", **style)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:.1f} M" if v >= 1e6 else f"{v:,.0f}"))
    ax.set_xlabel("last N layers unfrozen")
    ax.set_ylabel("trainable parameters")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _finish(fig)


def freeze_map(reports: dict[str, Sequence[dict]], title: str = "Which blocks train?"):
    """One strip per freezing choice, one cell per block, coloured by state (rows of
    ``tlcourse.freeze.trainable_report``): trainable, partly (e.g. BatchNorm kept frozen),
    frozen, or without weights. The trainable count is written at the right of each strip."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    if not reports:
        raise ValueError("give at least one report, e.g. {'top 2 blocks': freeze.trainable_report(base)}")
    names = [r["block"] for r in next(iter(reports.values()))]
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(reports) + 1.6))
    for i, (label, report) in enumerate(reports.items()):
        if [r["block"] for r in report] != names:
            raise ValueError(f"report {label!r} has other blocks than the first one: compare one model at a time")
        y = len(reports) - 1 - i
        for j, row in enumerate(report):
            state = "no weights" if row["params"] == 0 else row["state"]
            ax.add_patch(Rectangle((j, y + 0.1), 0.92, 0.8, facecolor=FREEZE_COLOURS[state], edgecolor="#777",
                                   lw=0.6, ls="--" if state == "no weights" else "-"))
        ax.text(len(names) + 0.3, y + 0.5, f"{sum(r['trainable'] for r in report):,}", va="center", fontsize=9)
    ax.set_xlim(0, len(names) + 2.6)
    ax.set_ylim(0, len(reports))
    ax.set_yticks([len(reports) - 0.5 - i for i in range(len(reports))], list(reports))
    ax.set_xticks([j + 0.46 for j in range(len(names))], names, rotation=60, ha="right", fontsize=8)
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.text(len(names) + 0.3, len(reports) + 0.05, "trainable", fontsize=8, color="#555", va="bottom")
    ax.legend(handles=[Patch(facecolor=c, edgecolor="#777", ls="--" if s == "no weights" else "-", label=s)
                       for s, c in FREEZE_COLOURS.items()], loc="lower center", bbox_to_anchor=(0.45, 1.0), ncol=4,
              fontsize=8, frameon=False)
    ax.set_title(title, pad=24)
    return _finish(fig)


def freeze_runs(runs: dict[str, dict]):
    """Seconds per epoch and accuracies of several freezing choices (results of
    ``tlcourse.train.fit_timed``), side by side."""
    import matplotlib.pyplot as plt

    labels = list(runs)
    x = np.arange(len(labels))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    seconds = [runs[k]["epoch_s"] for k in labels]
    bars = left.bar(x, seconds, color=plt.cm.Greens(np.linspace(0.35, 0.85, len(labels))))
    for bar, k in zip(bars, labels):
        left.annotate(f"{runs[k]['trainable']:,}\ntrainable", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
    left.set_xticks(x, labels)
    left.set_ylabel("seconds per epoch")
    left.set_ylim(0, max(seconds) * 1.35)
    left.set_title("Time per epoch (after the first)")
    width = 0.38
    for offset, key, colour, name in ((-width / 2, "train_accuracy", "#bbbbbb", "training photos"),
                                      (width / 2, "val_accuracy", "#1f77b4", "validation photos")):
        values = [runs[k][key] for k in labels]
        right.bar(x + offset, values, width, color=colour, label=name)
        for xi, v in zip(x + offset, values):
            right.text(xi, v + 0.01, f"{v:.0%}", ha="center", va="bottom", fontsize=8)
    right.axhline(0.5, color="#999", lw=0.8, ls=":")
    right.set_xticks(x, labels)
    right.set_ylim(0, 1.3)
    right.set_yticks(np.linspace(0, 1, 6))
    right.set_ylabel("accuracy")
    right.set_title("Accuracy after the same few epochs")
    right.legend(fontsize=8, loc="upper center", ncol=2, frameon=False)
    return _finish(fig)


# -- lesson 06: choosing a model ----------------------------------------------------------------------


def accuracy_vs_latency(measured: list[dict], published: list[dict] | None = None, latency_key: str = "latency b1 (ms)",
                        n: int | None = None):
    """Accuracy against latency, marker area proportional to parameters, one point per model.

    ``measured`` rows need ``model``, ``accuracy`` (0..1, on your data), ``params`` and ``latency_key``;
    with ``n`` (the number of validation photos) each gets an error bar of two standard errors.
    ``published`` rows (optional, second panel) need ``model``, ``top-1 %``, ``params``, ``latency_key``:
    published ImageNet accuracy against the latency *you* measured. The latency axis is logarithmic,
    labelled at round values (:func:`_round_log_ticks`).
    """
    import matplotlib.pyplot as plt

    panels = [("your data: accuracy (cats vs dogs)", measured, lambda r: 100 * r["accuracy"])]
    if published:
        panels.append(("published ImageNet top-1 %", published, lambda r: r["top-1 %"]))
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.2), squeeze=False)
    for k, (ax, (ylabel, rows, accuracy)) in enumerate(zip(axes[0], panels)):
        biggest = max(r["params"] for r in rows)
        for i, r in enumerate(rows):
            x, y = r[latency_key], accuracy(r)
            ax.scatter(x, y, s=60 + 1200 * r["params"] / biggest, alpha=0.55, color=plt.cm.tab10(i % 10))
            if k == 0 and n:
                two_se = 200 * (r["accuracy"] * (1 - r["accuracy"]) / n) ** 0.5
                ax.errorbar(x, y, yerr=two_se, color=plt.cm.tab10(i % 10), capsize=3, lw=1)
            ax.annotate(r["model"], (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel(f"{latency_key.replace('latency ', 'latency, ').replace('b1', 'batch 1')} on this machine")
        ax.set_ylabel(ylabel + (f"\n(bars: 2 standard errors, {n} photos)" if k == 0 and n else ""))
        ax.grid(alpha=0.3)
        ax.margins(0.25)
        _round_log_ticks(ax)
    fig.suptitle("marker area ~ parameters", fontsize=9)
    return _finish(fig)


def _round_log_ticks(ax, at_least: int = 4) -> list[float]:
    """Label a logarithmic x axis at round values inside its limits: 1, 2, 5 x 10^k when that gives
    ``at_least`` labels, else 1, 1.5, 2, 3, 5, 7 x 10^k, else 1, 1.2, 1.5, 2, 2.5, 3, 4, ... 9 x 10^k,
    else (a range narrower than a factor of two, e.g. 12-25 ms) evenly spaced round values. Returns the ticks."""
    import math

    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    lo, hi = ax.get_xlim()
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    for mantissas in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)):
        ticks = [t for e in decades for m in mantissas if lo <= (t := round(m * 10**e, 12)) <= hi]
        if len(ticks) >= at_least:
            break
    else:
        steps = MaxNLocator(nbins=2 * at_least, steps=[1, 2, 5, 10]).tick_values(lo, hi)
        ticks = [round(float(t), 12) for t in steps if lo <= t <= hi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    return ticks


# -- lesson 05: input adaptation -----------------------------------------------------------------


def channel_planes(photo: np.ndarray, grey: np.ndarray, size: float = 2.2):
    """A colour photo beside its R, G, B planes, and a grey image beside its three identical copies.

    Top row: what "three channels" means for a photo (each plane differs). Bottom row: what
    ``adapt.to_rgb`` makes of a grey image (the same plane three times).
    """
    import matplotlib.pyplot as plt

    photo, grey = np.asarray(photo), np.asarray(grey)
    if photo.ndim != 3 or photo.shape[-1] != 3:
        raise ValueError(f"photo must be one H x W x 3 image, got shape {photo.shape}")
    grey = grey[..., 0] if grey.ndim == 3 and grey.shape[-1] in (1, 3) else grey
    if grey.ndim != 2:
        raise ValueError(f"grey must be one H x W (or H x W x 1) image, got shape {grey.shape}")
    fig, axes = plt.subplots(2, 4, figsize=(4 * size, 2 * size + 0.6))
    rows = [
        (photo, "colour photo", [photo[..., c] for c in range(3)], ["R plane", "G plane", "B plane"]),
        (grey, "grey image", [grey] * 3, ["copy as R", "copy as G", "copy as B"]),
    ]
    for ax_row, (image, title, planes, names) in zip(axes, rows):
        ax_row[0].imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
        ax_row[0].set_title(title, fontsize=9)
        for ax, plane, name, colour in zip(ax_row[1:], planes, names, ("Reds_r", "Greens_r", "Blues_r")):
            ax.imshow(plane, cmap=colour, vmin=0, vmax=255)
            ax.set_title(name, fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    return _finish(fig)


def grey_strength(rgb_kernel: np.ndarray) -> np.ndarray:
    """Per filter, how much of an RGB first-layer filter survives when its colours are summed (0..1).

    ``|W_R + W_G + W_B| / (sqrt(3) |W|)``: 1 when the three colour kernels are equal (a filter for
    brightness patterns), near 0 when they cancel (a filter comparing colours, blind to grey input).
    """
    k = np.asarray(rgb_kernel, np.float64)
    flat_sum = k.sum(axis=2).reshape(-1, k.shape[-1])
    flat = k.reshape(-1, k.shape[-1])
    return np.linalg.norm(flat_sum, axis=0) / (np.sqrt(3) * np.linalg.norm(flat, axis=0) + 1e-12)


def first_layer_filters(rgb_kernel: np.ndarray, grey_kernel: np.ndarray, n: int = 8, size: float = 1.1):
    """The first ``n`` filters of an RGB first convolution (as colour patches) over their grey sums.

    Each colour filter is scaled on its own (mid grey = 0); its sum is drawn on the scale of the
    largest sum the filter could reach (three equal colours), so a filter whose colours cancel
    shows as flat grey. The bottom titles give :func:`grey_strength`.
    """
    import matplotlib.pyplot as plt

    rgb_kernel, grey_kernel = np.asarray(rgb_kernel), np.asarray(grey_kernel)
    if rgb_kernel.ndim != 4 or rgb_kernel.shape[2] != 3 or grey_kernel.shape != rgb_kernel.shape[:2] + (1,) + rgb_kernel.shape[3:]:
        raise ValueError(
            f"expected kernels of shapes (h, w, 3, f) and (h, w, 1, f), got {rgb_kernel.shape} and {grey_kernel.shape}"
        )
    n = min(n, rgb_kernel.shape[-1])
    strength = grey_strength(rgb_kernel)
    fig, axes = plt.subplots(2, n, figsize=(size * n, 2 * size + 0.8), squeeze=False)
    for i in range(n):
        colour, grey = rgb_kernel[..., i], grey_kernel[..., 0, i]
        scale = np.abs(colour).max() + 1e-12
        axes[0, i].imshow(colour / (2 * scale) + 0.5, interpolation="nearest")
        axes[1, i].imshow(grey, cmap="gray", vmin=-3 * scale, vmax=3 * scale, interpolation="nearest")
        axes[0, i].set_title(f"filter {i}", fontsize=8)
        axes[1, i].set_title(f"{strength[i]:.0%} left", fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([])
    axes[0, 0].set_ylabel("RGB", fontsize=9)
    axes[1, 0].set_ylabel("R+G+B", fontsize=9)
    return _finish(fig)


def size_tradeoff(
    sizes: Sequence[int],
    accuracy: Sequence[float],
    ms_per_image: Sequence[float],
    extra: dict[str, tuple[int, float, float]] | None = None,
):
    """Accuracy and time per image against input size, side by side (lesson 05's sweep).

    ``extra`` adds labelled single points, e.g. ``{"grey base": (96, 0.81, 10.2)}``.
    """
    import matplotlib.pyplot as plt

    if not (len(sizes) == len(accuracy) == len(ms_per_image)) or not len(sizes):
        raise ValueError("sizes, accuracy and ms_per_image must be non-empty and of the same length")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    left.plot(sizes, accuracy, "o-", color="tab:blue", label="RGB base, resized input")
    right.plot(sizes, ms_per_image, "o-", color="tab:orange", label="RGB base, resized input")
    above = {"textcoords": "offset points", "xytext": (-5, 5), "ha": "right", "fontsize": 8,
             "bbox": {"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8}}  # up and left
    for size, acc, ms in zip(sizes, accuracy, ms_per_image):
        left.annotate(f"{acc:.0%}", (size, acc), **above)
        right.annotate(f"{ms:.1f}", (size, ms), **above)
    below = {"textcoords": "offset points", "xytext": (8, -4), "ha": "left", "fontsize": 8, "color": "tab:green",
             "bbox": {"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8}}
    for label, (size, acc, ms) in (extra or {}).items():
        left.plot([size], [acc], "*", markersize=12, color="tab:green", label=label)
        right.plot([size], [ms], "*", markersize=12, color="tab:green", label=label)
        left.annotate(f"{acc:.0%}", (size, acc), **below)
        right.annotate(f"{ms:.1f}", (size, ms), **below)
    left.set(xlabel="input size (pixels per side)", ylabel="test accuracy", title="accuracy of a linear head")
    right.set(xlabel="input size (pixels per side)", ylabel="ms per image", title="feature extraction time")
    all_acc = list(accuracy) + [acc for _, acc, _ in (extra or {}).values()]
    all_ms = list(ms_per_image) + [ms for _, _, ms in (extra or {}).values()]
    left.set_ylim(max(0.0, min(all_acc) - 0.1), min(1.02, max(all_acc) + 0.08))
    right.set_ylim(0, max(all_ms) * 1.25)
    span = max(sizes) - min(sizes) or 1
    for ax in (left, right):
        ax.set_xticks(list(sizes))
        ax.set_xlim(min(sizes) - 0.12 * span, max(sizes) + 0.08 * span)  # room for the labels
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right" if ax is left else "upper left")
    return _finish(fig)


def probability_vs_side(sides: Sequence[int], probabilities: dict[str, Sequence[float]], model_side: int = 224):
    """How sure the model stays of a photo's class as the photo is shrunk to ``sides`` pixels and blown back up."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    for label, p in probabilities.items():
        if len(p) != len(sides):
            raise ValueError(f"{label!r} has {len(p)} probabilities for {len(sides)} sides")
        ax.plot(sides, p, "o-", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(sides), [str(s) for s in sides])
    ax.set_ylim(0, 1)
    ax.set(xlabel=f"pixels per side before resizing back to {model_side}",
           ylabel="probability of the\nfull-size photo's class", title="shrink a photo, lose the object")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(fig)


def accuracy_vs_labels(curves: dict[str, dict[int, float]], chance: float | None = 0.5, title: str | None = None):
    """Validation accuracy against labelled images per class, one line per approach (log x axis)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for i, (label, scores) in enumerate(curves.items()):
        sizes = sorted(scores)
        values = [scores[s] for s in sizes]
        ax.plot(sizes, values, "o-", color=f"C{i}", label=label)
        for s, v in zip(sizes, values):
            ax.annotate(f"{v:.2f}", (s, v), textcoords="offset points", xytext=(0, 6 if i == 0 else -12),
                        ha="center", fontsize=7, color=f"C{i}")
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1, label="chance")
    all_sizes = sorted({s for scores in curves.values() for s in scores})
    ax.set_xscale("log")
    ax.set_xticks(all_sizes, [str(s) for s in all_sizes])
    ax.minorticks_off()
    ax.set_ylim(min(0.4, *(v for sc in curves.values() for v in sc.values())) - 0.02, 1.02)
    ax.set_xlabel("labelled training images per class")
    ax.set_ylabel("validation accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    if title:
        ax.set_title(title, fontsize=10)
    return _finish(fig)


class Table:
    """Rows of dicts shown as a table: HTML in Jupyter, aligned text elsewhere (and for nbval).

    ``formats`` maps a column to a format spec (``{"accuracy": ".3f"}``); ``None`` cells show blank.
    """

    def __init__(self, rows: Sequence[dict], columns: Sequence[str] | None = None, formats: dict | None = None,
                 title: str | None = None):
        self.rows = [dict(r) for r in rows]
        self.columns = list(columns) if columns is not None else list(dict.fromkeys(k for r in self.rows for k in r))
        unknown = [c for c in self.columns if all(c not in r for r in self.rows)]
        if self.rows and unknown:
            raise KeyError(f"no column {unknown[0]!r}; the rows have {list(self.rows[0])}")
        self.formats = formats or {}
        self.title = title

    def _cell(self, row: dict, column: str) -> str:
        value = row.get(column)
        if value is None:
            return ""
        spec = self.formats.get(column)
        if spec:
            return format(value, spec)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        cells = [[self._cell(r, c) for c in self.columns] for r in self.rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(self.columns)]

        def line(values):
            return "  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(values, widths)).rstrip()

        out = ([self.title] if self.title else []) + [line(self.columns), line(["-" * w for w in widths])]
        return "\n".join(out + [line(row) for row in cells])

    def _repr_html_(self) -> str:
        from html import escape

        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(self._cell(r, c))}</td>" for c in self.columns) + "</tr>" for r in self.rows
        )
        caption = f"<caption>{escape(self.title)}</caption>" if self.title else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("%"))
        return True
    except ValueError:
        return False


def table(rows: Sequence[dict], columns: Sequence[str] | None = None, formats: dict | None = None,
          title: str | None = None) -> Table:
    """Shortcut for :class:`Table`."""
    return Table(rows, columns, formats, title)


def channel_across_images(
    maps: dict[str, np.ndarray],
    channels: dict[str, int],
    images: Sequence[np.ndarray],
    names: Sequence[str] | None = None,
    size: float = 1.5,
):
    """One channel per layer (row) shown for every image (column), on one colour scale per row.

    With the same scale across a row, a generic channel lights up on every photo and a
    specific one only on the photo it cares about. ``maps``: layer -> (n_images, h, w, c).
    """
    import matplotlib.pyplot as plt

    missing = [layer for layer in maps if layer not in channels]
    if missing:
        raise KeyError(f"no channel chosen for layer {missing[0]!r}: pass channels={{layer: index}}")
    n = len(images)
    fig, axes = plt.subplots(len(maps) + 1, n, figsize=(size * n, size * (len(maps) + 1) + 0.3), squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for c, image in enumerate(images):
        axes[0, c].imshow(np.asarray(image).astype(np.uint8))
        if names is not None:
            axes[0, c].set_title(names[c], fontsize=8)
    for r, (layer, fmap) in enumerate(maps.items(), start=1):
        channel = channels[layer]
        planes = np.asarray(fmap)[..., channel]
        top = float(np.percentile(planes, 99.9)) or float(planes.max()) or 1.0  # a few hot pixels must not dim the row
        for c in range(n):
            axes[r, c].imshow(planes[c], cmap="magma", vmin=0, vmax=top, interpolation="nearest")
            axes[r, c].set_xlabel(f"mean {planes[c].mean():.3f}", fontsize=7)
        axes[r, 0].set_ylabel(f"{layer}\nchannel {channel}", fontsize=7)
    return _finish(fig)


def layers_table(model, start: int = 0, stop: int | None = 10) -> Table:
    """The layers ``model.layers[start:stop]`` with type, output shape and parameter counts."""
    from .freeze import param_counts

    rows = []
    for layer in model.layers[start:stop]:
        shape = getattr(layer, "output", None)
        counts = param_counts(layer)
        rows.append({
            "layer": layer.name,
            "type": type(layer).__name__,
            "output shape": str(tuple(shape.shape)) if shape is not None else "",
            "trainable": counts.trainable,
            "non-trainable": counts.non_trainable,
        })
    return Table(rows)
