#!/usr/bin/env python3
"""Draws the Burgers front (docs/models/burgers.png) from a compiled
stdlib/physics/burgers.fad:
    fadc stdlib/physics/burgers.fad -o burgers
    /usr/bin/python3 tools/plots/burgers.py ./burgers docs/models/burgers.png"""
import ast
import subprocess
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

program, out = sys.argv[1], sys.argv[2]
nx = 1001
x = np.linspace(-1.0, 1.0, nx)
fig, ax = plt.subplots(figsize=(6, 3.5))
for t in (0.0, 0.25, 0.5, 0.75, 1.0):
    run = subprocess.run([program, "-e", "profile"], input="%d %r" % (nx, t),
                         capture_output=True, text=True, check=True)
    ax.plot(x, ast.literal_eval(run.stdout.strip()), label="t = %g" % t)
ax.set_xlabel("x")
ax.set_ylabel("u(x, t)")
ax.set_title("Burgers, nu = 0.01/pi: the front steepens at x = 0")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out, dpi=110)
