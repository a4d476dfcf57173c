"""Exercise checks: each returns :class:`Feedback` that says "correct" or gives a specific hint.

The core (``Feedback``, reading answers, the multiple-choice helper) is in :mod:`.core`; each
lesson's checks are in their own module (``lesson01`` ... ``lesson07``). Lessons call them as
``checks.name(...)``, so every check is re-exported here.

``tests/test_checks_mistakes.py`` holds the table of the wrong answers each check recognises.
"""
from .core import (  # noqa: F401  (re-exported; the private readers are tested in tests/test_checks.py)
    Feedback,
    _as_int,
    _as_int_tuple,
    _number,
    choice,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)
from .lesson01 import *  # noqa: F401,F403
from .lesson02 import *  # noqa: F401,F403
from .lesson03 import *  # noqa: F401,F403
from .lesson04 import *  # noqa: F401,F403
from .lesson04 import _keras_applies_trainable_without_compile  # noqa: F401  (used by the tests)
from .lesson05 import *  # noqa: F401,F403
from .lesson06 import *  # noqa: F401,F403
from .lesson07 import *  # noqa: F401,F403
