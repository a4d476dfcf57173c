"""The course benchmark runs a notebook in a real kernel and reports time and memory."""
import nbformat

from tlcourse import coursebench


def test_runs_a_notebook_and_reports(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nx = np.ones(30_000_000, np.uint8)\nprint(x.sum())"),
                nbformat.v4.new_code_cell("import time\ntime.sleep(5.5)  # slow, and no progress bar")]
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nb, path)
    row = coursebench.run_notebook(path, timeout=120, write=True)
    assert row["lesson"] == "01_tiny.ipynb" and row["seconds"] > 0
    assert nbformat.read(path, as_version=4).cells[0].outputs[0]["text"] == "30000000\n"  # written in place
    assert row["peak MB"] is None or row["peak MB"] >= 30  # the kernel held a 30 MB array
    text = coursebench.table([row, {"lesson": "02_slow.ipynb", "seconds": 200.0, "peak MB": 100.0}])
    assert "| 01_tiny.ipynb |" in text and "| 02_slow.ipynb | 200 | 100 | NO |" in text
    assert [c["cell"] for c in row["slow cells"]] == [1] and not row["slow cells"][0]["progress bar"]
    assert "| 01_tiny.ipynb | 1 | " in text and "| NO | `import time` |" in text


def test_course_total_counts_lessons_not_solutions():
    rows = [{"lesson": "01_a.ipynb", "seconds": 300.0, "peak MB": 900.0},
            {"lesson": "02_b.ipynb", "seconds": 250.0, "peak MB": 900.0},
            {"lesson": "02_b_solutions.ipynb", "seconds": 100.0, "peak MB": 700.0}]
    text = coursebench.table(rows)
    assert "| **all 2 lessons** | **550** | | yes (<= 600 s) |" in text
    assert "| all 1 solutions | 100 | | (outside the course budget) |" in text
    assert "| **all 2 lessons** | **650** | | NO" in coursebench.table([{**rows[0], "seconds": 400.0}, rows[1]])
