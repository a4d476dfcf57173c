"""The course as a static web site: every lesson and its solutions as HTML pages, plus an index.

``python -m tlcourse.site`` (or ``make site``, which adds ``--execute``) reads ``lessons/NN_*.ipynb``
and ``lessons/solutions/*_solutions.ipynb`` and writes one page per notebook with nbconvert's ``lab``
template into ``build/site/``, next to a copy of the notebook, plus ``index.html``: one entry per lesson
with its number, title, objectives and links. Without ``--execute`` the pages show the outputs stored
in the notebooks (``make test`` keeps those in sync with the code); with it, each notebook first runs
in a fresh kernel, in its own folder, and the site shows that run. The sources are never written.

Pages load nothing from the network, so the folder can be opened from disk or served from any
path, with two exceptions that nbconvert needs a CDN for: a page whose notebook has a visible
ipywidget loads the widget renderer (offline it shows the widget's text form instead), and a page
with LaTeX loads MathJax. Build times go to the terminal and to ``build-times.txt`` in the site.
"""
from __future__ import annotations

import argparse
import copy
import html
import posixpath
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from .notebooks import SOLUTIONS_SUFFIX, notebook_title

COURSE_TITLE = "Transfer learning with pretrained CNNs"
LESSON_GLOB = "[0-9][0-9]_*.ipynb"
SOLUTION_GLOB = f"*{SOLUTIONS_SUFFIX}.ipynb"
SOLUTIONS_DIR = "solutions"
TIMES_FILE = "build-times.txt"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PAGE_TEMPLATE = "tlcourse-page.html.j2"


class SiteError(RuntimeError):
    """The site cannot be built; the message says which notebook, which cell, and what to do."""


@dataclass
class Page:
    """One notebook of the course and its place in the site (paths relative to the site's root)."""

    source: Path
    path: PurePosixPath  # e.g. "01_pretrained_models.ipynb" or "solutions/01_..._solutions.ipynb"
    kind: str  # "lesson" or "solution"
    number: str  # "01"
    title: str
    objectives: str | None = None  # Markdown, from the first markdown cell
    seconds_execute: float | None = None
    seconds_render: float = 0.0

    @property
    def html(self) -> PurePosixPath:
        """The page's path in the site."""
        return self.path.with_suffix(".html")

    @property
    def stem(self) -> str:
        """The file name without ``.ipynb``."""
        return self.path.stem


@dataclass
class Course:
    """The lessons in order, each with its solutions page (or None), and solutions without a lesson."""

    lessons_dir: Path
    lessons: list[Page]
    title: str = COURSE_TITLE
    solutions: dict[str, Page] = field(default_factory=dict)  # lesson stem -> solutions page
    orphans: list[Page] = field(default_factory=list)

    @property
    def pages(self) -> list[Page]:
        """Every notebook, lessons first, then solutions, each group in file-name order."""
        return [*self.lessons, *sorted([*self.solutions.values(), *self.orphans], key=lambda p: p.stem)]


# ----------------------------------------------------------------------------------------------------
# Finding the notebooks
# ----------------------------------------------------------------------------------------------------

def find_lessons_dir(start: Path | None = None) -> Path:
    """The course's ``lessons/`` folder: under ``start`` (default: the working directory) or beside the package.

    The working directory wins so that ``make site`` in any copy of the course builds that copy.
    """
    candidates = [Path(start or Path.cwd()) / "lessons", Path(__file__).resolve().parent.parent / "lessons"]
    for folder in candidates:
        if folder.is_dir():
            return folder
    return candidates[0]


def objectives(nb: Any) -> str | None:
    """The "Objectives" text (Markdown) of the first markdown cell, without its label, or None.

    Lessons write it as ``**Objectives.** By the end ... :`` followed by a list (see STYLE.md);
    a ``## Objectives`` heading works too.
    """
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is None:
        return None
    match = re.search(r"^[ \t]*(?:\*\*Objectives\.?\*\*|_Objectives\.?_|#+[ \t]*Objectives\.?)[ \t]*:?[ \t]*",
                      first.source, re.MULTILINE | re.IGNORECASE)
    if match is None:
        return None
    paragraphs = re.split(r"\n[ \t]*\n", first.source[match.end():].strip())
    text = paragraphs[0]
    # "By the end you will:" on its own, then a blank line, then the list: keep the list too.
    if text.rstrip().endswith(":") and len(paragraphs) > 1 and re.match(r"\s*([-*+]|\d+\.)\s", paragraphs[1]):
        text += "\n\n" + paragraphs[1]
    return text.strip() or None


def collect(lessons_dir: Path | str | None = None, title: str = COURSE_TITLE) -> Course:
    """Read the course's notebooks (``NN_*.ipynb`` and ``solutions/*_solutions.ipynb``) and pair them up.

    Raises SiteError, naming the folder and the fix, when there is no lesson.
    """
    import nbformat

    folder = Path(lessons_dir) if lessons_dir is not None else find_lessons_dir()
    lesson_files = sorted(folder.glob(LESSON_GLOB)) if folder.is_dir() else []
    if not lesson_files:
        raise SiteError(f"no lessons found in {_show(folder)}: expected notebooks named like "
                        f"{_show(folder / '00_setup_check.ipynb')} ({LESSON_GLOB}). Run from the course's root "
                        "folder, or pass the folder with --lessons DIR.")
    solution_files = sorted((folder / SOLUTIONS_DIR).glob(SOLUTION_GLOB))

    def page(source: Path, kind: str) -> tuple[Page, bool]:
        try:
            nb = nbformat.read(source, as_version=4)
        except Exception as error:  # invalid JSON, wrong format: say which file
            raise SiteError(f"cannot read {_show(source)}: {error}. Open it in JupyterLab to repair it.") from error
        path = PurePosixPath(source.name) if kind == "lesson" else PurePosixPath(SOLUTIONS_DIR, source.name)
        heading = notebook_title(nb)
        return Page(source=source, path=path, kind=kind, number=source.name[:2],
                    title=heading or _title_from_name(source.stem),
                    objectives=objectives(nb) if kind == "lesson" else None), heading is not None

    course = Course(lessons_dir=folder, lessons=[page(f, "lesson")[0] for f in lesson_files], title=title)
    by_stem = {p.stem: p for p in course.lessons}
    for source in solution_files:
        solution, has_heading = page(source, "solution")
        lesson = by_stem.get(source.stem.removesuffix(SOLUTIONS_SUFFIX))
        if lesson is None:
            course.orphans.append(solution)
            continue
        if not has_heading:
            solution.title = f"Solutions: {lesson.title}"
        course.solutions[lesson.stem] = solution
    return course


def _title_from_name(stem: str) -> str:
    """``01_pretrained_models`` -> ``01 Pretrained models``: the fallback when a notebook has no heading."""
    number, _, words = stem.partition("_")
    return f"{number} {words.replace('_', ' ').capitalize()}".strip()


def _show(path: Path) -> str:
    """A path relative to the working directory when it is under it (shorter messages), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------------------------------
# Executing
# ----------------------------------------------------------------------------------------------------

def execute_notebook(nb: Any, source: Path, timeout: int = 600, kernel: str = "python3") -> Any:
    """Run every cell of ``nb`` (read from ``source``) in a fresh kernel whose working directory is
    ``source``'s folder, so relative paths behave as in JupyterLab; return the executed notebook.

    ``nb`` is changed in place (it should be a copy; the file is never written). Raises SiteError naming
    the notebook and the cell when a cell fails, runs over ``timeout`` seconds, or the kernel dies.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    current: dict[str, Any] = {"index": None, "cell": None}

    def on_cell_start(cell: Any, cell_index: int) -> None:
        current.update(index=cell_index, cell=cell)

    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, on_cell_start=on_cell_start,
                            resources={"metadata": {"path": str(source.parent)}})
    try:
        client.execute()
    except NoSuchKernel as error:
        raise SiteError(f"{_show(source)}: no Jupyter kernel named {kernel!r}. Run `make setup`, or "
                        "`python -m ipykernel install --user` in the course's environment.") from error
    except CellExecutionError as error:
        where = _cell_label(nb, current["index"])
        tail = "\n".join(_strip_ansi(error.traceback).strip().splitlines()[-12:])
        raise SiteError(f"{_show(source)} failed at {where}: {error.ename}: {error.evalue}\n{_excerpt(current['cell'])}"
                        f"\n{tail}\nFix: open the notebook in JupyterLab (`make lab`), run it to that cell and "
                        "repair it; or build from the stored outputs without --execute.") from error
    except CellTimeoutError as error:
        raise SiteError(f"{_show(source)}: {_cell_label(nb, current['index'])} ran longer than {timeout} s.\n"
                        f"{_excerpt(current['cell'])}\nFix: give it more time with --timeout SECONDS, or make the "
                        "cell faster.") from error
    except DeadKernelError as error:
        raise SiteError(f"{_show(source)}: the kernel died at {_cell_label(nb, current['index'])} (out of memory?)."
                        f"\n{_excerpt(current['cell'])}\nFix: close other programs, or run the notebook in "
                        "JupyterLab to see where memory goes.") from error
    return nb


def _cell_label(nb: Any, index: int | None) -> str:
    """``cell 5 (code cell 3)``: both counts start at 1, as a reader counts them in JupyterLab."""
    if index is None:
        return "kernel start-up"
    code_number = sum(1 for c in nb.cells[: index + 1] if c.cell_type == "code")
    cell_id = nb.cells[index].get("id")
    return f"cell {index + 1} (code cell {code_number}{', id ' + cell_id if cell_id else ''})"


def _excerpt(cell: Any, lines: int = 6) -> str:
    """The first lines of a cell's source, indented, for an error message."""
    if cell is None:
        return ""
    source = cell.source.splitlines()
    shown = [f"    {line}" for line in source[:lines]] + (["    ..."] if len(source) > lines else [])
    return "  cell source:\n" + "\n".join(shown)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


# ----------------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------------

BASE_CSS = """
:root { --tl-accent: #1f5fa8; --tl-text: #1d2430; --tl-muted: #5b6573; --tl-line: #dfe3ea; --tl-bg: #f6f8fb; }
"""

PAGE_CSS = BASE_CSS + """
nav.tl-nav { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: baseline; margin: 0 0 1.2rem;
  padding: .6rem 1rem; background: var(--tl-bg); border: 1px solid var(--tl-line); border-radius: 6px;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
nav.tl-nav a { color: var(--tl-accent); text-decoration: none; }
nav.tl-nav a:hover { text-decoration: underline; }
nav.tl-nav .tl-home { font-weight: 600; margin-right: auto; }
nav.tl-nav.tl-bottom { margin: 2rem 0 0; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
.tl-widget-fallback { font: 12px/1.4 var(--jp-code-font-family, monospace); color: var(--tl-muted); background: var(--tl-bg); padding: .4rem .6rem;
  border-left: 3px solid var(--tl-line); white-space: pre-wrap; margin: 0; }
div.tl-widget-fallback { white-space: normal; }
.tl-widget-fallback img { display: block; max-width: 100%; margin-top: .3rem; }
.tl-widget-fallback::before { content: "Interactive widget (open the notebook in JupyterLab to use it): ";
  font-style: italic; }
.jupyter-widgets:has(.widget-subarea) > .tl-widget-fallback { display: none; }
"""

# The lab template, with: a navigation bar above and below; require.js, the widget renderer, MathJax
# and Mermaid only on pages that use them (all four come from CDNs); hidden widgets (finished progress
# bars) left out; under each visible widget, its picture (when the widget gives one) or its text, for
# when the renderer cannot load; a widget whose state was not saved shows its picture alone.
PAGE_TEMPLATE_SOURCE = """
{%- extends 'index.html.j2' -%}

{%- block html_head_js_requirejs -%}
{%- if "widgets" in nb.metadata -%}{{ super() }}{%- endif -%}
{%- endblock html_head_js_requirejs -%}

{%- block html_head_js_mathjax -%}
{%- if resources.tlcourse.math -%}{{ super() }}{%- endif -%}
{%- endblock html_head_js_mathjax -%}

{%- block html_head_js_mermaidjs -%}
{%- if resources.tlcourse.mermaid -%}{{ super() }}{%- endif -%}
{%- endblock html_head_js_mermaidjs -%}

{% block extra_css %}
<style type="text/css">{{ resources.tlcourse.css }}</style>
{% endblock extra_css %}

{%- block body_header -%}
{{ super() }}
{{ resources.tlcourse.nav_top }}
{%- endblock body_header -%}

{% block body_footer %}
{{ resources.tlcourse.nav_bottom }}
{{ super() }}
{% endblock body_footer %}

{%- block data_widget_view scoped -%}
{%- set view = output.data['application/vnd.jupyter.widget-view+json'] -%}
{%- if view.model_id in resources.tlcourse.visible_widgets -%}
<div id="{{ uuid4() }}" class="jupyter-widgets jp-OutputArea-output {{ extra_class }}">
<script type="application/vnd.jupyter.widget-view+json">
{{ view | json_dumps | escape_html_script }}
</script>
{%- if 'image/png' in output.data %}
<div class="tl-widget-fallback"><img alt="the widget as it was left" src="data:image/png;base64,{{ output.data['image/png'] }}"></div>
{%- elif 'text/plain' in output.data %}
<pre class="tl-widget-fallback">{{ output.data['text/plain'] | escape_html }}</pre>
{%- endif %}
</div>
{%- elif 'image/png' in output.data -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img alt="the widget as it was left" src="data:image/png;base64,{{ output.data['image/png'] }}">
</div>
{%- endif -%}
{%- endblock data_widget_view -%}
"""


def visible_widgets(nb: Any) -> set[str]:
    """Model ids of the widget views in ``nb``'s outputs that are in its saved widget state and not hidden.

    Finished progress bars (``leave=False``) are saved with ``visibility: hidden``: they show nothing.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def shown(model_id: str) -> bool:
        model = state.get(model_id)
        if model is None:
            return False
        layout = model.get("state", {}).get("layout")
        if isinstance(layout, str) and layout.startswith("IPY_MODEL_"):
            style = state.get(layout.removeprefix("IPY_MODEL_"), {}).get("state", {})
            return style.get("visibility") != "hidden" and style.get("display") != "none"
        return True

    views = {out["data"][WIDGET_VIEW].get("model_id") for cell in nb.cells if cell.cell_type == "code"
             for out in cell.get("outputs", []) if WIDGET_VIEW in out.get("data", {})}
    return {model_id for model_id in views if model_id and shown(model_id)}


def _uses_math(nb: Any) -> bool:
    """True when a markdown cell or a Markdown/LaTeX output holds TeX ($...$, $$, \\( or \\[)."""
    pattern = re.compile(r"\$\$|(?<![\\$])\$[^$\n]+\$|\\\(|\\\[")
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    texts += [str(out["data"][mime]) for c in nb.cells if c.cell_type == "code" for out in c.get("outputs", [])
              for mime in ("text/markdown", "text/latex") if mime in out.get("data", {})]
    return any(pattern.search(t) for t in texts)


def _uses_mermaid(nb: Any) -> bool:
    return any(c.cell_type == "markdown" and "```mermaid" in c.source for c in nb.cells)


def _relative(target: PurePosixPath, page: PurePosixPath) -> str:
    """The href from ``page`` to ``target`` (both relative to the site's root)."""
    return posixpath.relpath(str(target), str(page.parent))


def _retarget_links(nb: Any, page: Page, site: set[PurePosixPath]) -> None:
    """Markdown links to another course notebook (``](../02_x.ipynb)``) point at its page instead."""
    def swap(match: re.Match[str]) -> str:
        target = PurePosixPath(posixpath.normpath(str(page.path.parent / (match.group(1) + ".ipynb"))))
        return f"]({match.group(1)}.html{match.group(2) or ''})" if target in site else match.group(0)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"\]\((?!\w+:)([^)\s#]+?)\.ipynb(#[^)\s]*)?\)", swap, cell.source)


def _nav(page: Page, course: Course, bottom: bool = False) -> str:
    """The bar at the top (and bottom) of a page: index, previous and next lesson, the other half, the notebook."""
    def link(target: PurePosixPath, text: str, cls: str = "", download: bool = False) -> str:
        attrs = f' class="{cls}"' if cls else ""
        attrs += " download" if download else ""
        return f'<a href="{html.escape(_relative(target, page.path))}"{attrs}>{html.escape(text)}</a>'

    items = [link(PurePosixPath("index.html"), f"\u2190 {course.title}" if not bottom else "Course index", "tl-home")]
    if page.kind == "lesson":
        at = course.lessons.index(page)
        if at > 0:
            items.append(link(course.lessons[at - 1].html, f"\u2039 Previous: {course.lessons[at - 1].number}"))
        if at + 1 < len(course.lessons):
            items.append(link(course.lessons[at + 1].html, f"Next: {course.lessons[at + 1].number} \u203a"))
        solution = course.solutions.get(page.stem)
        if solution is not None:
            items.append(link(solution.html, "Solutions"))
    else:
        lesson = next((p for p in course.lessons if course.solutions.get(p.stem) is page), None)
        if lesson is not None:
            items.append(link(lesson.html, f"Back to lesson {lesson.number}"))
    items.append(link(page.path, "Notebook (.ipynb)", download=True))
    return f'<nav class="tl-nav{" tl-bottom" if bottom else ""}">' + "\n".join(items) + "</nav>"


def page_exporter() -> Any:
    """nbconvert's HTML exporter with the ``lab`` template (images embedded) and the course's page additions."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", embed_images=True, theme="light",
                        extra_loaders=[DictLoader({PAGE_TEMPLATE: PAGE_TEMPLATE_SOURCE})], template_file=PAGE_TEMPLATE)


def render_page(nb: Any, page: Page, course: Course, exporter: Any | None = None) -> str:
    """The HTML of one notebook's page: its cells and outputs as stored in ``nb``, with the course's navigation.

    Widget state is kept when a widget is visible (it renders where the widget renderer can load);
    otherwise it is left out, with the hidden widgets, and the page needs nothing from the network.
    """
    nb = copy.deepcopy(nb)
    exporter = exporter or page_exporter()
    visible = visible_widgets(nb)
    if not visible:
        nb.metadata.pop("widgets", None)
    nb.metadata["title"] = page.title
    _retarget_links(nb, page, {p.path for p in course.pages})
    resources = {
        "metadata": {"name": page.stem, "path": str(page.source.parent)},
        "tlcourse": {"css": PAGE_CSS, "math": _uses_math(nb), "mermaid": _uses_mermaid(nb),
                     "visible_widgets": visible, "nav_top": _nav(page, course),
                     "nav_bottom": _nav(page, course, bottom=True)},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


INDEX_CSS = BASE_CSS + """
* { box-sizing: border-box; }
body { margin: 0; color: var(--tl-text); background: #fff;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header, main, footer { max-width: 860px; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 2.5rem; padding-bottom: 1rem; border-bottom: 1px solid var(--tl-line); }
header h1 { margin: 0 0 .4rem; font-size: 2rem; line-height: 1.2; }
header p { margin: .2rem 0; color: var(--tl-muted); }
ol.tl-lessons { list-style: none; margin: 1.5rem 0; padding: 0; }
li.tl-lesson { display: flex; gap: 1rem; padding: 1.1rem 0; border-bottom: 1px solid var(--tl-line); }
.tl-num { flex: 0 0 3rem; height: 3rem; border-radius: 50%; background: var(--tl-accent); color: #fff;
  font-weight: 700; font-size: 1.1rem; display: flex; align-items: center; justify-content: center; }
.tl-body { flex: 1; min-width: 0; }
.tl-body h2 { margin: .2rem 0 .4rem; font-size: 1.25rem; }
.tl-body h2 a { color: var(--tl-text); text-decoration: none; }
.tl-body h2 a:hover { color: var(--tl-accent); text-decoration: underline; }
.tl-objectives { font-size: .95rem; color: #333b47; }
.tl-objectives p { margin: .3rem 0; }
.tl-objectives ul { margin: .3rem 0 .5rem; padding-left: 1.3rem; }
.tl-objectives li { margin: .15rem 0; }
.tl-label { font-weight: 600; color: var(--tl-muted); font-size: .8rem; text-transform: uppercase;
  letter-spacing: .04em; }
code { font: .88em/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--tl-bg);
  padding: .05em .3em; border-radius: 3px; }
p.tl-links { margin: .5rem 0 0; font-size: .92rem; }
p.tl-links a { color: var(--tl-accent); text-decoration: none; margin-right: 1rem; }
p.tl-links a:hover { text-decoration: underline; }
p.tl-links .tl-none { color: var(--tl-muted); margin-right: 1rem; }
footer { padding-top: 1rem; padding-bottom: 3rem; color: var(--tl-muted); font-size: .88rem; }
"""


def _markdown(text: str) -> str:
    """Markdown to HTML with the renderer nbconvert uses for cells."""
    from nbconvert.filters import markdown2html

    return markdown2html(text)


def render_index(course: Course, executed: bool) -> str:
    """The site's ``index.html``: one entry per lesson (number, title, objectives, links), styles inline."""
    entries = []
    for lesson in course.lessons:
        solution = course.solutions.get(lesson.stem)
        links = [f'<a href="{lesson.html}">Lesson</a>']
        links.append(f'<a href="{solution.html}">Solutions</a>' if solution else '<span class="tl-none">No solutions</span>')
        links.append(f'<a href="{lesson.path}" download>Notebook (.ipynb)</a>')
        if solution:
            links.append(f'<a href="{solution.path}" download>Solutions notebook</a>')
        goals = (f'<div class="tl-objectives"><span class="tl-label">Objectives</span>{_markdown(lesson.objectives)}'
                 "</div>") if lesson.objectives else ""
        entries.append(f'<li class="tl-lesson" id="lesson-{lesson.number}"><span class="tl-num">{lesson.number}</span>'
                       f'<div class="tl-body"><h2><a href="{lesson.html}">{html.escape(lesson.title)}</a></h2>'
                       f'{goals}<p class="tl-links">{" ".join(links)}</p></div></li>')
    orphans = ""
    if course.orphans:
        items = "".join(f'<li><a href="{p.html}">{html.escape(p.title)}</a></li>' for p in course.orphans)
        orphans = f"<h2>More solutions</h2><ul>{items}</ul>"
    how = "by running every notebook" if executed else "from the outputs stored in the notebooks"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(course.title)}</title>
<style>{INDEX_CSS}</style>
</head>
<body>
<header>
<h1>{html.escape(course.title)}</h1>
<p>A hands-on course on reusing pretrained convolutional networks in Keras. {len(course.lessons)} lessons, each a
Jupyter notebook, most with worked solutions to their exercises.</p>
<p>These pages show each notebook with its outputs. To run the code yourself, open the course in JupyterLab:
<code>make lab</code>.</p>
</header>
<main>
<ol class="tl-lessons">
{chr(10).join(entries)}
</ol>
{orphans}
</main>
<footer>Built on {datetime.now():%Y-%m-%d %H:%M} {how}.</footer>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------------------
# The build
# ----------------------------------------------------------------------------------------------------

def build(lessons_dir: Path | str | None = None, output: Path | str = "build/site", execute: bool = False,
          timeout: int = 600, title: str = COURSE_TITLE, show_progress: bool = True) -> Course:
    """Build the site into ``output``: a page and a notebook copy per notebook, ``index.html``, build times.

    With ``execute`` every notebook runs first (``timeout`` seconds per cell at most); the site then shows
    that run, and the copies in ``output`` are the executed notebooks. The files in ``lessons_dir`` are
    only read. Returns the course, with the seconds each notebook took.
    """
    import nbformat
    from tqdm.auto import tqdm

    from tlcourse.progress import bar

    start = time.perf_counter()
    course = collect(lessons_dir, title)
    out = Path(output)
    (out / SOLUTIONS_DIR).mkdir(parents=True, exist_ok=True)
    exporter = page_exporter()
    for page in bar(course.pages, desc="site", unit="notebook", show=show_progress):
        nb = nbformat.read(page.source, as_version=4)
        copy_path = out / page.path
        if execute:
            began = time.perf_counter()
            nb = execute_notebook(nb, page.source, timeout=timeout)
            page.seconds_execute = time.perf_counter() - began
            nbformat.write(nb, copy_path)
        else:
            shutil.copyfile(page.source, copy_path)
        began = time.perf_counter()
        (out / page.html).write_text(render_page(nb, page, course, exporter), encoding="utf-8")
        page.seconds_render = time.perf_counter() - began
        ran = f"executed in {page.seconds_execute:6.1f} s, " if execute else ""
        tqdm.write(f"{str(page.path):55s} {ran}rendered in {page.seconds_render:5.1f} s", file=sys.stdout)
    (out / "index.html").write_text(render_index(course, executed=execute), encoding="utf-8")
    total = time.perf_counter() - start
    (out / TIMES_FILE).write_text(times_table(course, total, execute), encoding="utf-8")
    print(f"site: {len(course.pages)} pages in {_show(out)}/ ({'executed' if execute else 'stored outputs'}), "
          f"total {total:.1f} s; open {_show(out / 'index.html')}. Times in {_show(out / TIMES_FILE)}.")
    return course


def times_table(course: Course, total: float, executed: bool) -> str:
    """The build times as plain text: one line per notebook (execute, render, both) and the total."""
    lines = [f"# tlcourse site, built {datetime.now():%Y-%m-%d %H:%M:%S}, "
             f"{'--execute (every notebook run)' if executed else 'stored outputs (no --execute)'}",
             f"{'notebook':60s} {'execute_s':>10s} {'render_s':>9s} {'total_s':>8s}"]
    for page in course.pages:
        run = page.seconds_execute or 0.0
        shown = f"{run:10.1f}" if page.seconds_execute is not None else f"{'-':>10s}"
        lines.append(f"{str(page.path):60s} {shown} {page.seconds_render:9.1f} {run + page.seconds_render:8.1f}")
    executed_total = sum(p.seconds_execute or 0.0 for p in course.pages)
    lines.append(f"{'total (' + str(len(course.pages)) + ' notebooks, index, copies; wall time)':60s} "
                 f"{executed_total if executed else 0:10.1f} {sum(p.seconds_render for p in course.pages):9.1f} "
                 f"{total:8.1f}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m tlcourse.site [--execute] [--output build/site] [--timeout 600]``."""
    parser = argparse.ArgumentParser(prog="python -m tlcourse.site", description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true",
                        help="run every notebook first (in a fresh kernel, in its folder) and show that run")
    parser.add_argument("--output", default="build/site", help="folder to write the site to (default: build/site)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a cell may run with --execute (default: 600)")
    parser.add_argument("--lessons", default=None, help="the lessons folder (default: ./lessons, else the package's)")
    parser.add_argument("--title", default=COURSE_TITLE, help="the course title on the index page")
    args = parser.parse_args(argv)
    try:
        build(args.lessons, args.output, execute=args.execute, timeout=args.timeout, title=args.title)
    except SiteError as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
