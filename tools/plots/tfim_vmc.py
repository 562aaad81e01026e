#!/usr/bin/env python3
"""Draws the VMC energy over SR steps (docs/models/tfim_vmc.png) from a
compiled stdlib/physics/tfim_vmc.fad, using its progress reports:
    fadc stdlib/physics/tfim_vmc.fad -o tfim_vmc
    /usr/bin/python3 tools/plots/tfim_vmc.py ./tfim_vmc docs/models/tfim_vmc.png"""
import subprocess
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

program, out = sys.argv[1], sys.argv[2]
fig, ax = plt.subplots(figsize=(6, 3.5))
for h in (0.5, 1.0, 2.0):
    run = subprocess.run([program, "-p", "1"], input="10 %r 1" % h,
                         capture_output=True, text=True, check=True)
    steps, energies = [], []
    for line in run.stderr.splitlines():  # "step K: E"
        k, e = line[len("step "):].split(": ")
        steps.append(int(k))
        energies.append(float(e))
    exact = float(run.stdout.split()[1])
    ax.semilogy(steps, [abs((e - exact) / exact) for e in energies], label="h = %g" % h)
ax.set_xlabel("SR step")
ax.set_ylabel("relative energy error")
ax.set_title("RBM (alpha = 2) on the TFIM chain, n = 10")
ax.legend()
fig.tight_layout()
fig.savefig(out, dpi=110)
