"""A base inside a trainable model: preprocessing and augmentation layers, inference mode, splitting a base."""
from __future__ import annotations

import keras

from .heads import classifier_head

_PREPROCESSING_MODES = ("tf", "torch", "raw")


def preprocessing_layer(mode: str = "tf") -> keras.layers.Layer:
    """A layer that maps 0..255 pixels the way a model family expects (``zoo.info(name).preprocessing``).

    ``"tf"``: [-1, 1] (MobileNet(V2), EfficientNet-Lite, Inception); ``"torch"``: ImageNet mean/std;
    ``"raw"``: unchanged (models that rescale inside). Putting it inside the model means the saved
    model takes plain pixels, and nobody can forget to preprocess.
    """
    from ..zoo.preprocess import IMAGENET_MEAN, IMAGENET_STD

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
    3.15 drop that flag when ``fit`` calls the outer model with ``training=True`` (reported in
    keras-team/keras issue #20285, fixed upstream by PR #23364, not yet released; pinned by
    ``tests/test_keras_facts.py::test_fit_overrides_training_false_written_in_a_functional_model``),
    so the flag alone is not enough on every installation. This wrapper passes ``training=False``
    itself at every call, on every Keras version. The wrapped model's weights still train when they
    are trainable; only BatchNorm (and Dropout) modes change.
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
    training, moving statistics updated) - shown in lesson 04 as the thing to avoid. (In Keras up
    to 3.15, ``base(x, training=False)`` behaves the same inside ``fit``: see :class:`InferenceMode`.)

    ``preprocessing=None`` adds no preprocessing layer: for a ``base`` that is the upper part of a
    network (the upper part from :func:`split_base`), fed with cached activations rather than pixels.

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


def split_base(base: keras.Model, upper_blocks: int) -> tuple[keras.Model, keras.Model]:
    """Cut ``base`` into ``(lower, upper)`` where ``upper`` holds its last ``upper_blocks`` blocks.

    ``upper(lower(x))`` computes exactly ``base(x)``, and both share ``base``'s layers (freezing
    or training one changes the other). Used for fine-tuning on a CPU: while the lower part stays
    frozen, in inference mode and without augmentation, its output never changes, so it can be
    computed once (``extract_features(lower, ..., pool=False)``) and only the upper part trained.
    Blocks are those of :func:`tlcourse.freeze.blocks`. (The course keeps the word *top* for the
    ImageNet classifier that ``include_top=False`` removes, so the parts are *lower* and *upper*.)
    """
    from ..freeze import blocks

    groups = list(blocks(base).items())
    if not 1 <= upper_blocks < len(groups):
        raise ValueError(f"upper_blocks must be between 1 and {len(groups) - 1} for {base.name}, got {upper_blocks}")
    first = groups[len(groups) - upper_blocks][1][0]
    boundary = first.input
    if isinstance(boundary, (list, tuple)):
        raise ValueError(
            f"block {groups[len(groups) - upper_blocks][0]!r} starts with a layer that takes several inputs "
            f"({first.name}): cut at another block"
        )
    try:
        upper = keras.Model(boundary, base.output, name=f"{base.name}_upper{upper_blocks}")
    except ValueError as err:
        raise ValueError(
            f"cannot cut {base.name} before block {groups[len(groups) - upper_blocks][0]!r}: a connection skips "
            f"over the cut ({str(err).splitlines()[0][:150]}). Try one block more or less."
        ) from None
    lower = keras.Model(base.inputs, boundary, name=f"{base.name}_lower")
    return lower, upper
