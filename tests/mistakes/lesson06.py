"""Lesson 06, choosing a model: the wrong answers its checks recognise."""
from __future__ import annotations

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401

MB = 1_000_000

# Exercise 1 (fastest within the noise), on 160 photos: the best is 0.956, two standard errors are 0.032
# (about 5 photos), so the margin keeps accuracies >= 0.924, and one photo of slack accepts 0.918 as borderline.
NOISE6 = [
    {"model": "MobileNetV2", "accuracy": 0.925, "latency b1 (ms)": 14.0, "params": 2.26e6},  # kept, fastest: right
    {"model": "EfficientNetLite0", "accuracy": 0.90, "latency b1 (ms)": 12.0, "params": 3.41e6},  # fastest, too far
    {"model": "EfficientNetLite1", "accuracy": 0.956, "latency b1 (ms)": 22.0, "params": 4.19e6},  # the best
    {"model": "EfficientNetLite2", "accuracy": 0.944, "latency b1 (ms)": 15.0, "params": 4.87e6},  # kept, a tie (+7%)
    {"model": "ResNet50", "accuracy": 0.95, "latency b1 (ms)": 45.0, "params": 23.6e6},  # kept, slow
    {"model": "SqueezeNet", "accuracy": 0.85, "latency b1 (ms)": 30.0, "params": 1.2e6},  # too far, slow
]
# The same rule where the smallest model within the noise (section 3's choice) is not the fastest,
# and a borderline model (one photo below the margin) is fastest of all.
PARAMS6 = [
    {"model": "MobileNetV2", "accuracy": 0.925, "latency b1 (ms)": 18.0, "params": 2.26e6},  # smallest kept, slower
    {"model": "EfficientNetLite0", "accuracy": 0.931, "latency b1 (ms)": 12.0, "params": 3.41e6},  # right
    {"model": "EfficientNetLite1", "accuracy": 0.956, "latency b1 (ms)": 22.0, "params": 4.19e6},
    {"model": "MobileNetV3Small", "accuracy": 0.919, "latency b1 (ms)": 8.0, "params": 2.9e6},  # borderline: right
]


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

    pass


CASES = [
    C("06", "fastest_within_noise", "the fastest within 2 SE", lambda w: a("MobileNetV2", NOISE6, n=160), OK),
    C("06", "fastest_within_noise", "' mobilenet-v2' (case, dash, space)", lambda w: a(" mobilenet-v2", NOISE6, n=160), OK),
    C("06", "fastest_within_noise", "within 10% of the fastest: a tie", lambda w: a("EfficientNetLite2", NOISE6, n=160), OK),
    C("06", "fastest_within_noise", "the fastest within 2 SE (second table)", lambda w: a("EfficientNetLite0", PARAMS6, n=160), OK),
    C("06", "fastest_within_noise", "one photo below the margin: borderline", lambda w: a("MobileNetV3Small", PARAMS6, n=160), OK),
    C("06", "fastest_within_noise", "...", lambda w: a(..., NOISE6, n=160), TODO),
    C("06", "fastest_within_noise", "the fastest overall, beyond the noise", lambda w: a("EfficientNetLite0", NOISE6, n=160), "is the fastest, but"),
    C("06", "fastest_within_noise", "a slow one beyond the noise", lambda w: a("SqueezeNet", NOISE6, n=160), "not a tie with the best"),
    C("06", "fastest_within_noise", "the most accurate", lambda w: a("EfficientNetLite1", NOISE6, n=160), "most accurate"),
    C("06", "fastest_within_noise", "within the noise but slower", lambda w: a("ResNet50", NOISE6, n=160), "more than 10% faster"),
    C("06", "fastest_within_noise", "the section 3 choice (fewest parameters)", lambda w: a("MobileNetV2", PARAMS6, n=160), "choice by parameters"),
    C("06", "fastest_within_noise", "a model not in the table", lambda w: a("InceptionV3", NOISE6, n=160), "one of the model names"),
    C("06", "fastest_within_noise", "the table's row (a dict)", lambda w: a(NOISE6[0], NOISE6, n=160), "not the whole row"),
    C("06", "fastest_within_noise", "14.0, its latency", lambda w: a(14.0, NOISE6, n=160), "one of the model names"),
    C("06", "size_reduction", "float / int8", lambda w: a(3.5, 3.5 * MB, MB), OK),
    C("06", "size_reduction", "'3.5x', a string", lambda w: a("3.5x", 3.5 * MB, MB), OK),
    C("06", "size_reduction", "...", lambda w: a(..., 3.5 * MB, MB), TODO),
    C("06", "size_reduction", "int8 / float", lambda w: a(1 / 3.5, 3.5 * MB, MB), "float / int8"),
    C("06", "size_reduction", "4, the theory", lambda w: a(4, 3.5 * MB, MB), "theory"),
    C("06", "size_reduction", "0.714: the share saved", lambda w: a(1 - 1 / 3.5, 3.5 * MB, MB), "share of the size saved"),
    C("06", "size_reduction", "71.4: the percentage saved", lambda w: a(71.4, 3.5 * MB, MB), "share of the size saved"),
    C("06", "size_reduction", "28.6: int8 as a % of float", lambda w: a(28.6, 3.5 * MB, MB), "percentage of the float one"),
    C("06", "size_reduction", "350: the ratio in percent", lambda w: a(350, 3.5 * MB, MB), "not a percentage"),
    C("06", "size_reduction", "2.5: the difference in MB", lambda w: a(2.5, 3.5 * MB, MB), "difference in size"),
    C("06", "size_reduction", "2, a guess", lambda w: a(2, 3.5 * MB, MB), "divide the float32 file size"),
    C("06", "size_reduction", "[3.5], a list", lambda w: a([3.5], 3.5 * MB, MB), "not a list"),
    C("06", "needs_representative_data", "'int8'", lambda w: a("int8"), OK),
    C("06", "needs_representative_data", "' INT8 ' (case, spaces)", lambda w: a(" INT8 "), OK),
    C("06", "needs_representative_data", "'full integer'", lambda w: a("full integer"), OK),
    C("06", "needs_representative_data", "...", lambda w: a(...), TODO),
    C("06", "needs_representative_data", "None", lambda w: a(None), TODO),
    C("06", "needs_representative_data", "'dynamic'", lambda w: a("dynamic"), "measure each range on the fly"),
    C("06", "needs_representative_data", "'both'", lambda w: a("both"), "only one of them"),
    C("06", "needs_representative_data", "'dynamic range'", lambda w: a("dynamic range"), "measure each range on the fly"),
    C("06", "needs_representative_data", "'float16'", lambda w: a("float16"), "float model"),
    C("06", "needs_representative_data", "'yes'", lambda w: a("yes"), 'answer "dynamic" or "int8"'),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "size_reduction": ["3.5"],
}
