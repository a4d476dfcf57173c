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


# -- lesson 06: choosing a model ----------------------------------------------------------------------


def accuracy_vs_latency(measured: list[dict], published: list[dict] | None = None, latency_key: str = "latency b1 (ms)"):
    """Accuracy against latency, marker area proportional to parameters, one point per model.

    ``measured`` rows need ``model``, ``accuracy`` (0..1, on your data), ``params`` and ``latency_key``.
    ``published`` rows (optional, second panel) need ``model``, ``top-1 %``, ``params``, ``latency_key``:
    published ImageNet accuracy against the latency *you* measured.
    """
    import matplotlib.pyplot as plt

    panels = [("your data: accuracy (cats vs dogs)", measured, lambda r: 100 * r["accuracy"])]
    if published:
        panels.append(("published ImageNet top-1 %", published, lambda r: r["top-1 %"]))
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.2), squeeze=False)
    for ax, (ylabel, rows, accuracy) in zip(axes[0], panels):
        biggest = max(r["params"] for r in rows)
        for i, r in enumerate(rows):
            x, y = r[latency_key], accuracy(r)
            ax.scatter(x, y, s=60 + 1200 * r["params"] / biggest, alpha=0.55, color=plt.cm.tab10(i % 10))
            ax.annotate(r["model"], (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}" if str(v)[0] in "235" else ""))
        ax.set_xlabel(f"{latency_key.replace('latency ', 'latency, ').replace('b1', 'batch 1')} on this machine")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.margins(0.25)
    fig.suptitle("marker area ~ parameters", fontsize=9)
    return _finish(fig)
