#!/usr/bin/env python3
"""Draws the complex weights that the Fourier layer of
stdlib/physics/fno_heat.fad learns at resolution 64 next to the heat
operator's exact damping factors e^(-4 pi^2 k^2 nu T) (docs/models/fno_heat.png):
    fadc stdlib/physics/fno_heat.fad -o fno
    /usr/bin/python3 tools/plots/fno_heat.py ./fno docs/models/fno_heat.png"""
import ast
import subprocess
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

program, out = sys.argv[1], sys.argv[2]
run = subprocess.run([program, "-e", "weights"], input="64", capture_output=True, text=True,
                     check=True)
re, im, exact = [np.array(ast.literal_eval(line)) for line in run.stdout.split("\n")[:3]]
k = np.arange(len(re))

fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.semilogy(k, exact, "k-", label="exact e^(-4 pi^2 k^2 nu T)")
ax.semilogy(k[1:], re[1:], "o", markersize=8, label="learned Re R_k")
ax.semilogy(k[1:], np.abs(im[1:]) + 1e-20, "x", label="learned |Im R_k| (0: 1e-20 shown)")
ax.set_xlabel("Fourier mode k")
ax.set_ylabel("factor")
ax.set_xticks(k)
ax.set_title("Fourier layer with complex weights, trained at n = 64")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out, dpi=120)
