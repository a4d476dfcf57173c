"""Interactive widgets for the lessons, one module per widget on a small shared base.

- :class:`FreezePanel` (lesson 03, :mod:`.freeze_panel`): freeze blocks by hand, watch the counts.
- :class:`PhotoClassifier` (lesson 01, :mod:`.photo`): your own photo (or a sample) as the model sees
  it, its top-5 labels and its feature maps at the block you pick.
- :class:`LabelsBudget` (lesson 02, :mod:`.labels_budget`): labelled photos per class -> a head refit on
  cached features, its accuracy and the validation photos it gets wrong.
- :class:`LiveCurves` (lesson 04, :mod:`.live_curves`): learning curves drawn while ``fit`` runs.
- :class:`SizeExplorer` (lesson 05, :mod:`.size_explorer`): a photo shrunk to the side you pick, its top-5.
- :class:`TradeoffExplorer` (lesson 06, :mod:`.tradeoffs`): two axes of the measured table, the Pareto front.
- :class:`ImbalanceExplorer` and :class:`BoxThresholds` (lesson 07, :mod:`.imbalance`, :mod:`.boxes`):
  imbalance ratio and class weights -> confusion matrix; score and IoU thresholds -> boxes drawn.

:mod:`.base` holds what they share (:class:`CourseWidget`): the root CSS class ``tlc-widget``, a text
form and a static picture for readers without a kernel, and errors shown as messages, not tracebacks.
Widgets are built on the library's modules, never the reverse.
"""
from __future__ import annotations

from .base import CourseWidget, WidgetInputError
from .boxes import BoxThresholds  # lesson 07
from .freeze_panel import FreezePanel
from .imbalance import ImbalanceExplorer  # lesson 07
from .labels_budget import LabelsBudget  # lesson 02
from .live_curves import LiveCurves  # lesson 04
from .photo import PhotoClassifier, read_photo
from .size_explorer import SizeExplorer  # lesson 05
from .tradeoffs import TradeoffExplorer  # lesson 06

__all__ = ["CourseWidget", "FreezePanel", "PhotoClassifier", "WidgetInputError", "read_photo"]
__all__ += ["BoxThresholds", "ImbalanceExplorer", "LabelsBudget"]  # lessons 07 and 02
__all__ += ["LiveCurves", "SizeExplorer"]  # lessons 04 and 05
__all__ += ["TradeoffExplorer"]  # lesson 06
