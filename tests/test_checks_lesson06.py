"""Lesson 06's exercise checks."""
from tlcourse import checks

ROWS = [
    {"model": "A", "accuracy": 0.97, "latency b1 (ms)": 30.0},
    {"model": "B", "accuracy": 0.95, "latency b1 (ms)": 12.0},
    {"model": "C", "accuracy": 0.90, "latency b1 (ms)": 5.0},
]


def test_fastest_meeting_target():
    assert checks.fastest_meeting_target("B", ROWS, 0.94)
    assert "below the 94% target" in str(checks.fastest_meeting_target("C", ROWS, 0.94))
    assert "most accurate" in str(checks.fastest_meeting_target("A", ROWS, 0.94))
    assert "one of the model names" in str(checks.fastest_meeting_target("Z", ROWS, 0.94))
    assert not checks.fastest_meeting_target(..., ROWS, 0.94).answered


def test_size_reduction():
    assert checks.size_reduction(3.5, 3_500_000, 1_000_000)
    assert "float / int8" in str(checks.size_reduction(1 / 3.5, 3_500_000, 1_000_000))
    assert "theory" in str(checks.size_reduction(4, 3_500_000, 1_000_000))
    assert "divide" in str(checks.size_reduction(2, 3_500_000, 1_000_000))


def test_needs_representative_data():
    assert checks.needs_representative_data("int8")
    assert "only converts the weights" in str(checks.needs_representative_data("dynamic"))
    assert "answer" in str(checks.needs_representative_data(None)) or not checks.needs_representative_data(None).answered
