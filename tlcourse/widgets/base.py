"""What every course widget shares: CSS classes, a text form, a static picture, no tracebacks.

A widget of the course is an ipywidgets box that also inherits :class:`CourseWidget`, which gives it

- the CSS class ``tlc-widget`` on its root element, plus its own (``tlc-freeze-panel``, ``tlc-photo``...),
  so a browser test (or a student's stylesheet) finds every course widget the same way;
- a meaningful ``text/plain`` form (:meth:`CourseWidget.text`, also its ``repr``) and a static picture
  of its state (:meth:`CourseWidget.snapshot`, a matplotlib Figure) put next to the live view in its
  display bundle as ``image/png``: a notebook read without a kernel, or a page where the widget
  renderer cannot load, still shows what the widget showed;
- :meth:`CourseWidget.guarded`, which turns an exception raised while answering a control into a clear
  message in the widget's message line (class ``tlc-message``) instead of a traceback.

Every control is driven from code through the same public method its browser callback calls (a
slider's callback calls ``widget.set_size(n)``...), which is how the unit tests and nbval use them.
"""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from typing import Any, ClassVar

import ipywidgets as widgets

ROOT_CLASS = "tlc-widget"
MESSAGE_CLASS = "tlc-message"


def figure_png(fig, dpi: int = 72) -> bytes:
    """A matplotlib Figure as PNG bytes (small: the widget state and the notebook carry them)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class WidgetInputError(ValueError):
    """Bad input to a widget: its message is shown to the student as it is, without a traceback."""


class CourseWidget:
    """Mix-in for the course's ipywidgets boxes (``class MyWidget(CourseWidget, widgets.VBox)``).

    A subclass sets :attr:`css_class`, calls :meth:`_course_widget_setup` at the end of its
    ``__init__`` and implements :meth:`text`; :meth:`snapshot` is optional.
    """

    #: the widget's own CSS class, next to ``tlc-widget``
    css_class: ClassVar[str] = ""

    def _course_widget_setup(self) -> None:
        self.add_class(ROOT_CLASS)
        if self.css_class:
            self.add_class(self.css_class)

    # -- what a subclass provides --------------------------------------------------------------------
    def text(self) -> str:
        """The widget's state in words: its ``repr`` and the ``text/plain`` of its output."""
        return type(self).__name__

    def snapshot(self):
        """A matplotlib Figure of the widget's current state (None: no static picture)."""
        return None

    # -- shared behaviour ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.text())

    def snapshot_png(self) -> bytes | None:
        """:meth:`snapshot` as PNG bytes (None when there is no picture or drawing it failed)."""
        try:
            fig = self.snapshot()
        except Exception:  # a static picture is a courtesy: never let it break the live widget
            return None
        return None if fig is None else figure_png(fig)

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)  # the widget view (ipywidgets)
        bundle["text/plain"] = self.text()
        png = self.snapshot_png()
        if png is not None:
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle

    def show_message(self, message: str, kind: str = "error") -> None:
        """Show ``message`` in the widget's message line (``kind``: "error", "note" or "" to clear)."""
        colour = {"error": "#b00020", "note": "#8a5a00"}.get(kind, "#444")
        self.message = message
        self.message_line.value = (f'<div class="{MESSAGE_CLASS}-text" data-kind="{kind}" style="color:{colour};'
                                   f'font-size:13px">{html.escape(message)}</div>' if message else "")

    def guarded(self, action: Callable[..., Any]) -> Callable[..., Any]:
        """``action`` wrapped for a browser callback: an error becomes a message, never a traceback.

        A :class:`WidgetInputError` (bad input the widget recognised) is shown as it is; any other
        exception is shown with its type and a request to report it.
        """
        def run(*args, **kwargs):
            try:
                return action(*args, **kwargs)
            except WidgetInputError as error:
                self.show_message(str(error))
            except Exception as error:  # noqa: BLE001 (shown to the student instead of a traceback)
                self.show_message(f"Something went wrong ({type(error).__name__}: {error}). "
                                  "Try another input; if it keeps happening, tell your instructor.")
            return None
        return run

    def _make_message_line(self) -> widgets.HTML:
        self.message = ""
        self.message_line = widgets.HTML().add_class(MESSAGE_CLASS)
        return self.message_line
