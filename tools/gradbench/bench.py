#!/usr/bin/env python3
"""Times fad's GradBench tool (run.py, through the protocol) on one workload
per eval at GradBench's default sizes, next to PyTorch on the same inputs
(the PyTorch versions of tools/bench/adbench/run.py, where that file has
the objective), or next to GradBench's hand-written C++ tool `manual`
(--manual DIR), and prints a Markdown table (docs/GradBench.md). Medians of
--runs runs; fad's times are the tool's `evaluate` timings.

    /usr/bin/python3 tools/gradbench/bench.py [--fadc FADC] [--runs 3] [--only lse,gmm]
        [--threads N] [--manual DIR]

--manual DIR: DIR holds GradBench's `manual` executables built from a
GradBench checkout (`make -C tools/manual`), one per eval, each run as
`DIR/<eval> INPUT.json FUNCTION` (the interface of GradBench's
cpp/gradbench/main.hpp: the output as JSON on the first line, then one
timing per line). The table then has manual's times, fad/manual, and the
largest relative difference between the two tools' outputs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench", "adbench"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "tools", "gradbench", "Inputs"))
import run as adbench  # noqa: E402  (its PyTorch objectives and input generators)
import check  # noqa: E402  (the synthetic hand model)

try:
    import torch
except ImportError:
    torch = None


# ADBench's hand: finger f is a parameter-free bone 1 + 4f under the root
# and three posed bones 2 + 4f .. 4 + 4f in a chain; bone 21 under the root.
# GradBench's `manual` Jacobian is only right for this tree (it drops
# derivatives through a parameter-free bone that has posed children).
ADBENCH_PARENTS = [-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19, 0]


def adbench_hand_tree(model):
    """The synthetic hand model with ADBench's bone tree (and the inverse
    base absolutes that go with it)."""
    relatives = [np.array(m) for m in model["base_relatives"]]
    absolutes = []
    for bone, parent in enumerate(ADBENCH_PARENTS):
        absolutes.append(relatives[bone] if parent < 0 else absolutes[parent] @ relatives[bone])
    return dict(model, parents=ADBENCH_PARENTS,
                inverse_base_absolutes=[np.linalg.inv(a).tolist() for a in absolutes])


def workloads(rng):
    """(eval, size, primal, derivative, input, torch: (fn, args, wrt, kind) or None)."""
    out = []
    x = rng.random(1_280_000)
    out.append(("lse", "n = 1 280 000", "primal", "gradient", {"x": x.tolist()},
                (adbench.lse_torch, [x], [0], None)))
    x = rng.random(128)
    out.append(("llsq", "n = 16 392, m = 128", "primal", "gradient", {"x": x.tolist(), "n": 16392},
                (lambda xx: adbench.llsq_torch(16392, xx), [x], [0], None)))
    x = rng.random(100_000)
    out.append(("ode", "n = 100 000, s = 100", "primal", "gradient", {"x": x.tolist(), "s": 100},
                (lambda xx: adbench.ode_torch(100, xx), [x], [0], "last")))
    pts = rng.random((10_000, 16))
    out.append(("kmeans", "k = 100, n = 10 000, d = 16", "cost", "dir",
                {"points": pts.tolist(), "centroids": pts[-100:].tolist()},
                (adbench.kmeans_torch, [pts, pts[-100:].copy()], [1], "newton")))
    d, k, n = 64, 100, 1000
    g = {"d": d, "k": k, "n": n, "m": 0, "gamma": 1.0, "x": rng.standard_normal((n, d)),
         "mu": rng.random((k, d)), "q": rng.standard_normal((k, d)),
         "l": rng.standard_normal((k, d * (d - 1) // 2)), "alpha": rng.standard_normal(k)}
    out.append(("gmm", "d = 64, k = 100, n = 1000", "objective", "jacobian",
                {key: (v.tolist() if isinstance(v, np.ndarray) else v) for key, v in g.items()},
                (adbench.gmm_torch, [g["alpha"], g["mu"], g["q"], g["l"], g["x"]], [0, 1, 2, 3],
                 None)))
    l, c, b = 4, 4096, 14
    w, bias, extra, hs, cs, seq = adbench.lstm_inputs(rng, l, c, b)
    main = np.empty((2 * l, 4 * b))
    main[0::2], main[1::2] = w.reshape(l, -1), bias.reshape(l, -1)
    state = np.empty((2 * l, b))
    state[0::2], state[1::2] = hs, cs
    out.append(("lstm", "l = 4, c = 4096", "objective", "jacobian",
                {"main_params": main.tolist(), "extra_params": extra.tolist(),
                 "state": state.tolist(), "sequence": seq.tolist()},
                (adbench.lstm_torch, [w, bias, extra, hs, cs, seq], [0, 1, 2], None)))
    cam = np.concatenate([rng.uniform(-0.3, 0.3, 3), rng.uniform(-1, 1, 3), [1.5],
                          rng.uniform(-0.1, 0.1, 4)])
    ba_in = {"n": 49, "m": 7776, "p": 31843, "cam": cam.tolist(),
             "x": (rng.uniform(-1, 1, 3) + [0, 0, 6]).tolist(), "w": 0.8,
             "feat": rng.uniform(-1, 1, 2).tolist()}
    import evals
    cams, xs, ws, obs, feats = evals.ba_args(ba_in)
    out.append(("ba", "ba1 sizes: n = 49, m = 7776, p = 31 843", "objective", "jacobian", ba_in,
                (adbench.ba_torch, [cams, xs, ws, obs, feats], [0, 1, 2], "jacobian")))
    model = adbench_hand_tree(check.hand_model(rng, 544, False))
    npts = 10_000
    data = {"model": model, "correspondences": rng.integers(0, 544, npts).tolist(),
            "points": rng.uniform(-3, 3, (npts, 3)).tolist()}
    theta = rng.uniform(-0.5, 0.5, 26)
    targs = [theta, np.array(model["parents"], float), np.array(model["base_relatives"]),
             np.array(model["inverse_base_absolutes"]), np.array(model["base_positions"]),
             np.array(model["weights"]), np.array(data["correspondences"], float),
             np.array(data["points"])]
    out.append(("ht", "simple, N = 10 000, V = 544 (synthetic model)", "objective", "jacobian",
                {"theta": theta.tolist(), "data": data, "us": []},
                (adbench.ht_torch, targs, [0], "jacobian")))
    data_c = dict(data, correspondences=rng.integers(0, 1088, npts).tolist())
    out.append(("ht", "complicated, N = 10 000, V = 544 (synthetic model)", "objective",
                "jacobian", {"theta": theta.tolist(), "data": data_c,
                             "us": rng.uniform(0, 0.5, (npts, 2)).tolist()}, None))
    a = rng.random(11 * 11)
    out.append(("det", "ell = 11", "primal", "gradient", {"A": a.tolist(), "ell": 11}, None))
    out.append(("particle", "w = 0", "rr", "ff", {"w": 0.0}, None))
    out.append(("saddle", "start = (1, 1)", "rr", "ff", {"start": [1.0, 1.0]}, None))
    return out


def fad_times(args, name, functions, inp):
    messages = [{"id": 0, "kind": "start", "eval": name}, {"id": 1, "kind": "define", "module": name}]
    for f in functions:
        messages.append({"id": len(messages), "kind": "evaluate", "module": name, "function": f,
                         "input": dict(inp, min_runs=args.runs, min_seconds=0)})
    text = "".join(json.dumps(m) + "\n" for m in messages)
    cmd = [sys.executable, os.path.join(HERE, "run.py")] + (["--fadc", args.fadc] if args.fadc else [])
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, input=text, capture_output=True, text=True, check=True)
    responses = [json.loads(line) for line in proc.stdout.splitlines()]
    results = []
    for r in responses[2:]:
        if not r.get("success"):
            sys.exit("%s: %s" % (name, r.get("error")))
        results.append((statistics.median(t["nanoseconds"] for t in r["timings"]) / 1e6,
                        r["output"]))
    return results


def manual_times(args, name, functions, inp):
    """GradBench's manual tool on the same input: (median ms, output) per
    function, or None where DIR has no executable for the eval."""
    exe = os.path.join(args.manual, name)
    if not os.access(exe, os.X_OK):
        return None
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.json")
        with open(path, "w") as f:
            json.dump(dict(inp, min_runs=args.runs, min_seconds=0), f)
        for function in functions:
            lines = subprocess.run([exe, path, function], capture_output=True, text=True,
                                   check=True).stdout.splitlines()
            times = [json.loads(line)["nanoseconds"] for line in lines[1:]
                     if '"evaluate"' in line]
            results.append((statistics.median(times) / 1e6, json.loads(lines[0])))
    return results


def leaves(value, path=""):
    """{path: array} of a JSON value (objects by sorted key)."""
    if isinstance(value, dict):
        return {p: a for k in sorted(value) for p, a in leaves(value[k], path + "/" + k).items()}
    return {path: np.asarray(value, dtype=float)}


def max_relative_difference(a, b):
    """The largest |x - y| / max(|x|, |y|) over the outputs' elements (tiny
    elements relative to the largest count as equal), or None when their
    structure differs."""
    la, lb = leaves(a), leaves(b)
    if la.keys() != lb.keys() or any(la[k].shape != lb[k].shape for k in la):
        return None
    worst = 0.0
    for k in la:
        x, y = la[k], lb[k]
        if x.size:
            floor = 1e-12 * max(np.max(np.abs(x)), 1e-300)
            worst = max(worst, float(np.max(np.abs(x - y) /
                                            np.maximum(np.maximum(np.abs(x), np.abs(y)), floor))))
    return worst


def torch_times(spec, runs):
    fn, inputs, wrt, kind = spec
    tensors = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in inputs]

    def median(call):
        ts = []
        for _ in range(runs):
            start = time.perf_counter()
            call()
            ts.append((time.perf_counter() - start) * 1e3)
        return statistics.median(ts)
    with torch.no_grad():
        primal = median(lambda: fn(*tensors))
    derivative = median(lambda: adbench.torch_derivative(None, fn, inputs, wrt, kind)
                        if kind != "jacobian" else
                        adbench.TORCH_JACOBIAN["ba" if fn is adbench.ba_torch else "ht"](*tensors))
    return primal, derivative


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fadc")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--only")
    parser.add_argument("--manual", help="GradBench's manual executables (see above)")
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(args.threads or os.cpu_count())
    if args.manual:
        print("| eval | workload | function | manual (ms) | fad (ms) | fad / manual "
              "| outputs: max relative difference |")
        print("|---|---|---|---|---|---|---|")
    else:
        print("| eval | workload | fad primal (ms) | fad derivative (ms) | d/p "
              "| PyTorch primal (ms) | PyTorch derivative (ms) | d/p |")
        print("|---|---|---|---|---|---|---|---|")
    for name, size, pf, df, inp, tspec in workloads(np.random.default_rng(31337)):
        if args.only and name not in args.only.split(","):
            continue
        fad = fad_times(args, name, [pf, df], inp)
        if args.manual:
            manual = manual_times(args, name, [pf, df], inp)
            for function, (ft, fo), (mt, mo) in zip([pf, df], fad, manual or []):
                diff = max_relative_difference(mo, fo)
                print("| %s | %s | %s | %.3f | %.3f | %.2f | %s |" % (
                    name, size, function, mt, ft, ft / mt,
                    "structure differs" if diff is None else "%.1e" % diff), flush=True)
            continue
        p, d = fad[0][0], fad[1][0]
        if tspec is not None and torch is not None:
            tp, td = torch_times(tspec, args.runs)
            torch_cols = "%.3f | %.3f | %.2f" % (tp, td, td / tp)
        else:
            torch_cols = "– | – | –"
        label = size if name not in ("particle", "saddle") else "%s (`%s` / `%s`)" % (size, pf, df)
        ratio = "%.2f" % (d / p) if name not in ("particle", "saddle") else "–"
        print("| %s | %s | %.3f | %.3f | %s | %s |" % (name, label, p, d, ratio, torch_cols),
              flush=True)


if __name__ == "__main__":
    main()
