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


def layers_table(model, start: int = 0, stop: int | None = 10) -> "Table":
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
