"""The static course site (``python -m tlcourse.site``, ``make site``).

The full site is built once from the committed lessons *without* executing them (a few seconds); the
``--execute`` path and its error message run on tiny notebooks written here, so the test stays fast.
"""
from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from tlcourse import site

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
LESSON_FILES = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
SOLUTION_FILES = sorted((LESSONS / "solutions").glob("*_solutions.ipynb"))
REMOTE_LOAD = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
                         r"""|@import\s+(?:url\()?["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


class _Links(HTMLParser):
    """Every href and src in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def local(link: str) -> bool:
    return not re.match(r"^([a-z][a-z0-9+.-]*:|#|//)", link, re.IGNORECASE)


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.ipynb"))}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, site.Course, dict[str, str]]:
    before = digest(LESSONS)
    out = tmp_path_factory.mktemp("site")
    course = site.build(LESSONS, out, execute=False, show_progress=False)
    return out, course, before


def test_one_page_per_lesson_and_solution(built):
    out, course, before = built
    assert LESSON_FILES and SOLUTION_FILES
    expected = {f.with_suffix(".html").name for f in LESSON_FILES}
    expected |= {f"solutions/{f.with_suffix('.html').name}" for f in SOLUTION_FILES}
    pages = {str(p.relative_to(out)) for p in out.rglob("*.html")} - {"index.html"}
    assert pages == expected
    assert (out / "index.html").is_file()
    # the notebook copies next to the pages are the sources, byte for byte, and the sources are untouched
    for source in [*LESSON_FILES, *SOLUTION_FILES]:
        copy = out / source.relative_to(LESSONS)
        assert copy.read_bytes() == source.read_bytes()
    assert digest(LESSONS) == before


def test_index_links_resolve(built):
    out, course, _ = built
    hrefs = links(out / "index.html")
    assert hrefs, "the index links to nothing"
    for href in hrefs:
        assert local(href), f"index links outside the site: {href}"
        assert (out / href).is_file(), f"index links to a missing file: {href}"
    for lesson in LESSON_FILES:
        assert lesson.with_suffix(".html").name in hrefs
    for solution in SOLUTION_FILES:
        assert f"solutions/{solution.with_suffix('.html').name}" in hrefs


def test_page_navigation_links_resolve(built):
    out, _, _ = built
    for page in out.rglob("*.html"):
        nav = re.findall(r'<nav class="tl-nav[^"]*">(.*?)</nav>', page.read_text(encoding="utf-8"), re.S)
        if page.name == "index.html":
            continue
        assert nav, f"{page.name} has no navigation bar"
        for href in re.findall(r'href="([^"]+)"', "".join(nav)):
            assert local(href) and (page.parent / href).resolve().is_file(), f"{page.name}: broken link {href}"


def test_index_lists_every_lesson_title_and_objectives(built):
    out, _, _ = built
    index = (out / "index.html").read_text(encoding="utf-8")
    for lesson in LESSON_FILES:
        cells = json.loads(lesson.read_text(encoding="utf-8"))["cells"]
        first = next(c for c in cells if c["cell_type"] == "markdown")
        text = "".join(first["source"])
        title = next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))
        assert f">{title.replace('&', '&amp;')}</a>" in index, f"{lesson.name}: title {title!r} not in the index"
        assert f'<span class="tl-num">{lesson.name[:2]}</span>' in index
        if "**Objectives.**" in text:  # the first objective is in the index, rendered from Markdown
            bullet = re.search(r"^- (.+)$", text.split("**Objectives.**")[1], re.M).group(1)
            words = re.sub(r"[*_`]", "", bullet).split()[:4]
            assert " ".join(words) in re.sub(r"<[^>]+>", "", index), f"{lesson.name}: objectives missing"


def test_pages_show_stored_outputs(built):
    out, _, _ = built
    page = (out / "00_setup_check.html").read_text(encoding="utf-8")
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page), "the lesson's plot is not embedded"
    nb = nbformat.read(LESSONS / "00_setup_check.ipynb", as_version=4)
    stream = next(o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream")
    assert stream.splitlines()[0].split()[0] in page
    for lesson in LESSON_FILES:  # as many embedded pictures as stored plots, in every lesson
        nb = nbformat.read(lesson, as_version=4)
        plots = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        html = (out / lesson.with_suffix(".html").name).read_text(encoding="utf-8")
        assert html.count("data:image/png;base64,") >= plots, lesson.name


def test_index_loads_nothing_remote(built):
    out, _, _ = built
    index = (out / "index.html").read_text(encoding="utf-8")
    assert not REMOTE_LOAD.search(index), REMOTE_LOAD.search(index).group(0)
    assert "<style" in index and '<link rel="stylesheet"' not in index
    # pages load nothing remote either, except the widget renderer where a visible widget needs it
    for page in out.rglob("*.html"):
        nb = nbformat.read(LESSONS / page.relative_to(out).with_suffix(".ipynb"), as_version=4) \
            if page.name != "index.html" else None
        html = page.read_text(encoding="utf-8")
        if nb is not None and site.visible_widgets(nb):
            assert "application/vnd.jupyter.widget-state+json" in html, f"{page.name} lost its widget state"
            assert 'class="tl-widget-fallback"' in html
        else:
            assert not REMOTE_LOAD.search(html), f"{page.name}: {REMOTE_LOAD.search(html).group(0)}"


def test_build_times_written(built):
    out, course, _ = built
    times = (out / site.TIMES_FILE).read_text()
    assert "stored outputs" in times and "total" in times
    assert all(str(p.path) in times for p in course.pages)


def tiny_notebook(folder: Path, name: str, code: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 0: Tiny\n\n**Objectives.** By the end you will:\n- see 42")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in code]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_execute_shows_the_new_run(tmp_path):
    source = tiny_notebook(tmp_path / "lessons", "00_tiny.ipynb", ["x = 6 * 7", "print(x + 1000)"])
    before = source.read_bytes()
    out = tmp_path / "site"
    site.build(tmp_path / "lessons", out, execute=True, timeout=60, show_progress=False)
    page = (out / "00_tiny.html").read_text(encoding="utf-8")
    assert re.search(r"<pre>\s*1042\s*</pre>", page), "the executed output is not in the page"
    assert source.read_bytes() == before, "--execute wrote to the source notebook"
    executed = nbformat.read(out / "00_tiny.ipynb", as_version=4)
    assert executed.cells[2].outputs[0].text.strip() == "1042"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Lesson 0: Tiny" in index and "see 42" in index and "No solutions" in index
    assert re.search(r"00_tiny\.ipynb\s+\d+\.\d", (out / site.TIMES_FILE).read_text())


def test_failing_cell_names_notebook_and_cell(tmp_path):
    tiny_notebook(tmp_path / "lessons", "00_broken.ipynb", ["x = 1", "y = x / 0"])
    with pytest.raises(site.SiteError, match=r"00_broken\.ipynb failed at cell 3 \(code cell 2.*ZeroDivisionError") as info:
        site.build(tmp_path / "lessons", tmp_path / "site", execute=True, timeout=60, show_progress=False)
    assert "y = x / 0" in str(info.value) and "without --execute" in str(info.value)


def test_no_lessons_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(site.SiteError, match=r"no lessons found in .*--lessons DIR"):
        site.build(tmp_path, tmp_path / "site", show_progress=False)
    assert site.main(["--lessons", str(tmp_path), "--output", str(tmp_path / "site")]) == 1
    assert "no lessons found" in capsys.readouterr().err


def test_solutions_pair_with_their_lesson(tmp_path):
    lessons = tmp_path / "lessons"
    tiny_notebook(lessons, "00_tiny.ipynb", ["x = 1"])
    solution = tiny_notebook(lessons / "solutions", "00_tiny_solutions.ipynb", ["x = 2"])
    nb = nbformat.read(solution, as_version=4)
    nb.cells[0].source = "Worked answers for [the lesson](../00_tiny.ipynb#top)."  # no title: one is made up
    nbformat.write(nb, solution)
    course = site.build(lessons, tmp_path / "site", show_progress=False)
    assert course.solutions["00_tiny"].title == "Solutions: Lesson 0: Tiny"
    page = (tmp_path / "site" / "solutions" / "00_tiny_solutions.html").read_text(encoding="utf-8")
    assert 'href="../00_tiny.html#top"' in page, "a link to a course notebook should open its page"
    assert 'href="../00_tiny.html">Back to lesson 00</a>' in page
    assert 'href="solutions/00_tiny_solutions.html">Solutions</a>' in (tmp_path / "site" / "index.html").read_text()
    assert "../00_tiny.ipynb" in solution.read_text(), "the source notebook must keep its own link"


def test_objectives_parsing():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# Lesson 9: X\n\nIntro.\n\n**Objectives.** By the end you will:\n- do a;\n  and more\n- do b.\n\nAfter.")])
    assert site.notebook_title(nb) == "Lesson 9: X"
    assert site.objectives(nb) == "By the end you will:\n- do a;\n  and more\n- do b."
    nb.cells[0].source = "# Only a title"
    assert site.objectives(nb) is None
