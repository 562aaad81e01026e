#!/usr/bin/env python3
"""Benchmark: Taylor mode against nested forward mode for the k-th Taylor
coefficient of a scalar function, k = 2..8.

Taylor mode propagates truncated series once (O(k^2) per nonlinear op);
nested forward mode (jvp of jvp of ... k times) grows like 2^k. Both compute
f^(k)(x)/k!, checked to agree, then timed with the compiled program's -r/-t
options (median of the runs). Prints a Markdown table.

    tools/bench/taylor_vs_nested.py [--fadc build/bin/fadc] [--runs 15]
"""
import argparse
import math
import os
import statistics
import subprocess
import tempfile

FUNCTION = "(\\t -> exp (sin t) * cos (t * t) + log (2.0 + tanh t) / sqrt (1.0 + t * t))"


def program(orders):
    lines = [f"def f (t: f64) : f64 = {FUNCTION} t",
             "def d0 (x: f64) : f64 = f x"]
    for k in range(1, max(orders) + 1):
        lines.append(f"def d{k} (x: f64) : f64 = jvp d{k - 1} x 1.0")
    for k in orders:
        # The k-th coefficient, over a batch of points so that runs are measurable.
        lines.append(f"entry taylor{k} (xs: []f64) : []f64 = "
                     f"map (\\x -> (taylor f x 1.0 {k})[{k}]) xs")
        lines.append(f"entry nested{k} (xs: []f64) : []f64 = "
                     f"map (\\x -> d{k} x / {float(math.factorial(k))}) xs")
    return "\n".join(lines) + "\n"


def run(exe, entry, data, runs, tmp):
    times = os.path.join(tmp, "times")
    out = subprocess.run([exe, "-e", entry, "-r", str(runs), "-t", times], input=data,
                         capture_output=True, text=True, check=True).stdout
    with open(times) as f:
        # -t writes nanoseconds.
        return out, statistics.median(int(l) for l in f if l.strip()) / 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fadc", default=os.path.join("build", "bin", "fadc"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--points", type=int, default=20000)
    args = parser.parse_args()
    orders = list(range(2, 9))
    with tempfile.TemporaryDirectory() as tmp:
        source, exe = os.path.join(tmp, "bench.fad"), os.path.join(tmp, "bench")
        with open(source, "w") as f:
            f.write(program(orders))
        subprocess.run([args.fadc, source, "-o", exe], check=True)
        data = "[" + ", ".join(repr(0.3 + 0.5 * i / args.points) for i in range(args.points)) + "]"
        print(f"k-th Taylor coefficient of {FUNCTION} at {args.points} points; "
              f"median of {args.runs} runs, microseconds\n")
        print("| k | Taylor mode | nested jvp | nested / Taylor |")
        print("|---|---|---|---|")
        for k in orders:
            taylor_out, taylor_us = run(exe, f"taylor{k}", data, args.runs, tmp)
            nested_out, nested_us = run(exe, f"nested{k}", data, args.runs, tmp)
            a = [float(v) for v in taylor_out.strip()[1:-1].split(",")]
            b = [float(v) for v in nested_out.strip()[1:-1].split(",")]
            worst = max(abs(x - y) / (1 + abs(y)) for x, y in zip(a, b))
            if worst > 1e-8:
                raise SystemExit(f"k = {k}: Taylor and nested jvp disagree ({worst:g})")
            print(f"| {k} | {taylor_us:.0f} | {nested_us:.0f} | {nested_us / taylor_us:.1f} |")


if __name__ == "__main__":
    main()
