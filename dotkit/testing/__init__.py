"""dotkit's conformance suite for backends, shipped with dotkit.

A backend author runs it on an installed backend, without a source checkout::

    pip install dotkit pytest your-backend
    pytest --pyargs dotkit.testing --dotkit-backend NAME

(``--dotkit-backend`` comes with dotkit's pytest plugin, ``dotkit_pytest``.)
Every public op is computed on the backend, from float64 data rounded to the
dtype under test, and compared with a NumPy float64 reference of the same
formula written independently of dotkit's kernels: dot products, norms, angles,
projections, matrix products and nearest neighbours; the activations and
softmax with their derivatives; the dense layer forward and backward (and its
kernel, which adds the bias in place), the layer norm and the cross-entropy;
conv2d and max pooling; scaled dot-product attention (the fast path a backend
declares and dotkit's kernel, each on its own) and multi-head attention, whose
four projections are dense layers in the one ``(out, in)`` layout; the MLP's probabilities and its
backpropagated gradients; and the MiniLM sentence encoder when its weights'
package is installed. Each result must also stay an array of the backend, in
the dtype the op promises.

Tolerances, per dtype (:data:`TOLERANCES`): a result ``got`` passes against the
reference ``want`` when ``|got - want| <= atol · max(1, max|want|) + rtol · |want|``
entry by entry (``atol`` is relative to the result's scale, so a sum of many
terms is held to the same standard as one term):

============  ==========  ==========  ================================================
dtype         rtol        atol        why
============  ==========  ==========  ================================================
float64       1e-9        1e-11       a few ulps of float64 after sums of ~100 terms
float32       2e-4        2e-5        float32's 6e-8 ulp, times the error growth of a
                                      sum or a BLAS with another summation order
float16       1e-2        1e-2        half precision's 1e-3 ulp; dotkit accumulates in
                                      float32 and rounds once, so results are near 1 ulp
============  ==========  ==========  ================================================

A backend without float64 (``supports_float64 = False``) skips the float64
cases; one without float16 (the standard has none) skips the float16 cases. A
backend may declare ``conformance_xfail = {op: reason}`` for ops it cannot run
yet: those tests still run, as xfails, so they are reported, and a fix shows
up as an unexpected pass (XPASS).
"""

from dotkit.testing.compare import TOLERANCES, assert_close

__all__ = ["TOLERANCES", "assert_close"]
