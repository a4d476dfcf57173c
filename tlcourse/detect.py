"""A pretrained backbone reused for object detection, small enough for a CPU.

The lesson builds a one-stage, YOLO-style detector: the frozen backbone turns a
canvas into a G x G grid of feature vectors, and a tiny head predicts, for every
grid cell, "is an object's centre here?", where exactly (offsets and size) and which
class. This module supplies the parts that are not Keras layers:

* :func:`make_canvases`: synthetic scenes (Fashion-MNIST items pasted at random places
  and sizes on smooth coloured backgrounds) with their true boxes, deterministic by seed;
* :func:`encode` / :func:`decode`: boxes <-> the grid target the head learns;
* :func:`grid_loss`: the training loss; :func:`iou`, :func:`average_precision`,
  :func:`mean_best_iou`: evaluation.

Boxes are ``(x_min, y_min, x_max, y_max)`` in pixels (x to the right, y down from the canvas's
top-left corner), always inside the canvas: the layout Keras's box utilities call "xyxy".
A grid cell is addressed ``(row, column)``: the row comes from y, the column from x.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: per-cell target layout: objectness, centre x and y inside the cell (0..1), width and height
#: as fractions of the canvas, then one column per class
OBJ, X, Y, W, H, CLS = 0, 1, 2, 3, 4, 5


@dataclass
class DetectionSet:
    """Canvases with their objects: ``boxes[i]`` is (k_i, 4) ``(x_min, y_min, x_max, y_max)`` pixels,
    ``classes[i]`` is (k_i,)."""

    images: np.ndarray
    boxes: list[np.ndarray]
    classes: list[np.ndarray]
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        n_objects = sum(len(b) for b in self.boxes)
        return (f"DetectionSet({len(self)} canvases of {self.images.shape[1:]}, {n_objects} objects, "
                f"classes {list(self.class_names)})")


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth random colour field with a little grain (uint8)."""
    from PIL import Image

    coarse = rng.uniform(30, 225, (3, 3, 3)).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((size, size), Image.BICUBIC), np.float32)
    return np.clip(smooth + rng.normal(0, 6, smooth.shape), 0, 255)


def _paste(canvas: np.ndarray, item: np.ndarray, x: int, y: int, side: int, colour: np.ndarray) -> np.ndarray:
    """Paste a grayscale item (bright object on black) as a coloured object; returns its tight box."""
    from PIL import Image

    mask = np.asarray(Image.fromarray(item).resize((side, side), Image.BILINEAR), np.float32) / 255.0
    region = canvas[y : y + side, x : x + side]
    canvas[y : y + side, x : x + side] = region * (1 - mask[..., None]) + colour * mask[..., None]
    rows, cols = np.nonzero(mask > 0.2)
    return np.array([x + cols.min(), y + rows.min(), x + cols.max() + 1, y + rows.max() + 1], np.float32)


def make_canvases(
    items,
    n: int,
    canvas: int = 128,
    grid: int = 8,
    objects: tuple[int, int] = (1, 3),
    scale: tuple[int, int] = (36, 60),
    classes: tuple[int, ...] | None = None,
    seed: int = 0,
) -> DetectionSet:
    """Make ``n`` canvases from ``items`` (an ImageSet of 28x28x1 grayscale objects, e.g. Fashion-MNIST).

    Each canvas gets ``objects[0]``..``objects[1]`` items of side ``scale[0]``..``scale[1]`` pixels,
    placed so that no two object centres fall into the same cell of a ``grid`` x ``grid`` grid (the
    detector predicts one object per cell) and no two boxes overlap much. ``classes`` picks which of
    the item classes to use (default: all).
    """
    if scale[1] > canvas:
        raise ValueError(f"objects of {scale[1]} px do not fit on a {canvas} px canvas")
    if canvas % grid:
        raise ValueError(f"canvas size {canvas} must be a multiple of the grid size {grid}")
    rng = np.random.default_rng(seed)
    item_images = np.asarray(items.images)[..., 0] if np.asarray(items.images).ndim == 4 else np.asarray(items.images)
    item_labels = np.asarray(items.labels)
    chosen = tuple(range(len(items.class_names))) if classes is None else tuple(classes)
    pools = [np.flatnonzero(item_labels == c) for c in chosen]
    if any(len(p) == 0 for p in pools):
        raise ValueError("every class in `classes` needs at least one item")
    cell = canvas // grid
    images = np.empty((n, canvas, canvas, 3), np.uint8)
    all_boxes, all_classes = [], []
    for i in range(n):
        img = _background(rng, canvas)
        boxes, labels, cells = [], [], set()
        for _ in range(rng.integers(objects[0], objects[1] + 1)):
            for _attempt in range(30):
                side = int(rng.integers(scale[0], scale[1] + 1))
                x, y = (int(v) for v in rng.integers(0, canvas - side + 1, 2))
                k = int(rng.integers(len(chosen)))
                item = item_images[rng.choice(pools[k])]
                trial = img.copy()
                colour = rng.uniform(0, 255, 3)
                box = _paste(trial, item, x, y, side, colour)
                centre_cell = (int((box[0] + box[2]) / 2 // cell), int((box[1] + box[3]) / 2 // cell))
                if centre_cell in cells or (boxes and iou(box[None], np.array(boxes)).max() > 0.15):
                    continue
                img, cells = trial, cells | {centre_cell}
                boxes.append(box)
                labels.append(k)
                break
        images[i] = np.clip(img, 0, 255).astype(np.uint8)
        all_boxes.append(np.array(boxes, np.float32).reshape(-1, 4))
        all_classes.append(np.array(labels, np.int32))
    names = tuple(items.class_names[c] for c in chosen)
    return DetectionSet(images, all_boxes, all_classes, names)


def encode(boxes: np.ndarray, classes: np.ndarray, canvas: int, grid: int, n_classes: int) -> np.ndarray:
    """The (grid, grid, 5 + n_classes) training target for one canvas (see OBJ, X, Y, W, H, CLS).

    ``boxes`` are (k, 4) ``(x_min, y_min, x_max, y_max)`` pixels; each box is written into the cell
    ``(row, column)`` that holds its centre, row = centre_y // cell size, column = centre_x // cell size.
    """
    target = np.zeros((grid, grid, CLS + n_classes), np.float32)
    cell = canvas / grid
    for (x0, y0, x1, y1), c in zip(np.asarray(boxes).reshape(-1, 4), classes):
        cx, cy = (x0 + x1) / 2 / cell, (y0 + y1) / 2 / cell
        col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
        if target[row, col, OBJ]:
            raise ValueError(f"two objects have their centre in grid cell ({row}, {col}); one cell holds one object")
        target[row, col, [OBJ, X, Y, W, H]] = 1.0, cx - col, cy - row, (x1 - x0) / canvas, (y1 - y0) / canvas
        target[row, col, CLS + int(c)] = 1.0
    return target


def encode_set(data: DetectionSet, grid: int) -> np.ndarray:
    """:func:`encode` for every canvas of a DetectionSet: (n, grid, grid, 5 + classes)."""
    canvas = data.images.shape[1]
    return np.stack([encode(b, c, canvas, grid, len(data.class_names)) for b, c in zip(data.boxes, data.classes)])


def decode(pred: np.ndarray, canvas: int, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (k, 4) ``(x_min, y_min, x_max, y_max)`` in pixels, classes (k,) and scores (k,) of the cells
    whose objectness > threshold.

    The score is objectness x class probability; boxes are clipped to the canvas.
    """
    pred = np.asarray(pred)
    grid = pred.shape[0]
    cell = canvas / grid
    rows, cols = np.nonzero(pred[..., OBJ] > threshold)
    p = pred[rows, cols]
    cx, cy = (cols + p[:, X]) * cell, (rows + p[:, Y]) * cell
    w, h = p[:, W] * canvas, p[:, H] * canvas
    boxes = np.clip(np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1), 0, canvas)
    classes = np.argmax(p[:, CLS:], axis=1) if len(p) else np.zeros(0, int)
    scores = p[:, OBJ] * (p[np.arange(len(p)), CLS + classes] if len(p) else 1)
    return boxes.astype(np.float32), classes.astype(np.int32), scores.astype(np.float32)


def grid_head(feature_shape: tuple[int, int, int], n_classes: int, width: int = 64, name: str = "grid_head"):
    """The detector's head: 1x1 and 3x3 convs, then per cell sigmoid(objectness, x, y, w, h) and softmax(classes)."""
    import keras

    features = keras.Input(feature_shape)
    x = keras.layers.Conv2D(width, 1, activation="relu")(features)  # shrink channels first: cheap on a CPU
    x = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(x)  # look at neighbouring cells
    box = keras.layers.Conv2D(CLS, 1, activation="sigmoid", name="objectness_and_box")(x)
    cls = keras.layers.Conv2D(n_classes, 1, activation="softmax", name="class_probabilities")(x)
    return keras.Model(features, keras.layers.Concatenate()([box, cls]), name=name)


def grid_loss(y_true, y_pred, box_weight: float = 5.0, no_object_weight: float = 0.5):
    """YOLO-style loss: objectness everywhere, box and class only where an object's centre is."""
    from keras import ops

    eps = 1e-6
    obj = y_true[..., OBJ]
    p_obj = ops.clip(y_pred[..., OBJ], eps, 1 - eps)
    objectness = -(obj * ops.log(p_obj) + no_object_weight * (1 - obj) * ops.log(1 - p_obj))
    xy = ops.sum(ops.square(y_true[..., X:W] - y_pred[..., X:W]), axis=-1)
    wh = ops.sum(ops.square(ops.sqrt(y_true[..., W:CLS] + eps) - ops.sqrt(y_pred[..., W:CLS] + eps)), axis=-1)
    cls = -ops.sum(y_true[..., CLS:] * ops.log(ops.clip(y_pred[..., CLS:], eps, 1.0)), axis=-1)
    per_cell = objectness + obj * (box_weight * (xy + wh) + cls)
    return ops.sum(per_cell, axis=(1, 2))


# -- evaluation -------------------------------------------------------------------------------------


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` (n, 4) with every box in ``b`` (m, 4): (n, m).

    Boxes are ``(x_min, y_min, x_max, y_max)``; IoU = overlap area / area the two boxes cover together.
    """
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def average_precision(
    true_boxes: list[np.ndarray], true_classes: list[np.ndarray],
    pred_boxes: list[np.ndarray], pred_classes: list[np.ndarray], pred_scores: list[np.ndarray],
    n_classes: int, iou_threshold: float = 0.5,
) -> tuple[float, list[float]]:
    """mAP at ``iou_threshold`` (PASCAL VOC style, all-point interpolation): (mean, per-class APs).

    A prediction is a true positive (a hit) when it has the right class and overlaps a not-yet-matched
    true box of that class by at least ``iou_threshold``; predictions are taken by falling score.
    After the first k predictions, precision = hits / k and recall = hits / true boxes; a class's AP
    is the area under its precision-recall curve, with precision at each recall replaced by the best
    precision at that recall or beyond (the rule of PASCAL VOC 2010-2012; VOC 2007 averaged 11 recall
    points instead). Boxes are ``(x_min, y_min, x_max, y_max)``.
    """
    aps = []
    for c in range(n_classes):
        n_true = sum(int(np.sum(tc == c)) for tc in true_classes)
        found = []  # (score, is true positive)
        for tb, tc, pb, pc, ps in zip(true_boxes, true_classes, pred_boxes, pred_classes, pred_scores):
            gt = np.asarray(tb)[np.asarray(tc) == c]
            matched = np.zeros(len(gt), bool)
            mine = np.flatnonzero(np.asarray(pc) == c)
            for j in mine[np.argsort(-np.asarray(ps)[mine])]:
                overlaps = iou(np.asarray(pb)[j][None], gt)[0] if len(gt) else np.zeros(0)
                best = int(np.argmax(overlaps)) if len(overlaps) else -1
                ok = best >= 0 and overlaps[best] >= iou_threshold and not matched[best]
                if ok:
                    matched[best] = True
                found.append((float(ps[j]), ok))
        if n_true == 0:
            continue
        found.sort(key=lambda t: -t[0])
        tp = np.cumsum([t[1] for t in found]) if found else np.zeros(0)
        precision = tp / np.arange(1, len(found) + 1) if found else np.zeros(0)
        recall = tp / n_true if found else np.zeros(0)
        # all-point interpolation: area under the precision envelope
        r = np.concatenate([[0.0], recall, [1.0]])
        p = np.concatenate([[0.0], precision, [0.0]])
        p = np.maximum.accumulate(p[::-1])[::-1]
        aps.append(float(np.sum((r[1:] - r[:-1]) * p[1:])))
    return (float(np.mean(aps)) if aps else 0.0), aps


def mean_best_iou(true_boxes: list[np.ndarray], pred_boxes: list[np.ndarray]) -> float:
    """Average, over all true boxes, of the best IoU any prediction on the same canvas reaches (0 if none)."""
    best = []
    for tb, pb in zip(true_boxes, pred_boxes):
        if len(tb) == 0:
            continue
        best += list(iou(tb, pb).max(axis=1)) if len(pb) else [0.0] * len(tb)
    return float(np.mean(best)) if best else 0.0


# -- putting it together ----------------------------------------------------------------------------


def backbone(name: str = "MobileNetV2", canvas: int = 128, layer: str = "block_12_add", weights: str | None = "imagenet"):
    """The first part of a pretrained base, up to ``layer`` (stride 16 for MobileNetV2's block_12_add).

    Returns ``(model, preprocess)``; the model maps (canvas, canvas, 3) images to a grid of features.
    """
    import keras

    from . import zoo

    base, preprocess = zoo.load(name, include_top=False, input_shape=(canvas, canvas, 3), weights=weights)
    try:
        out = base.get_layer(layer).output
    except ValueError:
        raise KeyError(f"{name} has no layer {layer!r}; pick one from [l.name for l in base.layers]") from None
    model = keras.Model(base.input, out, name=f"{base.name}_to_{layer}")
    model.trainable = False
    return model, preprocess


def _parents(inbound_nodes) -> list[str]:
    """Names of the layers feeding a layer, read from its entry in ``model.get_config()``."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            history = value.get("config", {}).get("keras_history") if value.get("class_name") == "__keras_tensor__" else None
            if history:
                found.append(history[0])
            else:
                for item in value.values():
                    walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(inbound_nodes)
    return found


def receptive_field(model, layer: str | None = None) -> int:
    """Side, in input pixels, of the patch that can change one output cell of ``layer`` (default: the output).

    Walks the functional graph: a layer with a k x k kernel (or pool) widens the field by
    (k - 1) x dilation x the stride accumulated so far; a merge (``Add``) keeps its widest input.
    This is the theoretical receptive field (square kernels); the pixels near its centre weigh the most.
    """
    import keras

    config = model.get_config()
    parents = {entry["name"]: _parents(entry.get("inbound_nodes", [])) for entry in config["layers"]}
    target = layer or model.layers[-1].name
    if target not in parents:
        raise KeyError(f"{model.name} has no layer {target!r}; pick one from [l.name for l in model.layers]")
    whole = (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D, keras.layers.Flatten)
    field: dict[str, tuple[int, int] | None] = {}  # name -> (receptive field, stride so far); None: whole image
    for current in model.layers:
        inputs = [field[p] for p in parents[current.name] if p in field] or [(1, 1)]
        if isinstance(current, whole) or None in inputs:
            field[current.name] = None
        else:
            size, stride = max(f for f, _ in inputs), max(s for _, s in inputs)
            kernel = getattr(current, "kernel_size", None) or getattr(current, "pool_size", None)
            if kernel is not None:
                size += (int(kernel[0]) - 1) * int(getattr(current, "dilation_rate", (1, 1))[0]) * stride
                stride *= int(getattr(current, "strides", (1, 1))[0])
            field[current.name] = (size, stride)
        if current.name == target:
            if field[target] is None:
                raise ValueError(f"{target} comes after a global pooling or Flatten: every output sees the whole image")
            return field[target][0]
    raise KeyError(f"{target!r} is not reachable from {model.name}'s input")


def fit_detector(features: np.ndarray, targets: np.ndarray, epochs: int = 30, learning_rate: float = 1e-3,
                 batch_size: int = 32, width: int = 64, progress: bool = True):
    """Train :func:`grid_head` on cached backbone features; returns ``(head, history)``."""
    import keras

    from .progress import epoch_bar

    head = grid_head(features.shape[1:], targets.shape[-1] - CLS, width)
    head.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=grid_loss)
    callbacks = [epoch_bar(epochs, "training the detector head")] if progress else []
    history = head.fit(features, targets, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks)
    return head, history


def non_max_suppression(boxes: np.ndarray, classes: np.ndarray, scores: np.ndarray, iou_threshold: float = 0.5):
    """Drop every box that overlaps a higher-scoring box of the same class by more than ``iou_threshold``.

    Neighbouring grid cells often see the same object; this keeps the most confident of their boxes.
    """
    keep = []
    for i in np.argsort(-np.asarray(scores)):
        if all(classes[j] != classes[i] or iou(boxes[i][None], boxes[j][None])[0, 0] <= iou_threshold for j in keep):
            keep.append(i)
    keep = np.array(sorted(keep), int)
    return boxes[keep], classes[keep], scores[keep]


def predict_boxes(head, features: np.ndarray, canvas: int, threshold: float = 0.5, nms: bool = True):
    """Decoded predictions per canvas (after non-max suppression): lists of boxes, classes and scores."""
    out = [decode(p, canvas, threshold) for p in head.predict(features, verbose=0)]
    if nms:
        out = [non_max_suppression(*o) for o in out]
    return [o[0] for o in out], [o[1] for o in out], [o[2] for o in out]


def evaluate(head, features: np.ndarray, data: DetectionSet, threshold: float = 0.05) -> dict:
    """mAP@0.5 (per class too) and mean best IoU of ``head`` on ``data``.

    AP ranks predictions by score, so a low ``threshold`` keeps the unsure ones in the ranking;
    the mean best IoU uses only confident predictions (score > 0.5), the ones a user would see.
    """
    canvas = data.images.shape[1]
    boxes, classes, scores = predict_boxes(head, features, canvas, threshold)
    m, aps = average_precision(data.boxes, data.classes, boxes, classes, scores, len(data.class_names))
    confident = [b[s > 0.5] for b, s in zip(boxes, scores)]
    return {"mAP@0.5": m, "AP per class": dict(zip(data.class_names, aps)),
            "mean best IoU": mean_best_iou(data.boxes, confident)}
