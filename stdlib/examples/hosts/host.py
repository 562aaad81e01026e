"""Calls the objective and the gradient of lsq.fad from Python and checks
the gradient against central differences; then shows the errors.
    fadc --emit=python lsq.fad -o out && PYTHONPATH=out python3 host.py
"""
import numpy as np

import lsq

w = np.array([0.5, -1.0, 2.0])
x = np.sin(1.0 + np.arange(15.0)).reshape(5, 3)
y = np.cos(np.arange(5.0))

f = lsq.objective(w, x, y)
g = lsq.gradient(w, x, y)
print("objective %.6f, gradient of %d components" % (f, g.shape[0]))
assert np.allclose(g, x.T @ (x @ w - y), rtol=1e-12, atol=1e-12)
h = 1e-6
fd = np.array([(lsq.objective(w + h * e, x, y) - lsq.objective(w - h * e, x, y)) / (2 * h)
               for e in np.eye(3)])
worst = np.max(np.abs(fd - g) / np.maximum(1.0, np.abs(fd)))
print("gradient vs central differences: %s (max rel. error %.1e)"
      % ("ok" if worst < 1e-7 else "MISMATCH", worst))
assert worst < 1e-7

for what, call, error in [
        ("w of 2 components", lambda: lsq.gradient(w[:2], x, y), lsq.FadError),
        ("x of rank 1", lambda: lsq.gradient(w, x[0], y), ValueError),
        ("complex w", lambda: lsq.gradient(w + 0j, x, y), TypeError),
        ("a scalar for w", lambda: lsq.objective(1.0, x, y), ValueError)]:
    try:
        call()
        raise AssertionError(what + ": no error")
    except error as e:
        print("%s: %s: %s" % (what, type(e).__name__, e))
print("all checks passed")
