"""Exercise checks: each returns :class:`Feedback` that says "correct" or gives a specific hint.

A check never just says "no": it recognises the usual wrong answers and explains what
they mean. In a notebook the feedback shows as a coloured line; ``bool(feedback)`` tells
whether the answer was right (tests use that).

Student notebooks leave answers as ``...`` (Ellipsis); every check answers that with
"not answered yet" rather than an error, so an untouched notebook still runs.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str
    answered: bool = True

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "✅ Correct" if self.correct else ("⏳ Not answered yet" if not self.answered else "❌ Not yet")
        return f"{mark}: {self.message}" if self.message else mark

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        colour = "green" if self.correct else ("gray" if not self.answered else "firebrick")
        return f'<span style="color:{colour}">{self}</span>'


def correct(message: str = "") -> Feedback:
    return Feedback(True, message)


def wrong(hint: str) -> Feedback:
    return Feedback(False, hint)


def unanswered(what: str = "replace the ... with your answer and run the cell again") -> Feedback:
    return Feedback(False, what, answered=False)


def is_unanswered(answer) -> bool:
    """True for the ``...`` placeholder (or None) that student notebooks start with."""
    return answer is Ellipsis or answer is None


# -- lessons 01, 02, 04: pretrained models, feature extraction, fine-tuning ----------------------

def _as_int_tuple(answer, n: int) -> tuple[int, ...] | None:
    """``answer`` as a tuple of ``n`` ints, or None when it is not shaped like that."""
    try:
        values = tuple(answer)
    except TypeError:
        return None
    if len(values) != n:
        return None
    try:
        return tuple(int(v) for v in values if v is not None and float(v) == int(v))
    except (TypeError, ValueError):
        return None


def _is_number(answer) -> bool:
    import numbers

    return isinstance(answer, numbers.Real) and not isinstance(answer, bool)


def first_layer_params(answer, model) -> Feedback:
    """Lesson 01: trainable and non-trainable parameters of MobileNetV2's ``Conv1`` + ``bn_Conv1``."""
    if is_unanswered(answer):
        return unanswered()
    from .freeze import param_counts

    conv, bn = model.get_layer("Conv1"), model.get_layer("bn_Conv1")
    kernel = param_counts(conv).total
    channels = int(bn.gamma.shape[0])
    right = (kernel + 2 * channels, 2 * channels)
    pair = _as_int_tuple(answer, 2)
    if pair is None or len(pair) != 2:
        return wrong("answer with a pair of whole numbers: (trainable, non_trainable)")
    if pair == right:
        return correct(f"{kernel} kernel weights + {channels} gammas + {channels} betas train; the "
                       f"{channels} moving means and {channels} moving variances do not.")
    if pair == right[::-1]:
        return wrong("you swapped the two numbers: trainable first, then non-trainable")
    if sum(pair) != sum(right):
        if pair[1] == right[1] and pair[0] == right[0] + channels:
            return wrong(f"Conv1 has no bias (use_bias=False): right after it, BatchNorm's beta does that job")
        if pair[0] == kernel:
            return wrong("the kernel is right, but BatchNorm's gamma (scale) and beta (shift) are learned too: "
                         "count them as trainable")
        return wrong(f"the two layers hold {sum(right)} parameters in all: a 3x3 kernel over 3 input channels for "
                     f"each of {channels} filters, plus 4 numbers per channel in BatchNorm. Recount with "
                     "model.get_layer('Conv1').weights and model.get_layer('bn_Conv1').weights")
    if pair[1] == 0:
        return wrong("the moving mean and variance are not learned by gradient descent: they are running averages "
                     "updated during training, so Keras counts them as non-trainable")
    if pair[1] == 4 * channels:
        return wrong("gamma and beta are learned by backpropagation like any weight: only the moving mean and "
                     "moving variance are non-trainable")
    return wrong("the total is right but not the split: which of BatchNorm's four numbers per channel does "
                 "backpropagation change?")


def bn_channels(answer, model) -> Feedback:
    """Lesson 01: how many BatchNormalization channels (all layers together) ``model`` has."""
    if is_unanswered(answer):
        return unanswered()
    import keras

    from .freeze import layers_of, param_counts

    right = sum(int(layer.gamma.shape[0]) for layer in layers_of(model)
                if isinstance(layer, keras.layers.BatchNormalization))
    non_trainable = param_counts(model).non_trainable
    if not _is_number(answer):
        return wrong("answer with one whole number")
    if answer == right:
        return correct(f"{non_trainable:,} non-trainable parameters / 2 statistics per channel = {right:,} channels.")
    if answer == non_trainable:
        return wrong("that is the number of non-trainable parameters; each BatchNorm channel holds two of them "
                     "(moving mean and moving variance)")
    if answer * 4 == non_trainable:
        return wrong("you divided by 4, as if all four BatchNorm numbers per channel were non-trainable; "
                     "gamma and beta are trainable, so only 2 per channel count here")
    if answer == 2 * non_trainable:
        return wrong("multiply or divide? Each channel contributes 2 non-trainable parameters")
    return wrong("start from the non-trainable count that param_counts prints: every one of them is a moving "
                 "mean or a moving variance, one of each per channel")


def scale_function(answer) -> Feedback:
    """Lesson 01: a function mapping 0..255 pixels to [-1, 1], like MobileNetV2's preprocess."""
    if is_unanswered(answer):
        return unanswered()
    import numpy as np

    if not callable(answer):
        return wrong("answer with a function, e.g. def to_model_range(pixels): return ...")
    probe = np.array([[[0.0, 127.5, 255.0]]], np.float32)
    try:
        result = answer(probe.copy())
        if is_unanswered(result):
            return unanswered("replace the ... after return with your formula and run the cell again")
        out = np.asarray(result, np.float64).reshape(-1)
    except Exception as err:  # show the student's own error
        return wrong(f"calling your function on an array raised {type(err).__name__}: {err}")
    if out.shape != (3,):
        return wrong(f"the function must keep the shape of its input; it turned 3 values into {out.size}")
    if np.allclose(out, [-1, 0, 1], atol=1e-4):
        return correct("0 -> -1, 127.5 -> 0, 255 -> 1: exactly what zoo.preprocess_for('MobileNetV2') does.")
    if np.allclose(out, [0, 0.5, 1], atol=1e-4):
        return wrong("that gives [0, 1]. MobileNetV2 was trained on [-1, 1]: stretch to twice the range, then "
                     "shift down by 1")
    if np.allclose(out, [0, 1, 2], atol=1e-4):
        return wrong("the range is [0, 2]: subtract 1 after dividing by 127.5")
    if np.allclose(out, [-127.5, 0, 127.5], atol=1e-3):
        return wrong("centred, but still 255 wide: divide by 127.5 as well")
    if np.allclose(out, [-0.5, 0, 0.5], atol=1e-4):
        return wrong("the range is [-0.5, 0.5]: multiply by 2")
    if np.allclose(out, [0, 127.5, 255], atol=0.05):
        return wrong("the pixels come out (almost) unchanged. If you wrote x - 1 / 127.5: Python divides first, "
                     "so write x / 127.5 - 1")
    if out[0] < -1.5 and out[2] > 1.5:
        return wrong("this looks like the ImageNet mean/std normalisation (PyTorch, DenseNet): MobileNetV2 here "
                     "wants plain [-1, 1]")
    return wrong(f"0, 127.5 and 255 became {np.round(out, 3).tolist()}; they should become -1, 0 and 1")


def base_output_shape(answer, model) -> Feedback:
    """Lesson 01: the output shape of a convolutional base built with include_top=False and no pooling."""
    if is_unanswered(answer):
        return unanswered()
    right = tuple(int(v) for v in model.output_shape[1:])
    side = int(model.input_shape[1])
    try:
        values = tuple(v for v in answer if v is not None)
    except TypeError:
        return wrong(f"answer with a shape, a tuple like {tuple('?' for _ in right)}")
    if values == right:
        return correct(f"{side} / 32 = {right[0]}: five stride-2 stages shrink every side 32 times, and each of "
                       f"the {right[0]}x{right[1]} positions is described by {right[2]} features.")
    if values == (right[2],):
        return wrong("that is the shape with pooling='avg', which averages the grid away; without pooling the "
                     "spatial grid is still there")
    if values == (1000,):
        return wrong("include_top=False removes the 1000-class classifier: what is left ends with the last "
                     "convolution")
    if len(values) == 3 and values[2] == right[2] and values[0] == values[1] and values[0] != right[0]:
        if values[0] == 7:
            return wrong(f"7x7 is for 224-pixel inputs; this base takes {side} pixels")
        return wrong(f"the network shrinks each side by 32 in total (five stride-2 stages): {side} / 32 = ?")
    if len(values) == 3 and values[:2] == right[:2]:
        return wrong("the grid is right; count the channels of the last layer (out_relu)")
    return wrong("print(base.output_shape) after building the base, or work it out: side / 32, then channels")


def choice(answer, options: dict, right: str, explain: str, hints: dict[str, str]) -> Feedback:
    """A multiple-choice check: ``answer`` is one of ``options``' keys; each wrong option has its hint."""
    if is_unanswered(answer):
        return unanswered()
    key = str(answer).strip().lower()
    if key not in options:
        return wrong(f"answer with one of {', '.join(repr(k) for k in options)}")
    if key == right:
        return correct(explain)
    return wrong(hints.get(key, "not this one: reread the section and try again"))


# lesson 02 ---------------------------------------------------------------------------------------

def feature_sizes(answer, side: int = 160, channels: int = 1280) -> Feedback:
    """Lesson 02: numbers cached per image (no pooling, with pooling) for a MobileNetV2 base at ``side``."""
    if is_unanswered(answer):
        return unanswered()
    grid = side // 32
    right = (grid * grid * channels, channels)
    pair = _as_int_tuple(answer, 2)
    if pair is None or len(pair) != 2:
        return wrong("answer with two whole numbers: (without pooling, with pooling)")
    if pair == right:
        return correct(f"{grid}x{grid}x{channels} = {right[0]:,} numbers without pooling, {channels:,} with: "
                       f"pooling divides the cache by {grid * grid}.")
    if pair == right[::-1]:
        return wrong("swapped: pooling makes the cache smaller, so the first number is the larger one")
    if pair[1] != channels:
        return wrong(f"global average pooling keeps one number per channel; the base has {channels} channels")
    if pair[0] == 7 * 7 * channels:
        return wrong(f"7x7 is the grid for 224-pixel images; here they are {side} pixels")
    if pair[0] == grid * channels:
        return wrong(f"the grid is {grid} by {grid}: multiply both sides")
    return wrong(f"without pooling the base outputs a grid of side {side} / 32 with {channels} channels at each point")


def smallest_size(answer, scores: dict[int, float], target: float = 0.9) -> Feedback:
    """Lesson 02: the fewest labelled images per class (among those tried) that reach ``target`` accuracy."""
    if is_unanswered(answer):
        return unanswered()
    reaching = sorted(n for n, acc in scores.items() if acc >= target)
    if not reaching:
        return wrong(f"none of the sizes reached {target}: check that you passed the right scores")
    right = reaching[0]
    if not _is_number(answer):
        return wrong("answer with a number of images per class, one of " + ", ".join(str(n) for n in sorted(scores)))
    if 0 < answer < 1:
        return wrong("that looks like an accuracy; the question asks for the number of images per class")
    if answer == right:
        return correct(f"{right} per class already gives {scores[right]:.3f}.")
    if answer == 2 * right:
        return wrong(f"per class, not in total: {answer} is both classes together")
    if answer in scores and scores[answer] < target:
        return wrong(f"with {answer} per class the accuracy is {scores[answer]:.3f}, still below {target}")
    if answer in scores:
        return wrong(f"{answer} per class reaches {target}, but a smaller size does too: look at the whole row")
    return wrong("pick one of the sizes tried: " + ", ".join(str(n) for n in sorted(scores)))


def trained_head(answer, val_features, val_labels, target: float = 0.9) -> Feedback:
    """Lesson 02: a head trained on cached features that scores at least ``target`` on the validation features."""
    if is_unanswered(answer):
        return unanswered()
    import numpy as np

    if not hasattr(answer, "predict"):
        return wrong("answer with the trained Keras model (the head), not its history or its accuracy")
    n_features, n_classes = val_features.shape[1], int(np.max(val_labels)) + 1
    if tuple(answer.input_shape[1:]) != (n_features,):
        return wrong(f"the head must take the {n_features} cached features of one image; it takes "
                     f"{answer.input_shape[1:]}")
    if answer.output_shape[-1] != n_classes:
        if answer.output_shape[-1] == 1:
            return wrong("one output unit with softmax always says 1.0: use one unit per class "
                         f"({n_classes}) with softmax")
        return wrong(f"the head must output one probability per class ({n_classes}), not {answer.output_shape[-1]}")
    predictions = np.argmax(answer.predict(val_features, verbose=0), axis=-1)
    score = float(np.mean(predictions == np.asarray(val_labels)))
    if score >= target:
        return correct(f"validation accuracy {score:.3f}.")
    if score <= 0.6:
        return wrong(f"validation accuracy {score:.3f}, about chance: was the head trained (fit_head returns "
                     "(head, history))? Were the labels in the same order as the features?")
    return wrong(f"validation accuracy {score:.3f} < {target}: train on more images per class or for more epochs")


# lesson 04 ---------------------------------------------------------------------------------------

def fine_tune_rate(answer, head_rate: float = 1e-3) -> Feedback:
    """Lesson 04: the learning rate for phase 2, about ten times lower than phase 1's ``head_rate``."""
    if is_unanswered(answer):
        return unanswered()
    if not _is_number(answer) or answer <= 0:
        return wrong("answer with a positive number, such as 1e-3")
    ratio = head_rate / answer
    if 5 <= ratio <= 20:
        return correct(f"{answer:g} is {ratio:.0f} times lower: small steps that adjust the pretrained weights "
                       "without erasing them.")
    if ratio < 1:
        return wrong("higher than phase 1: big steps on weights that are already good wipe out what ImageNet "
                     "taught them, and the freshly unfrozen layers start from scratch in effect")
    if ratio < 5:
        return wrong("about the same as phase 1: the unfrozen pretrained weights get updates as large as a new "
                     "head's, which is too much for weights that are already good")
    if ratio > 200:
        return wrong("so small that a few epochs hardly change anything: about ten times lower than phase 1 "
                     "is the usual choice")
    return wrong("that is lower, but a hundred times less than phase 1 barely moves the weights in a few epochs: "
                 "aim for about ten times lower")


def _keras_applies_trainable_without_compile(freeze_after_fit: bool) -> bool:
    """Run the experiment on a tiny model: does a ``trainable`` change reach ``fit`` without ``compile()``?"""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    inner = keras.layers.Dense(3, name="inner")
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2, activation="softmax")])
    inner.trainable = freeze_after_fit
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).normal(size=(8, 4)).astype("float32"), np.arange(8) % 2
    model.fit(x, y, epochs=1, verbose=0)
    inner.trainable = not freeze_after_fit  # the change, without compile()
    before = inner.kernel.numpy().copy()
    model.fit(x, y, epochs=1, verbose=0)
    moved = not np.array_equal(before, inner.kernel.numpy())
    return moved != freeze_after_fit  # True when Keras honoured the change


def freeze_without_compile(answer) -> Feedback:
    """Lesson 04: after fine-tuning, the base is frozen again *without* ``compile()``: what does ``fit`` do?

    Options: ``"none"`` (no base weight changes), ``"still"`` (the unfrozen ones keep changing),
    ``"all"`` (every base weight changes). The check runs the experiment on a tiny model to know
    which is true in the installed Keras.
    """
    options = {"none": "", "still": "", "all": ""}
    if is_unanswered(answer):
        return unanswered()
    honoured = _keras_applies_trainable_without_compile(freeze_after_fit=True)
    right = "none" if honoured else "still"
    explain = ("fit reuses the training step it compiled while those weights were trainable, so it keeps "
               "updating them: freezing, like unfreezing, needs compile() to take effect."
               if right == "still" else "this Keras applies the change without compile(); still, compile() after "
               "every change is the habit that works on every version.")
    hints = {
        "none": "that is what freezing should do, but fit is still running the training step it compiled "
                "earlier, with the old list of trainable weights. Try it: snapshot, fit, count_changed",
        "still": "this Keras takes the change into account without compile(): the frozen weights stay put",
        "all": "fit never updates more weights than it was compiled with: the lower blocks were frozen when "
               "you compiled",
    }
    return choice(answer, options, right, explain, hints)


def frozen_batchnorm(answer, n_blocks: int = 3) -> Feedback:
    """Lesson 04: a base whose top ``n_blocks`` blocks train, except every BatchNormalization layer."""
    if is_unanswered(answer):
        return unanswered()
    import keras

    from .freeze import blocks, layers_of, param_counts

    if not isinstance(answer, keras.Model):
        return wrong("answer with the base model itself (after changing its layers' trainable flags)")
    if param_counts(answer).trainable == 0:
        return wrong(f"nothing in the base is trainable: unfreeze its top {n_blocks} blocks first "
                     f"(freeze.unfreeze_top(base, {n_blocks}, count='blocks'))")
    groups = list(blocks(answer).items())
    top = {id(layer) for _, members in groups[-n_blocks:] for layer in members}
    bn = [layer for layer in layers_of(answer) if isinstance(layer, keras.layers.BatchNormalization)]
    weighted = [layer for layer in layers_of(answer) if layer.weights and layer not in bn]
    trainable_bn = [layer.name for layer in bn if layer.trainable]
    unfrozen = [layer for layer in weighted if layer.trainable]
    frozen_top = [layer.name for layer in weighted if id(layer) in top and not layer.trainable]
    unfrozen_low = [layer.name for layer in unfrozen if id(layer) not in top]
    if unfrozen_low:
        n_unfrozen = sum(any(layer.trainable for layer in members if layer.weights and layer not in bn)
                         for _, members in groups)
        return wrong(f"{n_unfrozen} blocks have trainable layers (e.g. {unfrozen_low[0]}), the exercise asks for the "
                     f"top {n_blocks}: count='blocks' counts whole blocks")
    if frozen_top:
        if len(unfrozen) < 2 * n_blocks:
            return wrong(f"only {len(unfrozen)} layers with weights train: unfreeze_top counts layers by default; "
                         "pass count='blocks'")
        return wrong(f"some layers of the top {n_blocks} blocks are still frozen (e.g. {frozen_top[0]})")
    if trainable_bn:
        return wrong(f"{len(trainable_bn)} BatchNormalization layers are trainable (e.g. {trainable_bn[0]}): freeze "
                     "them after unfreezing, with freeze.freeze_by_type(base, keras.layers.BatchNormalization); "
                     "unfreeze_top sets every layer, so the order matters")
    return correct(f"{param_counts(answer).trainable:,} parameters train; every BatchNorm layer is frozen, and a "
                   "frozen BatchNorm layer always normalises with its ImageNet statistics, whatever fit says.")


def no_augmentation_in_way_a(answer) -> Feedback:
    """Lesson 02: why cached features (way A) rule out data augmentation (multiple choice a/b/c)."""
    return choice(
        answer, {"a": "", "b": "", "c": ""}, right="a",
        explain="augmenting means new pixels every epoch, hence new features: they would have to be extracted "
                "again, which is exactly what way B does.",
        hints={"b": "augmentation runs on a CPU too: way B in this lesson ran it on yours",
               "c": "even a small classifier overfits less when its inputs vary; the obstacle is elsewhere: when are "
                    "the features computed?"},
    )
