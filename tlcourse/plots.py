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
