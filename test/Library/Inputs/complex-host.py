"""A Python host of cplx.fad: NumPy complex128/complex64 arrays and
Python complex scalars."""
import numpy as np

import cplx as cx

zs = np.array([1 + 2j, -0.5j, 3])
out, total = cx.scale(2 - 1j, zs)
print(out.dtype, out.tolist(), total)
assert np.allclose(out, zs * (2 - 1j)) and np.isclose(total, zs.sum())
# Reals where complex numbers are expected (no imaginary part is lost).
out, total = cx.scale(2, np.array([1.0, 2.0]))
print(out.tolist(), total)
w, ws = cx.single(3 + 4j, np.array([[1 + 1j, 2], [-1j, 0.5]], dtype=np.complex64))
print(type(w).__name__, w, ws.dtype, ws.tolist())
print(cx.norm2(zs))
for bad in (lambda: cx.norm2(zs[:, None]),
            lambda: cx.single(1j, np.array([[1 + 1j]])),
            lambda: cx.scale("1+2j", zs)):
    try:
        bad()
    except (TypeError, ValueError) as e:
        print(type(e).__name__ + ":", e)
