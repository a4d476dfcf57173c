"""Interactive widgets for the lessons, one module per widget on a small shared base.

- :class:`FreezePanel` (lesson 03, :mod:`.freeze_panel`): freeze blocks by hand, watch the counts.
- :class:`PhotoClassifier` (lesson 01, :mod:`.photo`): your own photo (or a sample) as the model sees
  it, its top-5 labels and its feature maps at the block you pick.

:mod:`.base` holds what they share (:class:`CourseWidget`): the root CSS class ``tlc-widget``, a text
form and a static picture for readers without a kernel, and errors shown as messages, not tracebacks.
Widgets are built on the library's modules, never the reverse.
"""
from __future__ import annotations

from .base import CourseWidget, WidgetInputError
from .freeze_panel import FreezePanel
from .photo import PhotoClassifier, read_photo

__all__ = ["CourseWidget", "FreezePanel", "PhotoClassifier", "WidgetInputError", "read_photo"]
