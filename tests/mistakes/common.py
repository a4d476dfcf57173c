"""What every lesson's table of cases shares: the Case row, the markers OK and TODO, small helpers."""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

OK = "✅ accepted"
TODO = "⏳ not answered yet"


class Case(NamedTuple):
    lesson: str  # "01".."07"; "-" for the generic helper
    check: str  # the function's name in tlcourse.checks
    answer: str  # what the student gave, in words
    build: Callable  # World -> (args, kwargs) for the check
    expect: str | Callable  # OK, TODO, a fragment of the hint, or World -> one of those


def a(*args, **kwargs):
    """The arguments of one check call: ``a(answer, model)`` reads like the call itself."""
    return args, kwargs



def _history():
    import keras

    history = keras.callbacks.History()
    history.history = {"accuracy": [0.5, 0.95]}
    return history


def _torch(x):
    from tlcourse.zoo.preprocess import preprocess_torch

    return preprocess_torch(x)


def _adam():
    import keras

    return keras.optimizers.Adam(1e-4)


def _keras_preprocess():
    import keras

    return keras.applications.mobilenet_v2.preprocess_input


def _undefined_name(x):
    return undefined_name  # noqa: F821  (the student's typo)


C = Case
