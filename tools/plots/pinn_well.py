#!/usr/bin/env python3
"""Draws the PINN ground state of the finite well (v0 = 20) against the
exact one (docs/models/pinn_well.png) from a compiled
stdlib/physics/pinn_well.fad:
    fadc stdlib/physics/pinn_well.fad -o pinn_well
    /usr/bin/python3 tools/plots/pinn_well.py ./pinn_well docs/models/pinn_well.png
The exact state is the lowest eigenvector of -d^2/dx^2 + V on a fine grid
(second-order finite differences, 4000 points)."""
import ast
import subprocess
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

program, out = sys.argv[1], sys.argv[2]
v0 = 20.0
run = subprocess.run([program, "-e", "wavefunction"], input="%r 1" % v0,
                     capture_output=True, text=True, check=True)
energy, xs, psi = [ast.literal_eval(line) for line in run.stdout.split("\n")[:3]]
xs, psi = np.array(xs), np.array(psi)

n = 4000
h = 2.0 / (n + 1)
grid = -1.0 + h * np.arange(1, n + 1)
v = np.where(np.abs(grid) < 0.5, 0.0, v0)
hamiltonian = (np.diag(2.0 / h**2 + v) - np.diag(np.ones(n - 1) / h**2, 1)
               - np.diag(np.ones(n - 1) / h**2, -1))
values, vectors = np.linalg.eigh(hamiltonian)
exact = vectors[:, 0] / np.sqrt(h)
exact *= np.sign(exact[n // 2]) * np.sign(psi[len(psi) // 2])
exact_on_xs = np.interp(xs, grid, exact)

fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
top.plot(grid, exact, "k-", lw=3, alpha=0.3, label="finite differences, 4000 points (E = %.5f)" % values[0])
top.plot(xs, psi, "C0--", label="PINN (E = %.5f)" % energy)
top.axvspan(-0.5, 0.5, color="C1", alpha=0.08, label="V = 0 (V = %g outside)" % v0)
top.set_ylabel("psi(x)")
top.legend(loc="lower center")
top.set_title("Finite well ground state: PINN vs exact")
bottom.plot(xs, psi - exact_on_xs, "C3")
bottom.set_xlabel("x")
bottom.set_ylabel("PINN - exact")
fig.tight_layout()
fig.savefig(out, dpi=110)
print("E: PINN %.7f, exact (grid) %.7f; max |psi - exact| %.2e"
      % (energy, values[0], np.max(np.abs(psi - exact_on_xs))))
