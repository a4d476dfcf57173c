"""Lesson 03, freezing: the wrong answers its checks recognise."""
from __future__ import annotations

from functools import cached_property

import numpy as np

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

    # -- lesson 03: MobileNetV2 (alpha 0.35, 32 px) inside a classifier, as in the lesson
    @cached_property
    def classifier(self):
        import keras

        base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
        inputs = keras.Input((32, 32, 3))
        x = keras.layers.GlobalAveragePooling2D(name="pool")(base(inputs, training=False))
        x = keras.layers.Dropout(0.2, name="dropout")(x)
        return keras.Model(inputs, keras.layers.Dense(2, name="classifier")(x)), base

    @property
    def model3(self):
        return self.classifier[0]

    @property
    def base3(self):
        return self.classifier[1]

    def l3(self, *, start: str = "unfreeze", top: int | None = None, base_top: int | None = None,
           base_layers: int | None = None, bn: str | None = None, extra: str | None = None,
           head: bool = True):
        """The lesson 3 classifier after the student's freeze calls, in this order: freeze or unfreeze
        everything; BatchNorm of base frozen "before"; the last N blocks of the model (``top``, counting
        pool/dropout/classifier as blocks), of base (``base_top``: the FreezePanel's slider), or the last
        N layers of base; BatchNorm of base frozen "after"; one ``extra`` block unfrozen; the new
        classifier layer frozen (``head=False``)."""
        import keras

        from tlcourse import freeze as F

        model, base = self.classifier
        (F.unfreeze if start == "unfreeze" else F.freeze)(model)
        if bn == "before":
            F.freeze_by_type(base, keras.layers.BatchNormalization)
        if top is not None:
            F.unfreeze_last(model, top, count="blocks")
        if base_top is not None:
            F.unfreeze_last(base, base_top, count="blocks")
        if base_layers is not None:
            F.unfreeze_last(base, base_layers)
        if bn == "after":
            F.freeze_by_type(base, keras.layers.BatchNormalization)
        if extra:
            F.set_blocks_trainable(model, [extra], True)
        if not head:
            F.set_blocks_trainable(model, ["classifier"], False)
        return model

    def l3_by_hand(self, bn: bool = False):
        """Section 2's trap: ``base.trainable = False``, then the layers of block_16 and last_conv switched
        back on one by one (their BatchNorm layers too when ``bn``): the classifier counts what
        exercise 2 asks while base's own view says nothing trains."""
        import keras

        from tlcourse import freeze as F

        model, base = self.classifier
        F.unfreeze(model)
        base.trainable = False
        for layer in base.layers:
            if layer.name.startswith("block_16_") or layer.name in ("Conv_1", "Conv_1_bn", "out_relu"):
                layer.trainable = bn or not isinstance(layer, keras.layers.BatchNormalization)
        return model

    def _k(self, **state) -> int:
        from tlcourse import freeze as F

        with F.preserved(self.model3):
            return F.param_counts(self.l3(**state)).trainable

    @cached_property
    def k1(self) -> int:  # exercise 1: the slider at 4 (the last 4 blocks of base)
        return self._k(base_top=4)

    @cached_property
    def k2(self) -> int:  # exercise 2: the classifier and base's last two blocks, BatchNorm frozen
        return self._k(base_top=2, bn="after")

    def params3(self, name: str) -> int:
        model, base = self.classifier
        return (model if name == "classifier" else base).get_layer(name).count_params()



CASES = [
    C("03", "exactly_trainable", "ex. 1: the slider at 4", lambda w: a(w.l3(base_top=4), w.k1), OK),
    C("03", "exactly_trainable", "ex. 1: unfreeze_last(model, 7, count='blocks')", lambda w: a(w.l3(top=7), w.k1), OK),
    C("03", "exactly_trainable", "ex. 2: base's last 2 blocks, then BatchNorm frozen", lambda w: a(w.l3(base_top=2, bn="after"), w.k2), OK),
    C("03", "exactly_trainable", "ex. 2 with freeze_by_type on the whole model", lambda w: a(w.l3(top=5, bn="after"), w.k2), OK),
    C("03", "exactly_trainable", "...", lambda w: a(..., w.k1), TODO),
    C("03", "exactly_trainable", "None (answer = model.summary())", lambda w: a(None, w.k1), TODO),
    C("03", "exactly_trainable", "123, a number", lambda w: a(123, w.k1), "the model itself"),
    C("03", "exactly_trainable", "everything frozen", lambda w: a(w.l3(start="freeze"), w.k1), "everything is frozen"),
    C("03", "exactly_trainable", "everything trainable", lambda w: a(w.l3(), w.k1), "everything trains"),
    C("03", "exactly_trainable", "ex. 1: the slider at 2", lambda w: a(w.l3(base_top=2), w.k1), "the last 2 blocks of the base"),
    C("03", "exactly_trainable", "ex. 1: the slider at 0", lambda w: a(w.l3(base_top=0), w.k1), "no block of the base"),
    C("03", "exactly_trainable", "ex. 1: the slider at 6", lambda w: a(w.l3(base_top=6), w.k1), "move the slider left"),
    C("03", "exactly_trainable", "ex. 1: the slider at 4 after 'freeze all'", lambda w: a(w.l3(base_top=4, head=False), w.k1), "(classifier): they must train too"),
    C("03", "exactly_trainable", "ex. 1: right blocks, BatchNorm frozen too", lambda w: a(w.l3(base_top=4, bn="after"), w.k1), "you froze their BatchNormalization"),
    C("03", "exactly_trainable", "ex. 1: one block too many (block_10)", lambda w: a(w.l3(base_top=4, extra="block_10"), w.k1), "exactly block 'block_10'"),
    C("03", "exactly_trainable", "ex. 2: BatchNorm left trainable", lambda w: a(w.l3(base_top=2), w.k2), "BatchNormalization layers train too"),
    C("03", "exactly_trainable", "ex. 2: BatchNorm frozen before unfreezing", lambda w: a(w.l3(bn="before", base_top=2), w.k2), "after unfreezing"),
    C("03", "exactly_trainable", "ex. 2: top 2 layers (count='layers')", lambda w: a(w.l3(base_layers=2, bn="after"), w.k2), "count='blocks'"),
    C("03", "exactly_trainable", "ex. 2: freeze.freeze(model) first", lambda w: a(w.l3(start="freeze", base_top=2, bn="after"), w.k2), "model.trainable is False"),
    C("03", "exactly_trainable", "ex. 2: layers switched on one by one in a frozen base (section 2)", lambda w: a(w.l3_by_hand(), w.k2), "switched on one by one"),
    C("03", "exactly_trainable", "ex. 2: the same, BatchNorm switched on too", lambda w: a(w.l3_by_hand(bn=True), w.k2), "switched on one by one"),
    C("03", "exactly_trainable", "ex. 2: the last 3 blocks, BatchNorm frozen", lambda w: a(w.l3(base_top=3, bn="after"), w.k2), "the last 3 blocks of the base"),
    C("03", "exactly_trainable", "ex. 2: answer = base", lambda w: a((w.l3(base_top=2, bn="after"), w.base3)[1], w.k2), "is it `base`"),
    C("03", "exactly_trainable", "a count no block choice gives (7 off)", lambda w: a(w.l3(base_top=4), w.k1 - 7), "7 too many"),
    C("03", "head_parameters", "164,355", lambda w: a(164_355), OK),
    C("03", "head_parameters", "'164,355', a string", lambda w: a("164,355"), OK),
    C("03", "head_parameters", "164355.0, a float", lambda w: a(164355.0), OK),
    C("03", "head_parameters", "...", lambda w: a(...), TODO),
    C("03", "head_parameters", "no biases at all", lambda w: a(1280 * 128 + 128 * 3), "one bias per output unit"),
    C("03", "head_parameters", "hidden layer's biases forgotten", lambda w: a(1280 * 128 + 128 * 3 + 3), "hidden layer has biases too"),
    C("03", "head_parameters", "output layer's biases forgotten", lambda w: a(1280 * 128 + 128 + 128 * 3), "output layer has biases too"),
    C("03", "head_parameters", "the hidden layer alone", lambda w: a(163_968), "hidden layer alone"),
    C("03", "head_parameters", "the output layer alone", lambda w: a(387), "output layer alone"),
    C("03", "head_parameters", "one Dense(3) on the features", lambda w: a(3_843), "single Dense"),
    C("03", "head_parameters", "2048 features (ResNet50's)", lambda w: a(2048 * 128 + 128 + 387), "ResNet50"),
    C("03", "head_parameters", "1280 x 128 only", lambda w: a(1280 * 128), "count the biases"),
    C("03", "head_parameters", "1280 x 128 x 3", lambda w: a(1280 * 128 * 3), "stacked, not multiplied"),
    C("03", "head_parameters", "the frozen base counted too", lambda w: a(3_400_000 + 164_355), "counts the base too"),
    C("03", "head_parameters", "'lots'", lambda w: a("lots"), "whole number"),
    C("03", "head_parameters", "True", lambda w: a(True), "whole number"),
    C("03", "head_parameters", "1, a guess", lambda w: a(1), "inputs x units + units"),
    C("03", "batchnorm_parameters", "(192, 192)", lambda w: a((192, 192)), OK),
    C("03", "batchnorm_parameters", "np.array([192, 192])", lambda w: a(np.array([192, 192])), OK),
    C("03", "batchnorm_parameters", "...", lambda w: a(...), TODO),
    C("03", "batchnorm_parameters", "(192, ...), half filled", lambda w: a((192, ...)), TODO),
    C("03", "batchnorm_parameters", "(384, 0): all four trainable", lambda w: a((384, 0)), "never trainable"),
    C("03", "batchnorm_parameters", "(0, 384): as if frozen", lambda w: a((0, 384)), "frozen layer"),
    C("03", "batchnorm_parameters", "(96, 96): one vector each", lambda w: a((96, 96)), "one value per channel"),
    C("03", "batchnorm_parameters", "(192, 0): statistics not counted", lambda w: a((192, 0)), "non-trainable column"),
    C("03", "batchnorm_parameters", "(288, 96): right total, wrong split", lambda w: a((288, 96)), "two of the four vectors"),
    C("03", "batchnorm_parameters", "(100, 100): a guess", lambda w: a((100, 100)), "384 numbers"),
    C("03", "batchnorm_parameters", "384, the total", lambda w: a(384), "all four vectors together"),
    C("03", "batchnorm_parameters", "192, one number", lambda w: a(192), "one number is not enough"),
    C("03", "batchnorm_parameters", "(192.5, 191.5): not whole", lambda w: a((192.5, 191.5)), "whole numbers"),
    C("03", "inner_layer_unfrozen", "Conv_1 + the classifier", lambda w: a(w.params3("Conv_1") + w.params3("classifier"), w.model3, w.base3), OK),
    C("03", "inner_layer_unfrozen", "the same as a string with commas", lambda w: a(f"{w.params3('Conv_1') + w.params3('classifier'):,}", w.model3, w.base3), OK),
    C("03", "inner_layer_unfrozen", "...", lambda w: a(..., w.model3, w.base3), TODO),
    C("03", "inner_layer_unfrozen", "the classifier only (base looks frozen)", lambda w: a(w.params3("classifier"), w.model3, w.base3), "only from base's own view"),
    C("03", "inner_layer_unfrozen", "0", lambda w: a(0, w.model3, w.base3), "not inside base"),
    C("03", "inner_layer_unfrozen", "Conv_1 alone", lambda w: a(w.params3("Conv_1"), w.model3, w.base3), "add the classifier"),
    C("03", "inner_layer_unfrozen", "every parameter of the model", lambda w: a(w.model3.count_params(), w.model3, w.base3), "froze every layer of base"),
    C("03", "inner_layer_unfrozen", "Conv_1 + Conv_1_bn + the classifier",
      lambda w: a(w.params3("Conv_1") + w.params3("Conv_1_bn") + w.params3("classifier"), w.model3, w.base3), "Conv_1_bn, the layer after it"),
    C("03", "inner_layer_unfrozen", "'lots'", lambda w: a("lots", w.model3, w.base3), "whole number"),
    C("03", "inner_layer_unfrozen", "one more than right",
      lambda w: a(w.params3("Conv_1") + w.params3("classifier") + 1, w.model3, w.base3), "classifier's own trainable layers plus"),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "head_parameters": ["164,355", "164355"],
    "batchnorm_parameters": ["(192, 192)"],
}
