#!/usr/bin/env python3
"""Draws the GRAPE controls of stdlib/physics/qubit_control.fad (the two
quadratures of the drive, slice by slice) at detuning 0.5 after 200 Adam
steps, next to the pi pulse they start from (docs/models/qubit_control.png):
    fadc stdlib/physics/qubit_control.fad -o qubit_control
    /usr/bin/python3 tools/plots/qubit_control.py ./qubit_control docs/models/qubit_control.png"""
import ast
import math
import subprocess
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

program, out = sys.argv[1], sys.argv[2]
run = subprocess.run([program, "-e", "controls_of"], input="0.5 200",
                     capture_output=True, text=True, check=True)
x, y = [np.array(ast.literal_eval(line)) for line in run.stdout.split("\n")[:2]]
n = len(x)
edges = np.linspace(0.0, math.pi, n + 1)

fig, ax = plt.subplots(figsize=(7, 3.4))
ax.stairs(x, edges, label="x_k (GRAPE)", linewidth=2)
ax.stairs(y, edges, label="y_k (GRAPE)", linewidth=2)
ax.stairs(np.full(n, 1.0), edges, label="pi pulse (start)", linestyle="--", color="gray")
ax.set_xlabel("time t")
ax.set_ylabel("drive amplitude")
ax.set_title("NOT gate at detuning 0.5: F = 0.773 (pi pulse) -> 1 - 2e-10 (GRAPE)")
ax.legend()
fig.tight_layout()
fig.savefig(out, dpi=120)
