"""Weight conversion: layout changes and the folded input normalisation are exact."""
from __future__ import annotations

import numpy as np

from tlcourse.zoo import convert


def _conv_nhwc(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid 2-D convolution, stride 1, numpy only: x (h, w, in), kernel (kh, kw, in, out)."""
    kh, kw, _, _ = kernel.shape
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((h, w, kernel.shape[-1]))
    for i in range(h):
        for j in range(w):
            out[i, j] = np.einsum("hwi,hwio->o", x[i : i + kh, j : j + kw], kernel)
    return out


def _bn(z, gamma, beta, mean, var, eps):
    return gamma * (z - mean) / np.sqrt(var + eps) + beta


def test_folded_normalisation_matches_the_source_model():
    rng = np.random.default_rng(0)
    pixels = rng.uniform(0, 255, (6, 6, 3))
    kernel = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    bn = [rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.normal(size=4), rng.uniform(0.1, 2, 4)]
    mean, std = convert.TORCHVISION_MEAN, convert.TORCHVISION_STD

    source = _bn(_conv_nhwc((pixels / 255 - mean) / std, kernel), *bn, eps=1e-3)
    new_kernel, new_bn = convert.fold_input_normalization(kernel, [b.astype(np.float32) for b in bn], mean, std)
    ours = _bn(_conv_nhwc(pixels / 127.5 - 1, new_kernel), *new_bn, eps=1e-3)
    np.testing.assert_allclose(ours, source, rtol=1e-4, atol=1e-4)


def test_batch_norm_epsilon_is_compensated():
    rng = np.random.default_rng(1)
    sd = {"bn.weight": rng.uniform(0.5, 2, 5).astype(np.float32), "bn.bias": rng.normal(size=5).astype(np.float32),
          "bn.running_mean": rng.normal(size=5).astype(np.float32),
          "bn.running_var": rng.uniform(1e-4, 1e-2, 5).astype(np.float32)}  # small variances: epsilon matters
    z = rng.normal(size=(10, 5))
    gamma, beta, mean, var = convert.batch_norm(sd, "bn", eps_source=1e-5, eps_keras=1e-3)
    expected = _bn(z, sd["bn.weight"], sd["bn.bias"], sd["bn.running_mean"], sd["bn.running_var"], 1e-5)
    np.testing.assert_allclose(_bn(z, gamma, beta, mean, var, 1e-3), expected, rtol=1e-5)


def test_kernel_layouts():
    w = np.arange(2 * 3 * 5 * 7).reshape(2, 3, 5, 7)  # torch (out, in, h, w)
    assert convert.conv_kernel(w).shape == (5, 7, 3, 2)
    assert convert.conv_kernel(w)[4, 6, 2, 1] == w[1, 2, 4, 6]
    d = np.arange(4 * 1 * 3 * 3).reshape(4, 1, 3, 3)
    assert convert.depthwise_kernel(d).shape == (3, 3, 4, 1)
    assert convert.depthwise_kernel(d)[2, 1, 3, 0] == d[3, 0, 2, 1]


def test_converted_file_is_cached_by_checksum(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_HOME", str(tmp_path))
    path = convert.converted_path("MobileNetV2")
    assert path.parent == tmp_path / "weights" and path.name.startswith("MobileNetV2-b0353104")
    mtime = path.stat().st_mtime_ns
    assert convert.converted_path("MobileNetV2").stat().st_mtime_ns == mtime  # second call converts nothing
    weights = convert.load_weights(path)
    assert weights["Conv1"][0].shape == (3, 3, 3, 32)
    assert weights["predictions"][0].shape == (1280, 1000)
    assert len(weights) == 2 + 4 + 16 * 6 + 2 + 1  # stem, first block, 16 blocks, head conv+bn, classifier
