#!/usr/bin/env python3
"""The linear-algebra benchmark: gradients of log |det A| and of
sum (solve A b) at n = 200 (and --sizes), by fad's matrix-level rules of
slogdet and solve, by differentiating LU elimination written as fad loops
(linalg.fad), and by NumPy's LAPACK with the closed forms
(grad log |det A| = A^-T; grad_b = A^-T 1, grad_A = -grad_b x^T). Every
gradient is checked against NumPy's first (rho <= 1e-8), then timed: the
median of --runs runs, fad's timer around the entry only (-t), NumPy's
around the calls. Writes a Markdown table (default
docs/benchmarks/linalg-results.md) naming the machine.

    /usr/bin/python3 tools/bench/linalg/run.py [--fadc build/bin/fadc] [--runs 5]
        [--sizes 100,200] [--out docs/benchmarks/linalg-results.md]
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def literal(x):
    if np.ndim(x) == 0:
        return repr(float(x))
    return "[" + ", ".join(literal(v) for v in x) + "]"


def parse(text):
    """The printed results: one line each, arrays in brackets."""
    return [np.array(eval(line)) for line in text.strip().splitlines()]


def rho(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1.0, np.abs(x) + np.abs(y))))


def run_fad(exe, entry, text, runs, tmp):
    times = os.path.join(tmp, "times")
    out = subprocess.run([exe, "-e", entry, "-r", str(runs), "-t", times], input=text,
                         capture_output=True, text=True, check=True)
    with open(times) as f:
        ns = [int(line) for line in f if line.strip()]
    return parse(out.stdout), statistics.median(ns) / 1e6


def time_numpy(fn, runs):
    ts = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - start)
    return statistics.median(ts) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fadc", default=os.path.join(ROOT, "build", "bin", "fadc"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="200")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks", "linalg-results.md"))
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "linalg")
        subprocess.run([args.fadc, os.path.join(HERE, "linalg.fad"), "-o", exe], check=True)
        for n in [int(s) for s in args.sizes.split(",")]:
            a = rng.standard_normal((n, n)) + n ** 0.5 * np.eye(n)
            b = rng.standard_normal(n)
            x = np.linalg.solve(a, b)
            w = np.linalg.solve(a.T, np.ones(n))
            want = {"logdet": [np.linalg.inv(a).T], "solve": [-np.outer(w, x), w]}
            numpy = {
                "logdet": (lambda: np.linalg.slogdet(a),
                           lambda: np.linalg.inv(a).T),
                "solve": (lambda: np.linalg.solve(a, b),
                          lambda: (lambda x, w: (-np.outer(w, x), w))(
                              np.linalg.solve(a, b), np.linalg.solve(a.T, np.ones(n)))),
            }
            for what, text in (("logdet", literal(a)), ("solve", literal(a) + " " + literal(b))):
                times = {}
                _, times["primal"] = run_fad(exe, what + "_primal", text, args.runs, tmp)
                for how in ("rule", "loops"):
                    got, times[how] = run_fad(exe, f"{what}_{how}_grad", text, args.runs, tmp)
                    err = max(rho(g, e) for g, e in zip(got, want[what]))
                    if err > 1e-8:
                        sys.exit(f"{what} gradient by {how} differs from NumPy's: rho = {err:.2e}")
                np_primal = time_numpy(numpy[what][0], args.runs)
                np_grad = time_numpy(numpy[what][1], args.runs)
                rows.append((what, n, times["primal"], times["rule"], times["loops"],
                             np_primal, np_grad))
                print(f"{what} n={n}: primal {times['primal']:.2f} ms, rule {times['rule']:.2f} ms, "
                      f"loops {times['loops']:.2f} ms, NumPy {np_primal:.2f} / {np_grad:.2f} ms",
                      file=sys.stderr)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [
        "# Linear algebra: matrix-level rules against differentiated loops",
        "",
        f"Measured by `tools/bench/linalg/run.py` on {cpu}, {os.cpu_count()} cores "
        f"(fad's default threads), median of {args.runs} runs, milliseconds. "
        "Gradients checked against NumPy's closed forms first (rho <= 1e-8).",
        "",
        "| gradient of | n | fad primal | fad grad (rule) | fad grad (loops) | loops / rule "
        "| NumPy primal | NumPy grad (closed form) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for what, n, p, r, l, npp, npg in rows:
        name = "log \\|det A\\|" if what == "logdet" else "sum (solve A b)"
        lines.append(f"| {name} | {n} | {p:.2f} | {r:.2f} | {l:.2f} | {l / r:.1f}x "
                     f"| {npp:.2f} | {npg:.2f} |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
