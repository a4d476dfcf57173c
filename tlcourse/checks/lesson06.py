"""Checks of lesson 06, choosing a model."""
from __future__ import annotations

from .core import (
    Feedback,
    _name_key,
    _number,
    _number_hint,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)


def _row_named(answer, rows: list[dict]) -> dict | Feedback:
    """The row of the model the answer names (any case, dashes or spaces), or the hint for an answer that names none."""
    names = [r["model"] for r in rows]
    if isinstance(answer, dict) and "model" in answer:
        return wrong("answer with the model's name (the row's 'model' entry), not the whole row")
    by_key = {_name_key(name): name for name in names}
    if not isinstance(answer, str) or _name_key(answer) not in by_key:
        return wrong(f"answer with one of the model names in your table: {', '.join(names)}")
    return next(r for r in rows if r["model"] == by_key[_name_key(answer)])


LATENCY_TIE = 0.10  # latencies within 10% of each other are a tie: timings on one machine wobble that much


def fastest_within_noise(answer, rows: list[dict], n: int, z: float = 2.0,
                         latency_key: str = "latency b1 (ms)") -> Feedback:
    """Exercise: among the models whose accuracy is within ``z`` standard errors of the best (measured on
    ``n`` validation photos), the fastest at batch 1.

    Accepts every defensible answer: a model within one photo of the noise margin counts as within it
    (a borderline case), and a model within 10% of the fastest latency ties with it.
    """
    from .. import bench

    if is_unanswered(answer):
        return unanswered()
    chosen = _row_named(answer, rows)
    if isinstance(chosen, Feedback):
        return chosen
    best = max(r["accuracy"] for r in rows)
    margin, photo = bench.noise_margin(best, n, z), 1 / n
    kept = bench.within_noise(rows, n, z)
    fastest = min(r[latency_key] for r in kept)
    below = round((best - chosen["accuracy"]) * n)  # photos behind the best
    noise = f"{z:g} standard errors are {margin:.1%}, about {margin * n:.0f} of your {n} photos"
    in_noise = chosen["accuracy"] >= best - margin - photo - 1e-12  # one photo of slack: borderline counts
    quick = chosen[latency_key] <= (1 + LATENCY_TIE) * fastest
    if in_noise and quick:
        notes = []
        if chosen not in kept:
            notes.append("it is borderline: one photo more or less decides whether it is within the margin")
        if chosen[latency_key] > fastest:
            other = min(kept, key=lambda r: r[latency_key])["model"]
            notes.append(f"{other} is within {LATENCY_TIE:.0%} of its latency: a tie on this machine, also right")
        return correct(f"{chosen['model']} is {below} photos behind the best ({noise}) and runs in "
                       f"{chosen[latency_key]:.1f} ms per image." + (f" Note: {'; '.join(notes)}." if notes else ""))
    if not in_noise:
        if chosen[latency_key] <= min(r[latency_key] for r in rows):
            return wrong(f"{chosen['model']} is the fastest, but it is {below} photos behind the best, more than "
                         f"the noise ({noise}): keep only the models within the margin, then pick the fastest.")
        return wrong(f"{chosen['model']} is {below} photos behind the best, more than the noise ({noise}): "
                     "it is not a tie with the best.")
    if chosen["accuracy"] == best:
        return wrong("that is the most accurate model; but the models within the noise of it are ties, and one "
                     f"of them is faster: compare the '{latency_key}' column of those within the margin.")
    if chosen is bench.choose_model(rows, n, by="params", z=z):
        return wrong("that is the rule's choice by parameters (section 3, the smallest model within the noise); "
                     f"this exercise asks for the fastest: compare the '{latency_key}' column.")
    return wrong(f"{chosen['model']} is within the noise, but another model within it is more than "
                 f"{LATENCY_TIE:.0%} faster: compare the '{latency_key}' column of those within the margin.")


def size_reduction(answer, float_bytes: int, int8_bytes: int) -> Feedback:
    """Exercise: how many times smaller is the int8 TFLite file than the float32 one?"""
    if is_unanswered(answer):
        return unanswered()
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one number, how many times smaller"))
    ratio = float_bytes / int8_bytes
    saved = 1 - 1 / ratio
    if abs(value - ratio) <= 0.05 * ratio:
        return correct(f"{ratio:.1f}x smaller: int8 stores each weight in 1 byte instead of 4, plus some overhead.")
    if abs(value - 1 / ratio) <= 0.05 / ratio:
        return wrong("that is int8 / float; the question asks how many times smaller, float / int8.")
    if abs(value - 4) < 1e-9:
        return wrong("4 is the theory (4 bytes -> 1 byte per weight); read the real sizes from your table: "
                     "the file also holds the graph and quantization scales.")
    if abs(value - saved) <= 0.05 * saved or abs(value - 100 * saved) <= 5 * saved:
        return wrong("that is the share of the size saved; the question asks how many times smaller the int8 "
                     "file is: a ratio of the two sizes.")
    if abs(value - 100 / ratio) <= 5 / ratio:
        return wrong("that is the int8 file as a percentage of the float one; the question asks for a ratio: "
                     "how many int8 files fit in the float one?")
    if abs(value - 100 * ratio) <= 5 * ratio:
        return wrong("a ratio, not a percentage: how many times smaller, e.g. 2 for half the size.")
    difference = float_bytes - int8_bytes
    if any(abs(value - difference / unit) <= 0.05 * difference / unit for unit in (1, 1e3, 1e6, 2**10, 2**20)):
        return wrong("that is the difference in size; 'how many times smaller' asks you to divide the sizes.")
    return wrong("divide the float32 file size by the int8 file size, from your table (section 4).")


def needs_representative_data(answer) -> Feedback:
    """Exercise: which quantization needs a representative dataset: "dynamic" or "int8"?"""
    if is_unanswered(answer):
        return unanswered()
    key = _name_key(answer) if isinstance(answer, str) else ""
    if key in ("int8", "fullinteger", "fullint8", "fullintegerint8"):
        return correct("full-integer quantization fixes the range of every activation before the model runs, so "
                       "the converter measures those ranges on sample inputs.")
    if key in ("dynamic", "dynamicrange"):
        return wrong("dynamic range stores only the weights as int8 (their range is known from the file); the "
                     "operators that quantize activations measure each range on the fly, at every call. Which "
                     "kind fixes every activation's range once, at conversion?")
    if key in ("both", "dynamicandint8", "int8anddynamic"):
        return wrong("only one of them does: which one fixes every activation's range once, at conversion, and so "
                     "must see typical inputs (section 4)?")
    if key in ("float16", "fp16", "float32", "none", "float"):
        return wrong('a float model keeps float activations and needs no sample inputs; answer "dynamic" or '
                     '"int8": which one needs them?')
    return wrong('answer "dynamic" or "int8": which one needs to see sample inputs (section 4)?')
