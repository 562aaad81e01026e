#!/usr/bin/env python3
"""Draws the ratio table of a benchmark run (run.py --json FILE) as a PNG:
per objective, each tool's derivative / primal, and each tool's derivative
time over the hand-written C++'s (fad, PyTorch; log scales).

    /usr/bin/python3 tools/bench/adbench/plot.py RUN.json [-o docs/benchmarks/adbench-ratios.png]
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

TOOLS = (("fad", "tab:blue"), ("C++", "tab:gray"), ("torch", "tab:orange"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run")
    parser.add_argument("-o", "--out", default="docs/benchmarks/adbench-ratios.png")
    args = parser.parse_args()
    with open(args.run) as f:
        run = json.load(f)
    objectives = run["objectives"]
    labels = ["%s\n%s" % (o["objective"], o["size"].split(" (")[0].replace(", ", "\n"))
              for o in objectives]
    x = np.arange(len(objectives))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    width = 0.27
    for k, (tool, color) in enumerate(TOOLS):
        top.bar(x + (k - 1) * width, [o["ratios"]["%s derivative/primal" % tool] for o in objectives],
                width, label=tool, color=color)
    top.set_yscale("log")
    top.set_ylabel("derivative / primal")
    top.axhline(1.0, color="black", linewidth=0.5)
    top.legend(ncol=3, loc="upper left")
    for k, (tool, color) in enumerate((TOOLS[0], TOOLS[2])):
        ms = [o["ms"]["%s derivative" % tool] / o["ms"]["C++ derivative"] for o in objectives]
        bottom.bar(x + (k - 0.5) * width, ms, width, label=tool, color=color)
    bottom.set_yscale("log")
    bottom.set_ylabel("derivative time / hand-written C++")
    bottom.axhline(1.0, color="black", linewidth=0.5)
    bottom.legend(ncol=2, loc="upper left")
    bottom.set_xticks(x)
    bottom.set_xticklabels(labels, fontsize=8)
    fig.suptitle("AD benchmarks, %d thread%s: %s (git %s)" % (
        run["threads"], "s" if run["threads"] > 1 else "", run["machine"].split(",")[0],
        run["git_revision"][:7]), fontsize=10)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
