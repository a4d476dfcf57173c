"""Keras behaviours that lesson 04 (fine-tuning) states, one small test each.

Each docstring names the lesson section that relies on the behaviour; each failure message says which
prose to revise when a Keras upgrade changes it. (To be merged into ``tests/test_keras_facts.py``.)
"""
from __future__ import annotations

import logging
import warnings

import keras
import numpy as np


def _data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs far from mean 0 / variance 1, so that a BatchNorm layer in training mode moves its statistics."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 4)) * 3 + 5).astype("float32"), np.arange(n) % 2


def _classifier(base_call) -> tuple[keras.layers.BatchNormalization, keras.Model]:
    """A compiled classifier whose base (one trainable BatchNorm layer) is called by ``base_call(base, inputs)``."""
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(name="bn")], name="base")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(base_call(base, inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    return base.get_layer("bn"), model


def _statistics(bn: keras.layers.BatchNormalization) -> list[np.ndarray]:
    return [bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()]


def _moved(before: list[np.ndarray], bn: keras.layers.BatchNormalization) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(before, _statistics(bn)))


def test_fit_overrides_training_false_written_in_a_functional_model():
    """Lesson 04 §6: in Keras <= 3.15, ``base(x, training=False)`` written while building a functional model
    does NOT keep the base's (unfrozen) BatchNorm layers in inference mode once ``fit`` calls the outer model
    with training=True: their moving statistics change. Reported in keras-team/keras issue #20285; fixed
    upstream by keras-team/keras PR #23364, in no release yet (Keras 3.15.1 here)."""
    bn, model = _classifier(lambda base, x: base(x, training=False))
    before = _statistics(bn)
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    assert _moved(before, bn), (
        f"Keras {keras.__version__} now honours training=False written while building a functional model "
        "(keras-team/keras PR #23364 released?). Revise lesson 04 §6 ('Keras 3 releases up to 3.15 drop a "
        "training=False...'), the docstrings of tlcourse.train.InferenceMode and end_to_end, and lesson 03 §2."
    )


def test_inference_mode_wrapper_keeps_batchnorm_statistics_during_fit():
    """Lesson 04 §6: ``tlcourse.train.InferenceMode`` passes training=False at every call, so an unfrozen
    BatchNorm layer inside keeps its moving statistics during ``fit``, while its scale and offset still train."""
    from tlcourse.train import InferenceMode

    bn, model = _classifier(lambda base, x: InferenceMode(base)(x))
    before, gamma = _statistics(bn), bn.gamma.numpy().copy()
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    assert not _moved(before, bn), (
        "BatchNorm statistics moved under tlcourse.train.InferenceMode: revise InferenceMode and lesson 04 §6 "
        "('during phase 2 no non-trainable weight changed')."
    )
    assert not np.array_equal(gamma, bn.gamma.numpy()), "InferenceMode stopped the BN scale from training: lesson 04 §6"


def test_frozen_batchnorm_runs_in_inference_mode_even_inside_fit():
    """Lesson 04 §3, §6 and exercise 3: a BatchNorm layer with ``trainable = False`` normalises with its moving
    statistics and leaves them unchanged even when called with training=True, as ``fit`` does."""
    bn, model = _classifier(lambda base, x: base(x))
    bn.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    x, y = _data()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(x, training=True)), keras.ops.convert_to_numpy(model(x, training=False)),
        err_msg="a frozen BatchNorm layer now normalises with batch statistics in training mode: revise lesson 04 "
                "§3 (the cached lower blocks), §6 ('a frozen BN layer always uses its moving averages') and ex. 3",
    )
    before = _statistics(bn)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert not _moved(before, bn), "a frozen BatchNorm layer updated its statistics during fit: lesson 04 §3, §6, ex. 3"


def _two_layers() -> tuple[keras.layers.Dense, keras.Model]:
    keras.utils.set_random_seed(0)
    inner = keras.layers.Dense(3, name="inner")
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2, activation="softmax")])
    return inner, model


def _compile(model: keras.Model) -> None:
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")


def _kernel_moves(inner: keras.layers.Dense, model: keras.Model) -> bool:
    before = inner.kernel.numpy().copy()
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    return not np.array_equal(before, inner.kernel.numpy())


def test_the_trainable_set_is_fixed_at_the_first_fit_after_compile():
    """Lesson 04 §5, §7 and exercise 2: ``fit`` updates the weights that were trainable when it built its
    training step, at its first call after ``compile()``. A change of ``trainable`` made after compile but before
    that first fit counts; one made after a fit counts only after another ``compile()``, freezing as unfreezing."""
    revise = "revise lesson 04 §5 and §7, exercise 2 (checks.freeze_without_compile) and lesson 03 §6"
    inner, model = _two_layers()
    _compile(model)
    inner.trainable = False  # after compile, before the first fit: honoured
    assert not _kernel_moves(inner, model), f"a change made before the first fit was ignored: {revise}"
    inner.trainable = True  # after a fit, no compile: ignored
    assert [w.path for w in model.trainable_weights][:1] == [inner.kernel.path], "trainable_weights lag behind"
    assert not _kernel_moves(inner, model), f"an unfreezing now reaches fit without compile(): {revise}"
    _compile(model)
    assert _kernel_moves(inner, model), f"compile() no longer makes an unfrozen layer train: {revise}"
    inner.trainable = False  # freezing after a fit, no compile: the layer keeps training
    assert _kernel_moves(inner, model), f"a freezing now reaches fit without compile(): {revise}"


def test_no_warning_when_fit_runs_with_a_stale_trainable_set(caplog):
    """Lesson 04 §7 (and lesson 03): Keras says nothing when ``fit`` runs after a change of ``trainable`` without
    ``compile()``: no Python warning, no log record (the FreezePanel is what warns)."""
    inner, model = _two_layers()
    inner.trainable = False
    _compile(model)
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)  # the same batches as below: no new trace
    inner.trainable = True
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        moved = _kernel_moves(inner, model)
    said = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    about = [s for s in said if "trainable" in s.lower() or "compile" in s.lower()]
    assert not moved
    assert not about, f"Keras now warns about the stale trainable set ({about[0][:120]}): revise lesson 04 §7, lesson 03"


def test_new_batch_shapes_rebuild_the_training_step():
    """Lesson 04 §7: TensorFlow builds the training step again when a later ``fit`` brings batches of a shape it
    has not traced (here 16 rows after only 32-row batches). The new step reads the new list of trainable weights:
    after an unfreezing without ``compile()`` the optimizer, built for the old list, stops with "Unknown variable";
    after a freezing the change is honoured. Once two batch sizes are traced, any size reuses the step."""
    revise = "revise the parenthesis on new batch shapes in lesson 04 §7"
    inner, model = _two_layers()
    inner.trainable = False
    _compile(model)
    model.fit(*_data(), epochs=1, batch_size=32, verbose=0)  # one batch shape traced: 32 rows
    inner.trainable = True
    try:
        model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
        raised = ""
    except ValueError as err:
        raised = str(err)
    assert "Unknown variable" in raised, f"a new batch shape after an unfreezing no longer fails ({raised[:80]!r}): {revise}"

    inner, model = _two_layers()
    _compile(model)
    x, y = _data()
    model.fit(x[:40], y[:40], epochs=1, batch_size=32, verbose=0)  # 32 and 8 rows: a shape-free step
    inner.trainable = False
    assert _kernel_moves(inner, model), f"a later fit with another batch size rebuilt the step: {revise}"


def test_compiling_again_keeps_the_weights_and_compile_classifier_starts_a_new_optimizer():
    """Lesson 04 §5, §7: ``compile()`` does not touch the weights. ``train.compile_classifier`` gives the model a
    new Adam optimizer, whose state (step count, moving averages of the gradients) starts from zero; passing the
    same optimizer object to ``compile()`` again would keep its state."""
    from tlcourse.train import compile_classifier

    inner, model = _two_layers()
    compile_classifier(model, learning_rate=1e-3)
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    old, weights = model.optimizer, [w.numpy().copy() for w in model.weights]
    assert int(old.iterations.numpy()) == 4
    compile_classifier(model, learning_rate=1e-4)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(weights, model.weights)), (
        "compile() changed the weights: revise lesson 04 §7 ('Compiling again does not touch the weights')"
    )
    assert model.optimizer is not old and int(model.optimizer.iterations.numpy()) == 0, "lesson 04 §5 ('a fresh optimizer')"
    model.compile(optimizer=old, loss="sparse_categorical_crossentropy")
    assert int(model.optimizer.iterations.numpy()) == 4, "the same optimizer object now restarts: lesson 04 §7"


def test_adams_first_step_moves_each_weight_by_about_the_learning_rate():
    """Lesson 04 §5: Adam's first step moves a weight by ``lr * g / (|g| + epsilon / sqrt(1 - beta_2))``: about
    the learning rate, whatever the size of the gradient ``g``, unless ``|g|`` is below about 1e-5 (Keras's
    epsilon 1e-7 / sqrt(0.001) = 3.2e-6)."""
    opt = keras.optimizers.Adam(1e-4)
    gradients = np.array([1e-8, 1e-6, 1e-5, 1e-4, 1e-2, 1.0, 1e3, -1e3, -1e-4], "float32")
    weights = keras.Variable(np.zeros_like(gradients))
    opt.apply_gradients([(gradients, weights)])
    step = -weights.numpy() / 1e-4
    floor = opt.epsilon / np.sqrt(1 - opt.beta_2)
    np.testing.assert_allclose(step, gradients / (np.abs(gradients) + floor), rtol=1e-4,
                               err_msg="Adam's first step changed: revise lesson 04 §5 (the dip)")
    large = np.abs(gradients) >= 1e-4
    assert np.all(np.abs(np.abs(step[large]) - 1) < 0.04), "lesson 04 §5: 'about the learning rate whatever its gradient'"
    assert abs(step[0]) < 0.01, "lesson 04 §5: a gradient far below epsilon hardly moves the weight"
