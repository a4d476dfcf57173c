"""tlcourse.setup(): TensorFlow imported with oneDNN on and its C++ start-up notices kept out of the output."""
from __future__ import annotations

import os
import subprocess
import sys


def test_setup_keeps_onednn_on_and_its_notice_out_of_stderr():
    """A notebook kernel shows what C++ writes to descriptor 2; setup() must leave it empty."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL")}
    code = ("import os, tlcourse; tlcourse.setup(); import tensorflow as tf; "
            "print(os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default'), tf.constant(2.0).numpy())")
    done = subprocess.run([sys.executable, "-c", code], env={**env, "TLCOURSE_MEMORY_GUARD": "0"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["default", "2.0"]  # oneDNN left at TensorFlow's default: on for x86 CPUs
    assert "oneDNN" not in done.stderr and "absl::InitializeLog" not in done.stderr, done.stderr[-2000:]


def test_without_setup_the_notice_would_reach_stderr():
    """The reason for the redirect: importing TensorFlow with oneDNN on prints a notice on descriptor 2."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    done = subprocess.run([sys.executable, "-c", "import tensorflow"], env={**env, "TF_ENABLE_ONEDNN_OPTS": "1"},
                          capture_output=True, text=True, timeout=300)
    assert "oneDNN custom operations are on" in done.stderr, (
        "TensorFlow no longer prints its oneDNN notice: tlcourse.env's redirect around the import may be unneeded")
