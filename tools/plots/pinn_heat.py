#!/usr/bin/env python3
"""Draws the PINN solution of the heat equation, the exact one and their
difference (docs/models/pinn_heat.png) from a compiled
stdlib/physics/pinn_heat.fad:
    fadc stdlib/physics/pinn_heat.fad -o pinn_heat
    /usr/bin/python3 tools/plots/pinn_heat.py ./pinn_heat docs/models/pinn_heat.png"""
import ast
import subprocess
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

program, out = sys.argv[1], sys.argv[2]
n = 101
run = subprocess.run([program, "-e", "field"], input="1 %d" % n,
                     capture_output=True, text=True, check=True)
u, exact = [np.array(ast.literal_eval(line)) for line in run.stdout.split("\n")[:2]]

fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
for ax, data, title in [(axes[0], u, "PINN u(x, t)"), (axes[1], exact, "exact e^(-pi^2 t) sin(pi x)"),
                        (axes[2], u - exact, "PINN - exact")]:
    image = ax.imshow(data, origin="lower", extent=(0, 1, 0, 1), aspect="auto",
                      cmap="RdBu_r" if data is not u and data is not exact else "viridis")
    ax.set_title(title)
    ax.set_xlabel("x")
    fig.colorbar(image, ax=ax)
axes[0].set_ylabel("t")
fig.tight_layout()
fig.savefig(out, dpi=110)
print("relative L2 error on the %d x %d grid: %.2e"
      % (n, n, np.linalg.norm(u - exact) / np.linalg.norm(exact)))
