"""EfficientNet-Lite as a Keras model (Keras ships EfficientNet, not its Lite variant).

EfficientNet-Lite (Google, 2020) is EfficientNet re-tuned for phones and
microcontrollers: no squeeze-and-excitation blocks, ReLU6 instead of swish
(both quantize badly), and a stem and head that stay the same size when the
model is scaled up. Layer names follow ``keras.applications.EfficientNetB0``
(``block2a_expand_conv``, ``top_bn``...), so block-wise freezing works alike.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import keras
from keras import layers


@dataclass(frozen=True)
class Stage:
    repeats: int
    kernel: int
    stride: int
    expand: int
    filters_in: int
    filters_out: int


#: The seven stages shared by EfficientNet-B0 and Lite0 (before width/depth scaling).
BASE_STAGES = (
    Stage(1, 3, 1, 1, 32, 16),
    Stage(2, 3, 2, 6, 16, 24),
    Stage(2, 5, 2, 6, 24, 40),
    Stage(3, 3, 2, 6, 40, 80),
    Stage(3, 5, 1, 6, 80, 112),
    Stage(4, 5, 2, 6, 112, 192),
    Stage(1, 3, 1, 6, 192, 320),
)

#: name -> (width multiplier, depth multiplier, input side, dropout), from the tensorflow/tpu Lite README.
VARIANTS = {
    "EfficientNetLite0": (1.0, 1.0, 224, 0.2),
    "EfficientNetLite1": (1.0, 1.1, 240, 0.2),
    "EfficientNetLite2": (1.1, 1.2, 260, 0.3),
    "EfficientNetLite3": (1.2, 1.4, 280, 0.3),
    "EfficientNetLite4": (1.4, 1.8, 300, 0.3),
}

STEM_FILTERS, HEAD_FILTERS = 32, 1280
BN_EPSILON, BN_MOMENTUM = 1e-3, 0.99


def round_filters(filters: int, width: float, divisor: int = 8) -> int:
    """Scale a channel count by ``width`` and round to a multiple of ``divisor`` (as the paper does)."""
    filters *= width
    new = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new < 0.9 * filters:  # never round down by more than 10 %
        new += divisor
    return int(new)


def scaled_stages(width: float, depth: float) -> list[Stage]:
    """The stages after scaling; Lite keeps the first and last stage's repeats fixed."""
    out = []
    last = len(BASE_STAGES) - 1
    for i, s in enumerate(BASE_STAGES):
        repeats = s.repeats if i in (0, last) else int(math.ceil(depth * s.repeats))
        out.append(
            Stage(repeats, s.kernel, s.stride, s.expand, round_filters(s.filters_in, width), round_filters(s.filters_out, width))
        )
    return out


def _bn(name: str) -> layers.BatchNormalization:
    return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=name)


def _block(x, stage: Stage, filters_in: int, stride: int, prefix: str, drop_rate: float):
    """One mobile inverted bottleneck: expand 1x1 -> depthwise kxk -> project 1x1, residual if shapes allow."""
    inputs = x
    expanded = filters_in * stage.expand
    if stage.expand != 1:
        x = layers.Conv2D(expanded, 1, padding="same", use_bias=False, name=prefix + "expand_conv")(x)
        x = _bn(prefix + "expand_bn")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_activation")(x)
    x = layers.DepthwiseConv2D(stage.kernel, strides=stride, padding="same", use_bias=False, name=prefix + "dwconv")(x)
    x = _bn(prefix + "bn")(x)
    x = layers.ReLU(6.0, name=prefix + "activation")(x)
    x = layers.Conv2D(stage.filters_out, 1, padding="same", use_bias=False, name=prefix + "project_conv")(x)
    x = _bn(prefix + "project_bn")(x)
    if stride == 1 and filters_in == stage.filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=prefix + "drop")(x)
        x = layers.add([x, inputs], name=prefix + "add")
    return x


def EfficientNetLite(
    variant: str = "EfficientNetLite0",
    include_top: bool = True,
    input_shape: tuple[int, int, int] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    drop_connect_rate: float = 0.2,
) -> keras.Model:
    """Build an EfficientNet-Lite variant (random weights; see ``tlcourse.zoo.load`` for ImageNet ones).

    Inputs are expected in [-1, 1] (``(pixels - 127.5) / 127.5``), like MobileNetV2.
    """
    if variant not in VARIANTS:
        raise KeyError(f"unknown EfficientNet-Lite variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    width, depth, side, dropout = VARIANTS[variant]
    if input_shape is None:
        input_shape = (side, side, 3)
    if include_top and tuple(input_shape[:2]) != (side, side):
        raise ValueError(
            f"{variant} with include_top=True needs input_shape=({side}, {side}, 3): the classifier was trained "
            "on that size. Use include_top=False for other sizes."
        )
    inputs = keras.Input(shape=input_shape, name="input_layer")
    x = layers.Conv2D(STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = _bn("stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_activation")(x)

    stages = scaled_stages(width, depth)
    total_blocks = sum(s.repeats for s in stages)
    block_index = 0
    filters_in = STEM_FILTERS
    for stage_number, stage in enumerate(stages, start=1):
        for r in range(stage.repeats):
            prefix = f"block{stage_number}{chr(ord('a') + r)}_"
            stride = stage.stride if r == 0 else 1
            x = _block(x, stage, filters_in, stride, prefix, drop_connect_rate * block_index / total_blocks)
            filters_in = stage.filters_out
            block_index += 1

    x = layers.Conv2D(HEAD_FILTERS, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = _bn("top_bn")(x)
    x = layers.ReLU(6.0, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(dropout, name="top_dropout")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return keras.Model(inputs, x, name=variant.lower().replace("efficientnetlite", "efficientnet_lite"))
