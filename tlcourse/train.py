"""Training building blocks: cached features, small heads, and a fit helper.

"Feature extraction" (lesson 02) runs the frozen pretrained base once over every
image and keeps the pooled output. Training a small classifier on those cached
vectors is then a matter of seconds, even on a laptop.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import keras
import numpy as np

from .progress import bar, epoch_bar
from .zoo.preprocess import warn_if_unscaled


def extract_features(
    base: keras.Model,
    images: np.ndarray,
    preprocess: Callable[[np.ndarray], np.ndarray] | None = None,
    batch_size: int = 32,
    progress: bool = True,
    pool: bool = True,
) -> np.ndarray:
    """Run ``base`` over ``images`` (0..255 pixels if ``preprocess`` is given) in batches.

    Returns one row per image; 4-D outputs (no pooling in ``base``) are average-pooled,
    so the result is always (n_images, n_features). With ``pool=False`` the outputs are
    kept as they are (e.g. the feature maps of a lower part of a network, lesson 04).
    """
    chunks = []
    starts = range(0, len(images), batch_size)
    for start in bar(starts, desc=f"features from {base.name}", unit="batch", show=progress):
        batch = np.asarray(images[start : start + batch_size], np.float32)
        batch = preprocess(batch) if preprocess is not None else batch
        if start == 0 and preprocess is None:
            warn_if_unscaled(batch)
        out = base.predict_on_batch(batch)  # compiled graph: far less memory than an eager call
        if not pool:
            chunks.append(np.asarray(out))
            continue
        if out.ndim == 4:
            out = out.mean(axis=(1, 2))
        chunks.append(out.reshape(len(batch), -1))
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def classifier_head(
    n_features: int, n_classes: int, hidden: int | None = None, dropout: float = 0.0, name: str = "head"
) -> keras.Sequential:
    """A small dense classifier for feature vectors: [Dropout] [Dense(hidden, relu)] Dense(n_classes, softmax)."""
    layers = [keras.Input((n_features,))]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="relu"))
    layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    return keras.Sequential(layers, name=name)


def compile_classifier(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    """Adam + sparse categorical cross-entropy + accuracy: the course's default for classifiers."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def fit_head(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    val_features: np.ndarray | None = None,
    val_labels: np.ndarray | None = None,
    *,
    epochs: int = 30,
    hidden: int | None = None,
    dropout: float = 0.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    class_weight: dict[int, float] | None = None,
    verbose: int = 0,
    progress: bool = False,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Train :func:`classifier_head` on cached features; returns ``(head, history)``.

    ``class_weight`` ({class index: weight}) scales each example's loss by its class's weight.
    ``progress`` shows a bar over the epochs (worth it from a few thousand examples on).
    """
    n_classes = int(max(train_labels.max(), (val_labels.max() if val_labels is not None else 0))) + 1
    head = compile_classifier(classifier_head(train_features.shape[1], n_classes, hidden, dropout), learning_rate)
    validation = (val_features, val_labels) if val_features is not None else None
    history = head.fit(
        train_features, train_labels, validation_data=validation, epochs=epochs, batch_size=batch_size,
        class_weight=class_weight, verbose=verbose,
        callbacks=[epoch_bar(epochs, "training the head")] if progress else [],
    )
    return head, history


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int = 64) -> float:
    """Fraction of ``x`` that ``model`` classifies as ``y``."""
    predictions = np.argmax(model.predict(x, batch_size=batch_size, verbose=0), axis=-1)
    return float(np.mean(predictions == np.asarray(y)))


# -- lessons 02 and 04: end-to-end models, a from-scratch baseline, a fit helper ----------------

#: Keras layers that do what ``tlcourse.zoo``'s preprocess functions do, inside a model.
_PREPROCESSING_MODES = ("tf", "torch", "raw")


def preprocessing_layer(mode: str = "tf") -> keras.layers.Layer:
    """A layer that maps 0..255 pixels the way a model family expects (``zoo.info(name).preprocessing``).

    ``"tf"``: [-1, 1] (MobileNet(V2), EfficientNet-Lite, Inception); ``"torch"``: ImageNet mean/std;
    ``"raw"``: unchanged (models that rescale inside). Putting it inside the model means the saved
    model takes plain pixels, and nobody can forget to preprocess.
    """
    from .zoo.preprocess import IMAGENET_MEAN, IMAGENET_STD

    if mode == "tf":
        return keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")
    if mode == "torch":
        mean, std = IMAGENET_MEAN * 255.0, IMAGENET_STD * 255.0
        return keras.layers.Normalization(mean=list(mean), variance=list(std**2), name="imagenet_mean_std")
    if mode == "raw":
        return keras.layers.Identity(name="raw_pixels")
    raise ValueError(
        f"no preprocessing layer for mode {mode!r}; use one of {_PREPROCESSING_MODES}, or preprocess outside "
        "the model with zoo.preprocess_for(name) (e.g. for 'caffe' models: ResNet50, VGG)"
    )


def augmentation(
    flip: bool = True, rotation: float = 0.1, zoom: float = 0.1, seed: int | None = None
) -> keras.Sequential:
    """Random flips, rotations (fraction of a full turn) and zooms, active only while training.

    Each epoch then sees slightly different versions of every photo, which fights over-fitting on
    small data sets. At prediction time (``training=False``) these layers do nothing.
    """
    layers = []
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, fill_mode="reflect", seed=seed))
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, fill_mode="reflect", seed=seed))
    if not layers:
        raise ValueError("augmentation() with nothing to do: enable flip, rotation or zoom, or pass augment=None")
    return keras.Sequential(layers, name="augmentation")


def _output_is_vector(base: keras.Model) -> bool:
    return len(base.output.shape) == 2


@keras.saving.register_keras_serializable(package="tlcourse")
class InferenceMode(keras.layers.Layer):
    """Runs the wrapped model in inference mode always, even inside ``fit``.

    Keras's guides write ``base(x, training=False)`` while building a functional model, so that
    BatchNormalization keeps its ImageNet statistics during fine-tuning. Keras 3 releases up to
    3.15 drop that flag when ``fit`` calls the outer model with ``training=True`` (fixed upstream
    by keras-team/keras PR #23364), so the flag alone is not enough on every installation. This
    wrapper passes ``training=False`` itself at every call, on every Keras version. The wrapped
    model's weights still train when they are trainable; only BatchNorm (and Dropout) modes change.
    """

    def __init__(self, inner: keras.layers.Layer, **kwargs):
        kwargs.setdefault("name", f"{inner.name}_inference_mode")
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, inputs):
        return self.inner(inputs, training=False)

    def compute_output_shape(self, input_shape):
        return self.inner.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "inner": keras.saving.serialize_keras_object(self.inner)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["inner"] = keras.saving.deserialize_keras_object(config["inner"])
        return cls(**config)


def end_to_end(
    base: keras.Model,
    head: keras.Model | None = None,
    *,
    n_classes: int = 2,
    augment: bool | keras.Layer | None = True,
    preprocessing: str | None = "tf",
    base_training: bool | None = False,
    dropout: float = 0.2,
    name: str = "end_to_end",
) -> keras.Model:
    """pixels (0..255) -> [augmentation] -> preprocessing -> ``base`` -> [pooling] -> ``head``.

    ``base_training=False`` runs the base in inference mode (through :class:`InferenceMode`, which
    works on every Keras 3 version): its BatchNormalization layers keep using their ImageNet
    statistics even when they are unfrozen for fine-tuning (lesson 04). ``base_training=None`` is
    what ``base(x)`` does without the argument: BN follows ``fit`` (batch statistics while
    training, moving statistics updated) - shown in lesson 04 as the thing to avoid.

    ``preprocessing=None`` adds no preprocessing layer: for a ``base`` that is the upper part of a
    network (:func:`split_base`), fed with cached activations rather than pixels.

    ``head`` may be a classifier trained on cached features (:func:`fit_head`); it is reused, weights
    and all. Without it a ``Dropout`` + ``Dense(n_classes, softmax)`` head is made. The model is not
    compiled: call :func:`compile_classifier` (again after any change of ``trainable``).
    """
    inputs = keras.Input(base.input_shape[1:], name="pixels" if preprocessing else "inputs")
    x = inputs
    if augment is True:
        x = augmentation()(x)
    elif augment:
        x = augment(x)
    if preprocessing:
        x = preprocessing_layer(preprocessing)(x)
    x = InferenceMode(base)(x) if base_training is False else base(x, training=base_training)
    if not _output_is_vector(base):
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    if head is None:
        head = classifier_head(int(x.shape[-1]), n_classes, dropout=dropout)
    elif head.input_shape[-1] != x.shape[-1]:
        raise ValueError(
            f"the head takes {head.input_shape[-1]} features but the base gives {x.shape[-1]}: train the head on "
            "features of this very base (same model, pooling='avg')"
        )
    return keras.Model(inputs, head(x), name=name)


def split_base(base: keras.Model, top_blocks: int) -> tuple[keras.Model, keras.Model]:
    """Cut ``base`` into ``(bottom, top)`` where ``top`` holds its last ``top_blocks`` blocks.

    ``top(bottom(x))`` computes exactly ``base(x)``, and both share ``base``'s layers (freezing
    or training one changes the other). Used for fine-tuning on a CPU: while the bottom stays
    frozen, in inference mode and without augmentation, its output never changes, so it can be
    computed once (``extract_features(bottom, ..., pool=False)``) and only the top trained.
    Blocks are those of :func:`tlcourse.freeze.blocks`.
    """
    from .freeze import blocks

    groups = list(blocks(base).items())
    if not 1 <= top_blocks < len(groups):
        raise ValueError(f"top_blocks must be between 1 and {len(groups) - 1} for {base.name}, got {top_blocks}")
    first = groups[len(groups) - top_blocks][1][0]
    boundary = first.input
    if isinstance(boundary, (list, tuple)):
        raise ValueError(
            f"block {groups[len(groups) - top_blocks][0]!r} starts with a layer that takes several inputs "
            f"({first.name}): cut at another block"
        )
    try:
        top = keras.Model(boundary, base.output, name=f"{base.name}_top{top_blocks}")
    except ValueError as err:
        raise ValueError(
            f"cannot cut {base.name} before block {groups[len(groups) - top_blocks][0]!r}: a connection skips "
            f"over the cut ({str(err).splitlines()[0][:150]}). Try one block more or less."
        ) from None
    bottom = keras.Model(base.inputs, boundary, name=f"{base.name}_bottom")
    return bottom, top


def shrink(images: np.ndarray, side: int, batch_size: int = 256) -> np.ndarray:
    """Square uint8 images resized down to ``side`` pixels (antialiased), done once in batches.

    Training a CNN from scratch on small copies is several times faster than resizing inside
    the model at every epoch.
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"expected a batch of images (n, height, width, channels), got shape {images.shape}")
    if side > min(images.shape[1:3]):
        raise ValueError(f"shrink makes images smaller; {side} is larger than {images.shape[1:3]}")
    out = [tf.image.resize(images[i : i + batch_size], (side, side), antialias=True).numpy()
           for i in range(0, len(images), batch_size)]
    return np.clip(np.rint(np.concatenate(out)), 0, 255).astype(np.uint8)


def baseline_cnn(
    input_shape: tuple[int, int, int] = (64, 64, 3),
    n_classes: int = 2,
    filters: tuple[int, ...] = (16, 32, 64),
    dropout: float = 0.3,
    augment: bool = True,
    resize_to: int | None = None,
    learning_rate: float = 1e-3,
    name: str = "from_scratch",
) -> keras.Model:
    """A small CNN with random weights: the baseline that transfer learning has to beat.

    0..255 pixels -> [resize] -> [flip] -> /255 -> (Conv 3x3 + ReLU + MaxPool) per entry of
    ``filters`` -> global average pooling -> Dropout -> Dense softmax. A few tens of thousands of
    parameters, sized for small images on a CPU; ``resize_to`` shrinks larger inputs first (a
    64-pixel CNN trains about six times faster than a 160-pixel one). Compiled with
    :func:`compile_classifier`.
    """
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    side = resize_to or min(input_shape[:2])
    if side < 2 ** len(filters):
        raise ValueError(
            f"{len(filters)} pooling stages need images of at least {2 ** len(filters)} pixels, got {side}: "
            "use fewer filters or larger images"
        )
    inputs = keras.Input(input_shape, name="pixels")
    x = inputs
    if resize_to:
        x = keras.layers.Resizing(resize_to, resize_to, antialias=True, name=f"to_{resize_to}px")(x)
    x = keras.layers.RandomFlip("horizontal")(x) if augment else x
    x = keras.layers.Rescaling(1 / 255.0)(x)
    for i, n in enumerate(filters):
        x = keras.layers.Conv2D(n, 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = keras.layers.MaxPooling2D(name=f"pool{i + 1}")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="classes")(x)
    return compile_classifier(keras.Model(inputs, outputs, name=name), learning_rate)


def repeats_for(n_examples: int, batch_size: int, epochs: int, min_steps: int = 0) -> int:
    """How many copies of a small training set one epoch must hold for ``min_steps`` updates in all.

    With 10 images an epoch is a single update; the same number of epochs as for 1,000 images
    would hardly train. Comparing data sizes fairly means giving small sets more updates:
    :func:`fit` repeats the (shuffled) set within each epoch, which is far cheaper in Keras than
    running more, one-step epochs.
    """
    if n_examples < 1 or batch_size < 1 or epochs < 1:
        raise ValueError("n_examples, batch_size and epochs must be at least 1")
    steps_needed = -(-min_steps // epochs)  # per epoch
    copies = -(-steps_needed * batch_size // n_examples)
    return max(1, copies)


def fit(
    model: keras.Model,
    x,
    y=None,
    validation_data=None,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    min_steps: int = 0,
    initial_epoch: int = 0,
    progress: bool = False,
    desc: str | None = None,
) -> keras.callbacks.History:
    """``model.fit`` quietly (``verbose=0``), with an optional per-epoch progress bar; returns the History.

    ``epochs`` counts the epochs of this call (``initial_epoch`` only shifts their numbering, so
    two phases can share one set of learning curves). ``min_steps`` guarantees that many updates
    on tiny data sets by repeating the examples within each epoch (see :func:`repeats_for`).
    The model must be compiled.
    """
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise RuntimeError(
            f"model {model.name!r} is not compiled: call tlcourse.train.compile_classifier(model, learning_rate) "
            "(or model.compile(...)) before fit"
        )
    if min_steps and y is not None:
        copies = repeats_for(len(y), batch_size, epochs, min_steps)
        if copies > 1:
            x, y = np.concatenate([x] * copies), np.concatenate([y] * copies)
    callbacks = [epoch_bar(epochs, desc or f"training {model.name}")] if progress else []
    return model.fit(
        x, y, validation_data=validation_data, epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
        batch_size=batch_size, verbose=0, callbacks=callbacks,
    )


def subset_per_class(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` examples of every class, drawn at random but repeatably (sorted).

    Subsets are nested: with the same seed, the 10-per-class subset contains the 5-per-class one.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if per_class > len(members):
            raise ValueError(
                f"asked for {per_class} examples of class {c} but there are only {len(members)}: "
                "load more data or ask for fewer"
            )
        picked.append(members[rng.permutation(len(members))[:per_class]])
    return np.sort(np.concatenate(picked))


def accuracy_vs_labels(
    make_model: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    sizes: list[int],
    *,
    epochs: int = 20,
    min_steps: int = 0,
    batch_size: int = 32,
    seed: int = 0,
    progress: bool = True,
    desc: str = "labelled images per class",
) -> dict[int, float]:
    """Validation accuracy of a fresh ``make_model()`` trained on ``n`` examples per class, for each ``n``.

    ``x`` can be cached features (then ``make_model`` builds a head) or images (then it builds a
    whole CNN): the data is prepared once, only the training is repeated. Seeds are reset
    before each model, so the result does not depend on the order of ``sizes``.
    """
    scores = {}
    for n in bar(sorted(sizes), desc=desc, show=progress):
        keras.utils.set_random_seed(seed)
        idx = subset_per_class(y, n, seed)
        model = make_model()
        fit(model, x[idx], y[idx], epochs=epochs, min_steps=min_steps, batch_size=batch_size)
        scores[n] = accuracy(model, x_val, y_val)
    return scores


class Stopwatch:
    """``with Stopwatch() as clock: ...`` then ``clock.seconds``: wall time of the block."""

    def __enter__(self) -> Stopwatch:
        import time

        self._start = time.perf_counter()
        self.seconds = float("nan")
        return self

    def __exit__(self, *exc) -> None:
        import time

        self.seconds = time.perf_counter() - self._start


# -- lesson 04: which weights did training change? -------------------------------------------------


def snapshot(model: keras.layers.Layer) -> dict[str, np.ndarray]:
    """A copy of every weight of ``model`` (trainable or not), keyed by its unique path."""
    return {w.path: np.array(w.numpy(), copy=True) for w in model.weights}


class Changed(NamedTuple):
    """How many weight tensors (and the parameters in them) differ from a snapshot."""

    tensors: int
    params: int
    of_tensors: int
    of_params: int

    def __str__(self) -> str:
        return (f"{self.tensors} of {self.of_tensors} weight tensors changed "
                f"({self.params:,} of {self.of_params:,} parameters)")


def restore(model: keras.layers.Layer, before: dict[str, np.ndarray]) -> keras.layers.Layer:
    """Put back the weights saved by :func:`snapshot` (to start two experiments from the same point)."""
    missing = [w.path for w in model.weights if w.path not in before]
    if missing:
        raise KeyError(f"the snapshot has no weight {missing[0]!r}: take snapshot(model) of this same model first")
    for w in model.weights:
        w.assign(before[w.path])
    return model


_WHICH = {
    "all": lambda m: m.weights,
    "trainable": lambda m: m.trainable_weights,
    "non_trainable": lambda m: m.non_trainable_weights,
}


def count_changed(before: dict[str, np.ndarray], model: keras.layers.Layer, which: str = "all",
                  atol: float = 0.0) -> Changed:
    """Compare ``model``'s weights with :func:`snapshot` output: which ones did training move?

    ``which="non_trainable"`` looks only at weights that gradient descent does not touch (frozen
    layers, BatchNorm's moving statistics): if any of them changed, something other than the
    optimizer moved them.
    """
    if which not in _WHICH:
        raise ValueError(f"which must be one of {list(_WHICH)}, not {which!r}")
    weights = _WHICH[which](model)
    missing = [w.path for w in weights if w.path not in before]
    if missing:
        raise KeyError(f"the snapshot has no weight {missing[0]!r}: take snapshot(model) of this same model first")
    tensors = params = total = 0
    for w in weights:
        size = int(np.prod(w.shape))
        total += size
        if not np.allclose(before[w.path], w.numpy(), rtol=0.0, atol=atol):
            tensors += 1
            params += size
    return Changed(tensors, params, len(weights), total)


# -- lesson 01: looking inside ------------------------------------------------------------------------


def layer_outputs(model: keras.Model, images: np.ndarray, layer_names: list[str]) -> dict[str, np.ndarray]:
    """What the named layers of ``model`` output for ``images`` (already preprocessed), by name."""
    known = [layer.name for layer in model.layers]
    for layer_name in layer_names:
        if layer_name not in known:
            close = [k for k in known if layer_name.split("_")[0] in k][:5]
            raise KeyError(f"{model.name} has no layer {layer_name!r}; some of its layers: {close or known[:5]}")
    probe = keras.Model(model.inputs, [model.get_layer(n).output for n in layer_names])
    outputs = probe.predict_on_batch(np.asarray(images, np.float32))
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {n: np.asarray(o) for n, o in zip(layer_names, outputs)}


def channel_selectivity(maps: np.ndarray) -> np.ndarray:
    """For each channel, the share of its mean response that goes to its favourite image.

    ``maps`` is (n_images, height, width, channels). A channel that responds equally to all
    n images scores 1/n (generic: edges, colours); one that fires for a single image scores
    close to 1 (specific: a cat's face). Channels silent on every image score 0.
    """
    maps = np.asarray(maps, np.float64)
    if maps.ndim != 4 or len(maps) < 2:
        raise ValueError(f"expected (n_images >= 2, height, width, channels) feature maps, got shape {maps.shape}")
    means = np.abs(maps).mean(axis=(1, 2))
    total = means.sum(axis=0)
    return np.divide(means.max(axis=0), total, out=np.zeros_like(total), where=total > 0)


def favourite_channel(maps: np.ndarray, image: int) -> int:
    """The channel that responds most to image number ``image`` compared with the other images."""
    maps = np.asarray(maps, np.float64)
    if not 0 <= image < len(maps):
        raise IndexError(f"image must be between 0 and {len(maps) - 1}, got {image}")
    means = np.abs(maps).mean(axis=(1, 2))
    others = np.delete(means, image, axis=0).max(axis=0)
    score = (means[image] - others) / (means.max(axis=0) + 1e-12)
    return int(np.argmax(score))


def standardize(fit_on: np.ndarray, *apply_to: np.ndarray, axis=None) -> list[np.ndarray]:
    """Scale features to zero mean and unit variance per channel, with statistics from ``fit_on`` only.

    Use it when comparing feature sets of very different scales (a random network's activations
    can be a million times smaller than a trained one's), so a head sees both on equal terms.
    ``axis`` defaults to every axis but the last (the channels).
    """
    axis = tuple(range(fit_on.ndim - 1)) if axis is None else axis
    mean = fit_on.mean(axis=axis, keepdims=True)
    std = fit_on.std(axis=axis, keepdims=True) + 1e-12
    return [(x - mean) / std for x in (fit_on, *apply_to)]


# -- lesson 03: what freezing costs and saves ---------------------------------------------------


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch in ``self.seconds`` (the first one includes building
    the training graph, so compare the later ones)."""

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        import time

        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        import time

        self.seconds.append(time.perf_counter() - self._start)


def fit_timed(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    epochs: int = 6,
    batch_size: int = 8,
    learning_rate: float = 1e-3,
    seed: int = 0,
    restore: bool = True,
    progress: bool = True,
) -> dict:
    """Compile ``model`` as it is frozen now, train it for ``epochs`` and time each epoch.

    Returns ``trainable`` (parameters), ``first_epoch_s`` (includes building the graph),
    ``epoch_s`` (mean of the later epochs), ``train_accuracy`` (last epoch) and
    ``val_accuracy``. With ``restore`` the weights are put back afterwards, so several
    freezing choices can be compared from the same starting point.
    """
    from .freeze import param_counts

    if epochs < 2:
        raise ValueError(f"epochs must be at least 2 (the first epoch also builds the graph), got {epochs}")
    if len(x) != len(y) or len(x_val) != len(y_val):
        raise ValueError(f"images and labels differ in number: {len(x)} vs {len(y)}, {len(x_val)} vs {len(y_val)}")
    saved = [w.copy() for w in model.get_weights()] if restore else None
    keras.utils.set_random_seed(seed)
    compile_classifier(model, learning_rate)
    timer = EpochTimer()
    bars = [epoch_bar(epochs, f"training ({param_counts(model).trainable:,} trainable)")] if progress else []
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer, *bars])
    result = {
        "trainable": param_counts(model).trainable,
        "first_epoch_s": timer.seconds[0],
        "epoch_s": float(np.mean(timer.seconds[1:])),
        "train_accuracy": float(history.history["accuracy"][-1]),
        "val_accuracy": accuracy(model, x_val, y_val),
    }
    if saved is not None:
        model.set_weights(saved)
    return result
