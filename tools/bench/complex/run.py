#!/usr/bin/env python3
"""The complex-number benchmark: an elementwise map and sum over 10^6
complex numbers (sum z^2 w + z / (z + w)), written in fad with c128
(complex.fad, complex_sum), in fad on pairs of real arrays by hand
(pairs_sum), and in C++ with std::complex<double> (reference.cpp) at -O3,
where GCC multiplies and divides through __muldc3/__divdc3 (C99 Annex G's
inf/NaN cases), and at -O3 -march=native -fcx-limited-range (the textbook
formulas that fad uses, vectorized for this CPU).
All three run on one thread over the same data; each result is checked
against NumPy's, then timed: the median of --runs runs, fad's timer around
the entry only (-t), C++'s around the loop. Writes a Markdown table
(default docs/benchmarks/complex-results.md) naming the machine.

    /usr/bin/python3 tools/bench/complex/run.py [--fadc build/bin/fadc] [--runs 9]
        [--n 1000000] [--out docs/benchmarks/complex-results.md]
"""
import argparse
import os
import platform
import statistics
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fadc", default=os.path.join(ROOT, "build", "bin", "fadc"))
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks", "complex-results.md"))
    args = ap.parse_args()

    rng = np.random.default_rng(7)
    re, im = rng.uniform(-1, 1, args.n), rng.uniform(-1, 1, args.n)
    z, w = re + 1j * im, 0.3 - 0.7j
    expected = np.sum(z * z * w + z / (z + w))

    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "complex")
        subprocess.run([args.fadc, os.path.join(HERE, "complex.fad"), "-o", exe], check=True)
        refs = []
        for flags, label in ((["-O3"], "C++, std::complex<double>, -O3"),
                             (["-O3", "-march=native", "-fcx-limited-range"],
                              "C++, std::complex<double>, -O3 -march=native -fcx-limited-range")):
            ref = os.path.join(tmp, "reference%d" % len(refs))
            subprocess.run(["c++"] + flags + [os.path.join(HERE, "reference.cpp"), "-o", ref],
                           check=True)
            refs.append((ref, label))
        paths = {}
        for name, data in (("re", re), ("im", im)):
            np.save(os.path.join(tmp, name + ".npy"), data)
            data.tofile(os.path.join(tmp, name + ".bin"))
        rows = []
        for entry, label in (("complex_sum", "fad, c128"), ("pairs_sum", "fad, pairs of f64 by hand")):
            times = os.path.join(tmp, "times")
            out = subprocess.run([exe, "-e", entry, "-j", "1", "-r", str(args.runs), "-t", times],
                                 input="@%s @%s" % (os.path.join(tmp, "re.npy"), os.path.join(tmp, "im.npy")),
                                 capture_output=True, text=True, check=True)
            got = complex(*[float(v) for v in out.stdout.split()])
            with open(times) as f:
                ms = statistics.median(int(l) for l in f if l.strip()) / 1e6
            rows.append((label, got, ms))
        for ref, label in refs:
            out = subprocess.run([ref, os.path.join(tmp, "re.bin"), os.path.join(tmp, "im.bin"),
                                  str(args.runs)], capture_output=True, text=True, check=True)
            r, i, ns = out.stdout.split()
            rows.append((label, complex(float(r), float(i)), int(ns) / 1e6))

    for label, got, _ in rows:
        err = abs(got - expected) / abs(expected)
        if err > 1e-9:
            raise SystemExit("%s: %r differs from NumPy's %r (relative %g)" % (label, got, expected, err))
    pairs = rows[1][2]
    cpp = rows[3][2]  # the C++ with fad's formulas and vector width
    lines = ["# Complex arithmetic: c128 against pairs of reals and std::complex",
             "",
             "`tools/bench/complex/run.py`: sum over k of z_k^2 w + z_k / (z_k + w) for "
             "%d random z_k, one thread, median of %d runs; every result agrees with NumPy's "
             "to 1e-9. Machine: %s (%d cores)." % (args.n, args.runs, cpu_name(), os.cpu_count()),
             "",
             "| program | time (ms) | vs fad on pairs | vs C++ (limited range, native) |",
             "|---|---|---|---|"]
    for label, _, ms in rows:
        lines.append("| %s | %.2f | %.2f | %.2f |" % (label, ms, ms / pairs, ms / cpp))
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
