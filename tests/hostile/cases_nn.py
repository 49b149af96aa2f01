"""Hostile inputs for dotkit.nn: activations, dense layers, convolution, attention."""

from __future__ import annotations

import math

import numpy as np

from dotkit.nn import activations as act
from dotkit.nn import attention as att
from dotkit.nn import conv, layers
from hostile.spec import Equals, Raises, case, f64, junk_cases

NAN, INF = math.nan, math.inf
rng = np.random.default_rng(0)


def _softmax(x) -> np.ndarray:
    x = np.asarray(x, float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _gelu(x) -> list[float]:
    return [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) if math.isfinite(v) else (v if v > 0 else 0.0) for v in x]


def _sdpa(q, k, v, scale=None) -> np.ndarray:
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    return _softmax(s) @ v


def _conv(x, w, stride=1, padding=0) -> np.ndarray:
    x = np.pad(np.asarray(x, float), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    w = np.asarray(w, float)
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w)
    return out


# --- activations ------------------------------------------------------------------------------
for name in ("softmax", "log_softmax", "relu", "sigmoid", "tanh", "gelu"):
    f = getattr(act, name)
    junk_cases(
        f"nn.{name}",
        name,
        "x",
        lambda v, f=f: f(v),
        kinds=["none", "string", "complex", "ragged", "masked", "datetime", "holey"],
    )
case("nn.softmax.inf-entry", lambda: act.softmax([INF, 1.0]), Equals(lambda: [1.0, 0.0]))
case("nn.softmax.two-infs", lambda: act.softmax([INF, INF, 0.0]), Equals(lambda: [0.5, 0.5, 0.0]))
case("nn.softmax.minus-inf-entry", lambda: act.softmax([-INF, 0.0]), Equals(lambda: [0.0, 1.0]))
case("nn.softmax.large", lambda: act.softmax([1000.0, 0.0]), Equals(lambda: [1.0, 0.0]))
case("nn.softmax.very-negative", lambda: act.softmax([-1e30, -1e30]), Equals(lambda: [0.5, 0.5]))
case("nn.softmax.nan", lambda: act.softmax([NAN, 0.0]), Equals(lambda: [NAN, NAN]))
case("nn.softmax.float16", lambda: act.softmax(np.array([60000.0, 0.0], np.float16)), Equals(lambda: [1.0, 0.0]))
case("nn.softmax.int", lambda: act.softmax([1, 1]), Equals(lambda: [0.5, 0.5]))
case("nn.softmax.axis", lambda: act.softmax([1.0, 2.0], axis=3), Raises(ValueError, "softmax", "axis"))
case("nn.softmax.axis-string", lambda: act.softmax([1.0, 2.0], axis="-1"), Raises(ValueError, "softmax", "axis"))
case("nn.softmax.rows", lambda: act.softmax([[0.0, INF], [0.0, 0.0]]), Equals(lambda: [[0.0, 1.0], [0.5, 0.5]]))
case(
    "nn.softmax.axis0", lambda: act.softmax([[0.0, 1.0], [0.0, 1.0]], axis=0), Equals(lambda: [[0.5, 0.5], [0.5, 0.5]])
)
case("nn.log_softmax.large", lambda: act.log_softmax([1000.0, 0.0]), Equals(lambda: [0.0, -1000.0]))
case("nn.log_softmax.inf", lambda: act.log_softmax([INF, 1.0]), Equals(lambda: [0.0, -INF]))
case(
    "nn.log_softmax.tiny-gap", lambda: act.log_softmax([0.0, -50.0]), Equals(lambda: [-math.exp(-50), -50.0], rtol=1e-5)
)
case("nn.gelu.infs", lambda: act.gelu([-INF, INF]), Equals(lambda: [0.0, INF]))
case("nn.gelu.large", lambda: act.gelu([-40.0, 40.0]), Equals(lambda: _gelu([-40.0, 40.0]), atol=1e-30))
case("nn.gelu.values", lambda: act.gelu([-1.0, 0.0, 1.0, 3.0]), Equals(lambda: _gelu([-1.0, 0.0, 1.0, 3.0]), rtol=1e-5))
case("nn.gelu.nan", lambda: act.gelu([NAN]), Equals(lambda: [NAN]))
case("nn.gelu_grad.infs", lambda: act.gelu_grad([-INF, INF]), Equals(lambda: [0.0, 1.0]))
case("nn.sigmoid.extremes", lambda: act.sigmoid([-1000.0, 1000.0]), Equals(lambda: [0.0, 1.0]))
case("nn.sigmoid.infs", lambda: act.sigmoid([-INF, INF]), Equals(lambda: [0.0, 1.0]))
case("nn.sigmoid_grad.extremes", lambda: act.sigmoid_grad([-1000.0, 1000.0]), Equals(lambda: [0.0, 0.0]))
case("nn.tanh.infs", lambda: act.tanh([-INF, INF]), Equals(lambda: [-1.0, 1.0]))
case("nn.tanh_grad.large", lambda: act.tanh_grad([-1000.0, 1000.0]), Equals(lambda: [0.0, 0.0]))
case("nn.relu.nan", lambda: act.relu([NAN, -1.0, 2.0]), Equals(lambda: [NAN, 0.0, 2.0]))
case("nn.relu.int", lambda: act.relu([-2, 3]), Equals(lambda: [0.0, 3.0]))
case("nn.relu_grad.zero", lambda: act.relu_grad([-1.0, 0.0, 1.0]), Equals(lambda: [0.0, 0.0, 1.0]))
case("nn.get_activation.unknown", lambda: act.get_activation("swish"), Raises(ValueError, "get_activation", "swish"))
case("nn.get_activation.int", lambda: act.get_activation(3), Raises(ValueError, "get_activation", "3"))

# --- dense layers, losses, initialisation -------------------------------------------------------
X2, W2 = np.ones((4, 3)), np.ones((2, 3))
junk_cases(
    "nn.dense", "dense", "x", lambda v: layers.dense(v, W2), kinds=["none", "string", "complex", "ragged", "masked"]
)
junk_cases(
    "nn.dense", "dense", "W", lambda v: layers.dense(X2, v), kinds=["none", "string", "complex", "ragged", "masked"]
)
case(
    "nn.dense.mismatch", lambda: layers.dense(X2, np.ones((2, 4))), Raises(ValueError, "dense", ("x.shape", "W.shape"))
)
case("nn.dense.bias-length", lambda: layers.dense(X2, W2, np.ones(3)), Raises(ValueError, "dense", "b"))
case("nn.dense.W-1d", lambda: layers.dense(X2, np.ones(3)), Raises(ValueError, "dense", "W"))
case("nn.dense.nan", lambda: layers.dense([[NAN, 0.0, 0.0]], W2), Equals(lambda: [[NAN, NAN]]))
case(
    "nn.dense.values",
    lambda: layers.dense([[1.0, 2.0, 3.0]], [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], [0.5, -0.5]),
    Equals(lambda: [[1.5, 4.5]]),
)
case(
    "nn.dense_backward.mismatch",
    lambda: layers.dense_backward(np.ones((4, 5)), X2, W2),
    Raises(ValueError, "dense_backward", "delta"),
)
case(
    "nn.dense_backward.rows",
    lambda: layers.dense_backward(np.ones((3, 2)), X2, W2),
    Raises(ValueError, "dense_backward", ("delta", "x")),
)
CE = layers.softmax_cross_entropy
case("nn.cross_entropy.inf-logit", lambda: CE([[INF, 0.0]], [0]), Equals(lambda: 0.0))
case("nn.cross_entropy.inf-wrong-logit", lambda: CE([[0.0, INF]], [0]), Equals(lambda: INF))
case("nn.cross_entropy.large", lambda: CE([[1000.0, 0.0]], [1]), Equals(lambda: 1000.0, rtol=1e-6))
case(
    "nn.cross_entropy.label-range",
    lambda: CE([[1.0, 0.0]], [2]),
    Raises(ValueError, "softmax_cross_entropy", ("y", "labels")),
)
case(
    "nn.cross_entropy.label-negative",
    lambda: CE([[1.0, 0.0]], [-1]),
    Raises(ValueError, "softmax_cross_entropy", ("y", "labels")),
)
case("nn.cross_entropy.label-float", lambda: CE([[1.0, 0.0]], [0.5]), Raises(TypeError, "softmax_cross_entropy", "y"))
case(
    "nn.cross_entropy.label-string", lambda: CE([[1.0, 0.0]], ["cat"]), Raises(TypeError, "softmax_cross_entropy", "y")
)
case(
    "nn.cross_entropy.label-count",
    lambda: CE([[1.0, 0.0], [0.0, 1.0]], [0]),
    Raises(ValueError, "softmax_cross_entropy", "y"),
)
case("nn.cross_entropy.logits-1d", lambda: CE([1.0, 0.0], [0]), Raises(ValueError, "softmax_cross_entropy", "logits"))
case("nn.cross_entropy.logits-string", lambda: CE("ab", [0]), Raises(TypeError, "softmax_cross_entropy", "logits"))
case("nn.cross_entropy.nan", lambda: CE([[NAN, 0.0]], [0]), Equals(lambda: NAN))
case("nn.cross_entropy.label-huge", lambda: CE([[1.0, 0.0]], [2**70]), Raises(TypeError, "softmax_cross_entropy", "y"))
case(
    "nn.cross_entropy_grad.inf",
    lambda: layers.softmax_cross_entropy_grad([[INF, 0.0]], [0]),
    Equals(lambda: [[0.0, 0.0]]),
)
case(
    "nn.cross_entropy_grad.values",
    lambda: layers.softmax_cross_entropy_grad([[0.0, 0.0]], [0]),
    Equals(lambda: [[-0.5, 0.5]]),
)
IW = layers.init_weights
case("nn.init_weights.runaway", lambda: IW(10**6, 10**6), Raises(MemoryError, "init_weights", "GiB"), timeout=5)
case("nn.init_weights.zero", lambda: IW(0, 3), Raises(ValueError, "init_weights", "fan_in"))
case("nn.init_weights.negative", lambda: IW(3, -1), Raises(ValueError, "init_weights", "fan_out"))
case("nn.init_weights.float", lambda: IW(3.5, 2), Raises(ValueError, "init_weights", "fan_in"))
case("nn.init_weights.scheme", lambda: IW(3, 2, "kaimin"), Raises(ValueError, "init_weights", "scheme"))
case("nn.init_weights.std-negative", lambda: IW(3, 2, -1.0), Raises(ValueError, "init_weights", "scheme"))
case("nn.init_weights.std-nan", lambda: IW(3, 2, NAN), Raises(ValueError, "init_weights", "scheme"))
case("nn.init_weights.std-inf", lambda: IW(3, 2, INF), Raises(ValueError, "init_weights", "scheme"))
case(
    "nn.init_weights.distribution",
    lambda: IW(3, 2, distribution="cauchy"),
    Raises(ValueError, "init_weights", "distribution"),
)
case("nn.init_weights.seed-string", lambda: IW(3, 2, seed="a"), Raises(ValueError, "init_weights", "seed"))
case("nn.init_weights.seed-negative", lambda: IW(3, 2, seed=-1), Raises(ValueError, "init_weights", "seed"))
case("nn.init_weights.dtype-int", lambda: IW(3, 2, dtype="int32"), Raises(TypeError, "init_weights", "dtype"))
case("nn.init_weights.std-zero", lambda: IW(3, 2, 0.0), Equals(lambda: np.zeros((2, 3))))
case("nn.init_std.unknown", lambda: layers.init_std("nope", 3, 2), Raises(ValueError, "init_std", "scheme"))
case("nn.he_normal.zero", lambda: layers.he_normal(0, 2), Raises(ValueError, "init_weights", "fan_in"))

# --- convolution ------------------------------------------------------------------------------------
XC, WC = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
junk_cases(
    "nn.conv2d", "conv2d", "x", lambda v: conv.conv2d(v, WC), kinds=["none", "string", "complex", "ragged", "masked"]
)
junk_cases(
    "nn.conv2d", "conv2d", "w", lambda v: conv.conv2d(XC, v), kinds=["none", "string", "complex", "ragged", "masked"]
)
case(
    "nn.conv2d.padding-runaway",
    lambda: conv.conv2d(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 3, 3), np.float32), padding=30000),
    Raises(MemoryError, "conv2d", "GiB"),
    timeout=5,
)
case(
    "nn.conv2d_naive.padding-runaway",
    lambda: conv.conv2d_naive(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 3, 3), np.float32), padding=30000),
    Raises(MemoryError, "conv2d", "GiB"),
    timeout=5,
)
case(
    "nn.conv2d.output-runaway",
    lambda: conv.conv2d(np.ones((1, 1, 8, 8), np.float32), np.ones((5000, 1, 1, 1), np.float32), padding=200),
    Raises(MemoryError, "conv2d", "GiB"),
    timeout=5,
)
case("nn.conv2d.stride-zero", lambda: conv.conv2d(XC, WC, stride=0), Raises(ValueError, "conv2d", "stride"))
case("nn.conv2d.stride-negative", lambda: conv.conv2d(XC, WC, stride=-1), Raises(ValueError, "conv2d", "stride"))
case("nn.conv2d.stride-float", lambda: conv.conv2d(XC, WC, stride=1.5), Raises(ValueError, "conv2d", "stride"))
case("nn.conv2d.stride-triple", lambda: conv.conv2d(XC, WC, stride=(1, 1, 1)), Raises(ValueError, "conv2d", "stride"))
case("nn.conv2d.padding-negative", lambda: conv.conv2d(XC, WC, padding=-1), Raises(ValueError, "conv2d", "padding"))
case("nn.conv2d.padding-string", lambda: conv.conv2d(XC, WC, padding="same"), Raises(ValueError, "conv2d", "padding"))
case(
    "nn.conv2d.kernel-too-big",
    lambda: conv.conv2d(XC, rng.standard_normal((3, 2, 7, 7))),
    Raises(ValueError, "conv2d", ("x.shape", "w.shape")),
)
case(
    "nn.conv2d.channels",
    lambda: conv.conv2d(XC, rng.standard_normal((3, 4, 3, 3))),
    Raises(ValueError, "conv2d", ("x.shape", "w.shape")),
)
case("nn.conv2d.x-3d", lambda: conv.conv2d(XC[0], WC), Raises(ValueError, "conv2d", "x"))
case("nn.conv2d.w-2d", lambda: conv.conv2d(XC, WC[0, 0]), Raises(ValueError, "conv2d", "w"))
case("nn.conv2d.bias-length", lambda: conv.conv2d(XC, WC, np.ones(2)), Raises(ValueError, "conv2d", "bias"))
case("nn.conv2d.chunk-zero", lambda: conv.conv2d(XC, WC, chunk_bytes=0), Raises(ValueError, "conv2d", "chunk_bytes"))
case(
    "nn.conv2d.values",
    lambda: conv.conv2d(XC, WC, stride=2, padding=1),
    Equals(lambda: _conv(XC, WC, 2, 1), rtol=1e-4, atol=1e-4),
)
case(
    "nn.conv2d.generic-values",
    lambda: conv.conv2d(XC, WC, fast=False),
    Equals(lambda: _conv(XC, WC), rtol=1e-4, atol=1e-4),
)
case(
    "nn.conv2d.nan", lambda: conv.conv2d(np.full((1, 1, 3, 3), NAN), np.ones((1, 1, 3, 3))), Equals(lambda: [[[[NAN]]]])
)
case(
    "nn.conv2d.float16",
    lambda: conv.conv2d(np.full((1, 1, 64, 64), 8, np.float16), np.full((1, 1, 64, 64), 8, np.float16)),
    Equals(lambda: [[[[262144.0]]]] if False else [[[[INF]]]]),
)
case(
    "nn.conv2d.float16-accumulates",
    lambda: conv.conv2d(np.full((1, 1, 64, 64), 2, np.float16), np.full((1, 1, 64, 64), 1, np.float16)),
    Equals(lambda: [[[[8192.0]]]], rtol=1e-3),
)
case("nn.conv2d.empty-batch", lambda: conv.conv2d(np.zeros((0, 2, 5, 5)), WC), Equals(lambda: np.zeros((0, 3, 3, 3))))
case(
    "nn.conv2d.int",
    lambda: conv.conv2d(np.ones((1, 1, 3, 3), int), np.ones((1, 1, 3, 3), int)),
    Equals(lambda: [[[[9.0]]]]),
)
case(
    "nn.conv2d_naive.values",
    lambda: conv.conv2d_naive(XC, WC, padding=1),
    Equals(lambda: _conv(XC, WC, 1, 1), rtol=1e-4, atol=1e-4),
)
case("nn.conv2d_naive.stride-zero", lambda: conv.conv2d_naive(XC, WC, stride=0), Raises(ValueError, "conv2d", "stride"))
case(
    "nn.conv2d_output_shape.kernel-too-big",
    lambda: conv.conv2d_output_shape((1, 1, 3, 3), (1, 1, 5, 5)),
    Raises(ValueError, "conv2d_output_shape", ("x.shape", "w.shape")),
)
case(
    "nn.conv2d_output_shape.values",
    lambda: conv.conv2d_output_shape((2, 3, 32, 32), (8, 3, 3, 3), stride=2, padding=1),
    Equals(lambda: (2, 8, 16, 16)),
)
case(
    "nn.conv2d_output_shape.float",
    lambda: conv.conv2d_output_shape((1, 1, 3.5, 3), (1, 1, 3, 3)),
    Raises(ValueError, "conv2d_output_shape", "x.shape"),
)
case(
    "nn.conv2d_output_shape.short",
    lambda: conv.conv2d_output_shape((3, 3), (1, 1, 3, 3)),
    Raises(ValueError, "conv2d_output_shape", "x.shape"),
)
case(
    "nn.conv2d_output_shape.string",
    lambda: conv.conv2d_output_shape("abcd", (1, 1, 3, 3)),
    Raises(ValueError, "conv2d_output_shape", "x.shape"),
)
case(
    "nn.conv2d_multiply_adds.huge",
    lambda: conv.conv2d_multiply_adds((10**6, 512, 10**4, 10**4), (512, 512, 3, 3), padding=1),
    Equals(lambda: float(10**6 * 512 * 10**8 * 512 * 9), rtol=1e-12),
)
case(
    "nn.conv2d_multiply_adds.kernel-too-big",
    lambda: conv.conv2d_multiply_adds((1, 1, 2, 2), (1, 1, 3, 3)),
    Raises(ValueError, "conv2d_multiply_adds", ("x.shape", "w.shape")),
)
case("nn.im2col.kernel-zero", lambda: conv.im2col(XC, 0), Raises(ValueError, "im2col", "kernel_size"))
case("nn.im2col.kernel-too-big", lambda: conv.im2col(XC, 9), Raises(ValueError, "im2col", ("kernel_size", "x.shape")))
case(
    "nn.im2col.runaway",
    lambda: conv.im2col(np.ones((1, 1, 64, 64), np.float32), 1, padding=30000),
    Raises(MemoryError, "im2col", "GiB"),
    timeout=5,
)
case("nn.im2col.string", lambda: conv.im2col("x", 3), Raises(TypeError, "im2col", "x"))
case("nn.max_pool2d.size-zero", lambda: conv.max_pool2d(XC, 0), Raises(ValueError, "max_pool2d", "size"))
case("nn.max_pool2d.size-too-big", lambda: conv.max_pool2d(XC, 9), Raises(ValueError, "max_pool2d", "size"))
case(
    "nn.max_pool2d.nan", lambda: conv.max_pool2d(np.array([[[[NAN, 1.0], [2.0, 3.0]]]]), 2), Equals(lambda: [[[[NAN]]]])
)
case("nn.max_pool2d.x-2d", lambda: conv.max_pool2d(np.ones((4, 4)), 2), Raises(ValueError, "max_pool2d", "x"))
case(
    "nn.filters_as_matrix.w-2d",
    lambda: conv.filters_as_matrix(np.ones((3, 3))),
    Raises(ValueError, "filters_as_matrix", "w"),
)
case(
    "nn.conv2d_backward.mismatch",
    lambda: conv.conv2d_backward(np.ones((1, 3, 4, 4)), XC, WC),
    Raises(ValueError, "conv2d_backward", "delta"),
)

# --- attention --------------------------------------------------------------------------------------
Q, K, V = rng.standard_normal((4, 8)), rng.standard_normal((6, 8)), rng.standard_normal((6, 3))
SDPA = att.scaled_dot_product_attention
for arg in ("q", "k", "v"):
    junk_cases(
        "nn.attention",
        "scaled_dot_product_attention",
        arg,
        lambda x, arg=arg: SDPA(**({"q": Q, "k": K, "v": V} | {arg: x})),
        kinds=["none", "string", "complex", "ragged", "masked"],
    )
case(
    "nn.attention.d-mismatch",
    lambda: SDPA(Q, K[:, :4], V),
    Raises(ValueError, "scaled_dot_product_attention", ("q", "k")),
)
case(
    "nn.attention.s-mismatch", lambda: SDPA(Q, K, V[:4]), Raises(ValueError, "scaled_dot_product_attention", ("k", "v"))
)
case("nn.attention.values", lambda: SDPA(Q, K, V), Equals(lambda: _sdpa(Q, K, V), rtol=1e-4, atol=1e-5))
case(
    "nn.attention.generic-values",
    lambda: SDPA(Q, K, V, fast=False),
    Equals(lambda: _sdpa(Q, K, V), rtol=1e-4, atol=1e-5),
)
case(
    "nn.attention.chunked-values",
    lambda: SDPA(Q, K, V, chunk_size=4),
    Equals(lambda: _sdpa(Q, K, V), rtol=1e-4, atol=1e-5),
)
case("nn.attention.no-queries", lambda: SDPA(np.zeros((0, 8)), K, V), Equals(lambda: np.zeros((0, 3))))
case(
    "nn.attention.no-queries-generic",
    lambda: SDPA(np.zeros((0, 8)), K, V, fast=False),
    Equals(lambda: np.zeros((0, 3))),
)
case("nn.attention.no-keys", lambda: SDPA(Q, np.zeros((0, 8)), np.zeros((0, 3))), Equals(lambda: np.zeros((4, 3))))
case(
    "nn.attention.int-mask",
    lambda: SDPA(Q, K, V, mask=np.ones((4, 6), int)),
    Raises(TypeError, "scaled_dot_product_attention", "mask"),
)
case(
    "nn.attention.mask-shape",
    lambda: SDPA(Q, K, V, mask=np.ones((3, 5), bool)),
    Raises(ValueError, "scaled_dot_product_attention", "mask"),
)
case(
    "nn.attention.mask-string",
    lambda: SDPA(Q, K, V, mask="causal"),
    Raises(TypeError, "scaled_dot_product_attention", "mask"),
)
case(
    "nn.attention.causal-string",
    lambda: SDPA(Q, K, V, is_causal="False"),
    Raises(ValueError, "scaled_dot_product_attention", "is_causal"),
)
case(
    "nn.attention.causal-int",
    lambda: SDPA(Q, K, V, is_causal=1),
    Raises(ValueError, "scaled_dot_product_attention", "is_causal"),
)
case(
    "nn.attention.masked-row",
    lambda: SDPA(Q[:2], K[:2], V[:2], mask=np.array([[True, True], [False, False]])),
    Equals(lambda: np.vstack([_sdpa(Q[:1], K[:2], V[:2]), np.zeros((1, 3))]), rtol=1e-4, atol=1e-5),
)
case(
    "nn.attention.scale-nan",
    lambda: SDPA(Q, K, V, scale=NAN),
    Raises(ValueError, "scaled_dot_product_attention", "scale"),
)
case(
    "nn.attention.scale-string",
    lambda: SDPA(Q, K, V, scale="1"),
    Raises(ValueError, "scaled_dot_product_attention", "scale"),
)
case(
    "nn.attention.scale-zero",
    lambda: SDPA(Q, K, V, scale=0.0),
    Equals(lambda: np.tile(V.mean(axis=0), (4, 1)), rtol=1e-5, atol=1e-6),
)
case(
    "nn.attention.chunk-zero",
    lambda: SDPA(Q, K, V, chunk_size=0),
    Raises(ValueError, "scaled_dot_product_attention", "chunk_size"),
)
case(
    "nn.attention.chunk-float",
    lambda: SDPA(Q, K, V, chunk_size=2.5),
    Raises(ValueError, "scaled_dot_product_attention", "chunk_size"),
)
case(
    "nn.attention.large-logits",
    lambda: SDPA([[100.0, 0.0]], [[100.0, 0.0], [0.0, 0.0]], [[1.0], [2.0]], scale=1.0),
    Equals(lambda: [[1.0]]),
)
case(
    "nn.attention.inf-query",
    lambda: SDPA([[INF, 0.0]], [[1.0, 0.0], [-1.0, 0.0]], [[1.0], [2.0]]),
    Equals(lambda: [[1.0]]),
)
case(
    "nn.attention.runaway-generic",
    lambda: SDPA(
        np.ones((50000, 2), np.float32), np.ones((50000, 2), np.float32), np.ones((50000, 1), np.float32), fast=False
    ),
    Raises(MemoryError, "scaled_dot_product_attention", "GiB"),
    timeout=5,
)
case(
    "nn.attention.runaway-batch",
    lambda: SDPA(
        np.ones((64, 1, 3000, 2), np.float32),
        np.ones((1, 64, 3000, 2), np.float32),
        np.ones((1, 64, 3000, 1), np.float32),
    ),
    Raises(MemoryError, "scaled_dot_product_attention", "GiB"),
    timeout=5,
)
case(
    "nn.attention.float16",
    lambda: SDPA(np.ones((2, 4), np.float16) * 100, np.ones((3, 4), np.float16) * 100, np.ones((3, 2), np.float16)),
    Equals(lambda: np.ones((2, 2)), rtol=1e-3),
)
case(
    "nn.attention_weights.rows",
    lambda: att.attention_weights(Q, K),
    Equals(lambda: _softmax(Q @ K.T / math.sqrt(8)), rtol=1e-4, atol=1e-6),
)
case(
    "nn.attention_weights.causal-string",
    lambda: att.attention_weights(Q, K, is_causal="yes"),
    Raises(ValueError, "attention_weights", "is_causal"),
)
case(
    "nn.attention_weights.runaway",
    lambda: att.attention_weights(np.ones((50000, 2), np.float32), np.ones((50000, 2), np.float32)),
    Raises(MemoryError, "attention_weights", "GiB"),
    timeout=5,
)
XM = rng.standard_normal((5, 8))
WQ = rng.standard_normal((8, 8))
MHA = att.multi_head_attention
case(
    "nn.multi_head.heads-not-dividing",
    lambda: MHA(XM, WQ, WQ, WQ, WQ, 3),
    Raises(ValueError, "multi_head_attention", "n_heads"),
)
case(
    "nn.multi_head.heads-zero",
    lambda: MHA(XM, WQ, WQ, WQ, WQ, 0),
    Raises(ValueError, "multi_head_attention", "n_heads"),
)
case(
    "nn.multi_head.heads-float",
    lambda: MHA(XM, WQ, WQ, WQ, WQ, 2.0),
    Raises(ValueError, "multi_head_attention", "n_heads"),
)
case(
    "nn.multi_head.w-mismatch",
    lambda: MHA(XM, WQ[:, :4], WQ, WQ, WQ, 2),
    Raises(ValueError, "multi_head_attention", "w_q"),
)
case(  # weights are (out, in), as every dense layer: a (d_in, d_out) matrix is refused, with the fix
    "nn.multi_head.w-in-out",
    lambda: MHA(XM, WQ[:4].T, WQ[:4], WQ[:4], WQ[:, :4], 2),
    Raises(ValueError, "multi_head_attention", "transpose"),
)
case(
    "nn.multi_head.w_o-mismatch",
    lambda: MHA(XM, WQ, WQ, WQ, WQ[:, :6], 2),
    Raises(ValueError, "multi_head_attention", "w_o"),
)
case(
    "nn.multi_head.bias-length",
    lambda: MHA(XM, WQ, WQ, WQ, WQ, 2, b_q=np.ones(3)),
    Raises(ValueError, "multi_head_attention", "b_q"),
)
case("nn.multi_head.string", lambda: MHA("x", WQ, WQ, WQ, WQ, 2), Raises(TypeError, "multi_head_attention", "x"))
case("nn.split_heads.not-dividing", lambda: att.split_heads(XM, 3), Raises(ValueError, "split_heads", "n_heads"))
case("nn.split_heads.x-1d", lambda: att.split_heads(np.ones(8), 2), Raises(ValueError, "split_heads", "x"))
case("nn.merge_heads.x-2d", lambda: att.merge_heads(np.ones((4, 8))), Raises(ValueError, "merge_heads", "x"))
case("nn.split_merge.roundtrip", lambda: att.merge_heads(att.split_heads(XM, 4)), Equals(lambda: XM))
case(
    "nn.linear_attention.feature-map-string",
    lambda: att.linear_attention(Q, K, V, feature_map="elu"),
    Raises(TypeError, "linear_attention", "feature_map"),
)
case(
    "nn.linear_attention.d-mismatch",
    lambda: att.linear_attention(Q, K[:, :3], V),
    Raises(ValueError, "linear_attention", ("q", "k")),
)
case(
    "nn.linear_attention.negative-map",
    lambda: att.linear_attention(Q, K, V, feature_map=lambda x: x),
    Raises(ValueError, "linear_attention", "feature_map"),
)
case("nn.linear_attention.string", lambda: att.linear_attention("q", K, V), Raises(TypeError, "linear_attention", "q"))
case(
    "nn.linear_attention.no-keys",
    lambda: att.linear_attention(Q, np.zeros((0, 8)), np.zeros((0, 3))),
    Equals(lambda: np.zeros((4, 3))),
)
_ = f64

# --- layer norm -------------------------------------------------------------------------------------
from dotkit.nn import normalization as norm  # noqa: E402

LN = norm.layer_norm
X3, G3, B3 = [[1.0, 2.0, 6.0]], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]


def _ln(x, g=G3, b=B3, eps=1e-5) -> np.ndarray:
    x = np.asarray(x, float)
    c = x - x.mean(axis=-1, keepdims=True)
    return c / np.sqrt((c * c).mean(axis=-1, keepdims=True) + eps) * np.asarray(g, float) + np.asarray(b, float)


_LN_JUNK = ["none", "string", "complex", "ragged", "masked", "datetime"]
junk_cases("nn.layer_norm", "layer_norm", "x", lambda v: LN(v, G3, B3), kinds=_LN_JUNK)
junk_cases("nn.layer_norm", "layer_norm", "gamma", lambda v: LN(X3, v, B3), kinds=_LN_JUNK)
junk_cases("nn.layer_norm", "layer_norm", "beta", lambda v: LN(X3, G3, v), kinds=_LN_JUNK)
case("nn.layer_norm.gamma-length", lambda: LN(X3, [1.0] * 2, B3), Raises(ValueError, "layer_norm", ("gamma", "x.")))
case("nn.layer_norm.beta-length", lambda: LN(X3, G3, [0.0] * 4), Raises(ValueError, "layer_norm", ("beta", "x.shape")))
case("nn.layer_norm.gamma-2d", lambda: LN(X3, [G3], B3), Raises(ValueError, "layer_norm", "gamma"))
case("nn.layer_norm.scalar-x", lambda: LN(1.0, [1.0], [0.0]), Raises(ValueError, "layer_norm", "x"))
case("nn.layer_norm.no-features", lambda: LN(np.ones((2, 0)), [], []), Raises(ValueError, "layer_norm", "x"))
case("nn.layer_norm.eps-zero", lambda: LN(X3, G3, B3, eps=0.0), Raises(ValueError, "layer_norm", "eps"))
case("nn.layer_norm.eps-negative", lambda: LN(X3, G3, B3, eps=-1e-5), Raises(ValueError, "layer_norm", "eps"))
case("nn.layer_norm.eps-nan", lambda: LN(X3, G3, B3, eps=NAN), Raises(ValueError, "layer_norm", "eps"))
case("nn.layer_norm.eps-inf", lambda: LN(X3, G3, B3, eps=INF), Raises(ValueError, "layer_norm", "eps"))
case("nn.layer_norm.eps-bool", lambda: LN(X3, G3, B3, eps=True), Raises(ValueError, "layer_norm", "eps"))
case("nn.layer_norm.eps-string", lambda: LN(X3, G3, B3, eps="1e-5"), Raises(ValueError, "layer_norm", "eps"))
case("nn.layer_norm.values", lambda: LN(X3, G3, B3), Equals(lambda: _ln(X3), rtol=1e-5))
case("nn.layer_norm.int", lambda: LN([[1, 2, 6]], [1, 1, 1], [0, 0, 0]), Equals(lambda: _ln(X3), rtol=1e-5))
case("nn.layer_norm.constant", lambda: LN([[5.0, 5.0, 5.0]], G3, [1.0, 2.0, 3.0]), Equals(lambda: [[1.0, 2.0, 3.0]]))
case("nn.layer_norm.nan", lambda: LN([[NAN, 0.0, 1.0], [1.0, 2.0, 6.0]], G3, B3),
     Equals(lambda: [[NAN, NAN, NAN], *_ln(X3).tolist()], rtol=1e-5))
case("nn.layer_norm.inf", lambda: LN([[INF, 0.0, 1.0]], G3, B3), Equals(lambda: [[NAN, NAN, NAN]]))
case("nn.layer_norm.float16",
     lambda: LN(np.array([[1.0, 2.0, 6.0]], np.float16), np.ones(3, np.float16), np.zeros(3, np.float16)),
     Equals(lambda: _ln(X3), rtol=2e-3))
