#!/usr/bin/env python3
"""The AD benchmark suite (ADBench/GradBench objectives, defined in
docs/benchmarks/adbench.md, "The objectives"): lse, llsq, gmm, lstm, kmeans,
ode, ba and ht, each written in
.fad (this directory) and differentiated by fadc, against a hand-written C++
objective and derivative (reference.cpp, -O3 -march=native) and PyTorch
(python3-torch), in the same run: fad and PyTorch on --threads threads
(default 1), the C++ always on one.

Every derivative is first checked against the hand-written one
(rho(x, y) = |x - y| / max(1, |x| + |y|) <= 1e-8) and against central finite
differences of fad's own primal along a random direction; then each
function is timed (median of --runs runs, in --rounds rounds of all the
timings of an objective, keeping each time's fastest round; fad's and C++'s
timers exclude reading the input, PyTorch's are taken around the call). Writes a Markdown
table (default docs/benchmarks/adbench-results.md) naming the machine.

    /usr/bin/python3 tools/bench/adbench/run.py [--fadc build/bin/fadc] [--runs 5] [--rounds 3]
        [--threads 1] [--quick] [--only lse,llsq] [--flush-subnormals] [--fadc-flags=--target=cuda]
        [--out docs/benchmarks/adbench-results.md] [--json FILE]

--json FILE also writes every timing (each round's median, and the fastest)
and ratio with the machine, thread count, flags and git revision, which
tools/bench/adbench/plot.py draws.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import torch
except ImportError:  # the checks (--quick) run without the PyTorch peer
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def rho(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1.0, np.abs(x) + np.abs(y)))) if x.size else 0.0


# --- Workloads: inputs (a list of scalars and arrays) and the PyTorch peer ----------------

def lse_inputs(rng, n):
    return [rng.uniform(0.0, 1.0, n)]


def lse_torch(x):
    m = torch.max(x)
    return m + torch.log(torch.sum(torch.exp(x - m)))


def llsq_inputs(rng, m, n):
    return [m, rng.standard_normal(n) / n]


def llsq_torch(m, x):
    n = x.shape[0]
    t = -1.0 + 2.0 * torch.arange(m, dtype=torch.float64) / (m - 1)
    s = torch.sign(t)
    powers = t[:, None] ** torch.arange(n, dtype=torch.float64)[None, :]
    r = s - powers @ x
    return 0.5 * torch.sum(r * r)


def kmeans_inputs(rng, k, n, d):
    return [rng.uniform(0.0, 1.0, (n, d)), rng.uniform(0.0, 1.0, (k, d))]


def kmeans_torch(p, c):
    dist = torch.sum((p[:, None, :] - c[None, :, :]) ** 2, dim=2)
    return torch.sum(torch.min(dist, dim=1).values)


def ode_inputs(rng, n, s):
    return [s, rng.uniform(0.0, 1.0, n)]


def ode_torch(s, x):
    h = 2.0 / s
    y = torch.zeros_like(x)

    def f(y):
        return torch.cat([x[:1], x[1:] * y[:-1]])
    for _ in range(s):
        k1 = f(y)
        k2 = f(y + 0.5 * h * k1)
        k3 = f(y + 0.5 * h * k2)
        k4 = f(y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def gmm_inputs(rng, d, k, n):
    return [rng.uniform(0.0, 1.0, k), rng.uniform(0.0, 1.0, (k, d)),
            rng.uniform(0.0, 1.0, (k, d)) * 0.1, rng.uniform(0.0, 1.0, (k, d * (d - 1) // 2)) * 0.1,
            rng.uniform(0.0, 1.0, (n, d))]


def gmm_torch(alpha, mu, q, l, x):
    n, d = x.shape
    k = alpha.shape[0]
    rows, cols = [], []
    for c in range(d):               # L filled column by column
        for r in range(c + 1, d):
            rows.append(r)
            cols.append(c)
    lower = torch.zeros(k, d, d, dtype=torch.float64)
    lower[:, rows, cols] = l
    qmat = torch.diag_embed(torch.exp(q)) + lower
    z = x[:, None, :] - mu[None, :, :]                      # n k d
    y = torch.einsum("kab,nkb->nka", qmat, z)
    mains = alpha[None, :] + torch.sum(q, dim=1)[None, :] - 0.5 * torch.sum(y * y, dim=2)
    data = torch.sum(torch.logsumexp(mains, dim=1))
    prior = -torch.sum(0.5 * (torch.sum(torch.exp(2 * q), dim=1) + torch.sum(l * l, dim=1)))
    log_gamma_d = 0.25 * d * (d - 1) * math.log(math.pi) + sum(
        math.lgamma(0.5 * (d + 1) - 0.5 * j) for j in range(d))
    constant = -0.5 * n * d * math.log(2 * math.pi) + k * (
        (d + 1) * d * math.log(1 / math.sqrt(2.0)) - log_gamma_d)
    return constant + data - n * torch.logsumexp(alpha, dim=0) + prior


def lstm_inputs(rng, l, c, b=14):
    return [rng.uniform(-1.0, 1.0, (l, 4, b)), rng.uniform(-1.0, 1.0, (l, 4, b)),
            rng.uniform(-1.0, 1.0, (3, b)), rng.uniform(-1.0, 1.0, (l, b)),
            rng.uniform(-1.0, 1.0, (l, b)), (rng.uniform(0.0, 1.0, (c, b)) < 0.5) * 1.0]


def lstm_torch(w, bias, extra, hs, cs, seq):
    hs, cs = list(hs), list(cs)
    total = 0.0
    for t in range(seq.shape[0] - 1):
        x = seq[t] * extra[0]
        for i in range(w.shape[0]):
            gate = lambda g, v: torch.sigmoid(v * w[i, g] + bias[i, g])
            cs[i] = cs[i] * gate(0, x) + gate(1, hs[i]) * torch.tanh(hs[i] * w[i, 3] + bias[i, 3])
            hs[i] = x = gate(2, x) * torch.tanh(cs[i])
        y = x * extra[1] + extra[2]
        total = total + torch.sum(seq[t + 1] * (y - torch.log(torch.sum(torch.exp(y)) + 2.0)))
    return -total / ((seq.shape[0] - 1) * seq.shape[1])


def ba_inputs(rng, n, m, p):
    # Cameras: rotation (small angle-axis), center, focal length, principal
    # point, radial distortion; points in front of them.
    cams = np.concatenate([rng.uniform(-0.3, 0.3, (n, 3)), rng.uniform(-1.0, 1.0, (n, 3)),
                           rng.uniform(1.0, 2.0, (n, 1)), rng.uniform(-0.1, 0.1, (n, 4))], axis=1)
    xs = rng.uniform(-1.0, 1.0, (m, 3)) + [0.0, 0.0, 6.0]
    obs = np.stack([rng.integers(0, n, p), rng.integers(0, m, p)], axis=1) * 1.0
    return [cams, xs, rng.uniform(0.5, 1.5, p), obs, rng.uniform(-1.0, 1.0, (p, 2))]


def ba_torch_errors(c, x, w, feats):
    # Rodrigues' rotation; the inputs' rotations are never zero, so the
    # formula's small-angle branch is left out.
    r, z = c[:, 0:3], x - c[:, 3:6]
    theta = torch.sqrt(torch.sum(r * r, dim=1, keepdim=True))
    u = r / theta
    cos, sin = torch.cos(theta), torch.sin(theta)
    rotated = (z * cos + torch.cross(u, z, dim=1) * sin
               + u * (torch.sum(u * z, dim=1, keepdim=True) * (1.0 - cos)))
    proj = rotated[:, 0:2] / rotated[:, 2:3]
    rsq = torch.sum(proj * proj, dim=1, keepdim=True)
    distort = 1.0 + c[:, 9:10] * rsq + c[:, 10:11] * rsq * rsq
    return w[:, None] * (proj * distort * c[:, 6:7] + c[:, 7:9] - feats)


def ba_torch(cams, xs, ws, obs, feats):
    return ba_torch_errors(cams[obs[:, 0].long()], xs[obs[:, 1].long()], ws, feats), 1.0 - ws * ws


def ba_torch_jacobian(cams, xs, ws, obs, feats):
    # Every observation's 15 unknowns as its own leaf; a reverse pass per
    # error component gives all 2 x 15 blocks.
    leaves = [cams[obs[:, 0].long()].requires_grad_(), xs[obs[:, 1].long()].requires_grad_(),
              ws.clone().requires_grad_()]
    err = ba_torch_errors(*leaves, feats)
    rows = []
    for r in range(2):
        gc, gx, gw = torch.autograd.grad(err[:, r].sum(), leaves, retain_graph=r == 0)
        rows.append(torch.cat([gc, gx, gw[:, None]], dim=1))
    return [torch.stack(rows, dim=1), -2.0 * ws]


def ba_jv(inputs, derivative, direction):
    cams, xs, ws, obs, feats = inputs
    dc, dx, dw = direction
    ci, pi = obs[:, 0].astype(int), obs[:, 1].astype(int)
    v = np.concatenate([dc[ci], dx[pi], dw[:, None]], axis=1)
    return np.einsum("prk,pk->pr", derivative[0], v)


def ht_inputs(rng, n, v=544):
    # A synthetic hand: wrist bones 0 <- 1, five fingers of 4 bones hanging
    # from bone 1; each bone a rotation and an offset from its parent.
    nb = 22
    parents = np.array([-1.0, 0.0] + sum(([1.0, 2.0 + 4 * f, 3.0 + 4 * f, 4.0 + 4 * f]
                                         for f in range(5)), []))

    def rigid(angle_axis, offset):
        a = np.linalg.norm(angle_axis)
        k = angle_axis / a
        cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
        m = np.eye(4)
        m[:3, :3] = np.eye(3) + np.sin(a) * cross + (1 - np.cos(a)) * cross @ cross
        m[:3, 3] = offset
        return m
    base_rel = np.stack([rigid(rng.uniform(-0.3, 0.3, 3), rng.uniform(-1.0, 1.0, 3) + [0, 0, 1])
                         for _ in range(nb)])
    absolutes = []
    for b in range(nb):
        p = int(parents[b])
        absolutes.append(base_rel[b] if p < 0 else absolutes[p] @ base_rel[b])
    inv_base_abs = np.stack([np.linalg.inv(a) for a in absolutes])
    base_pos = np.concatenate([rng.uniform(-3.0, 3.0, (v, 3)), np.ones((v, 1))], axis=1)
    weights = rng.uniform(0.0, 1.0, (v, nb)) * (rng.uniform(0.0, 1.0, (v, nb)) < 0.15)
    weights[np.arange(v), rng.integers(0, nb, v)] += 1.0
    weights /= weights.sum(axis=1, keepdims=True)
    theta = rng.uniform(-0.5, 0.5, 26)
    corr = rng.integers(0, v, n) * 1.0
    points = rng.uniform(-3.0, 3.0, (n, 3))
    return [theta, parents, base_rel, inv_base_abs, base_pos, weights, corr, points]


def ht_torch(theta, parents, base_rel, inv_base_abs, base_pos, weights, corr, points):
    zero, one = torch.zeros_like(theta[0]), torch.ones_like(theta[0])

    def euler(ax, az, ay):
        cx, sx, cz, sz, cy, sy = (torch.cos(ax), torch.sin(ax), torch.cos(az), torch.sin(az),
                                  torch.cos(ay), torch.sin(ay))
        return torch.stack([torch.stack(row) for row in (
            [cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx, zero],
            [sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx, zero],
            [-sy, cy * sx, cy * cx, zero], [zero, zero, zero, one])])
    absolutes = []
    for b in range(parents.shape[0]):
        angles = [zero, zero, zero]
        if b >= 2:
            j, base = (b - 2) % 4, 6 + 4 * ((b - 2) // 4)
            if j == 0:
                angles = [theta[base], theta[base + 1], zero]
            elif j < 3:
                angles = [theta[base + j + 1], zero, zero]
        rel = base_rel[b] @ euler(*angles)
        p = int(parents[b])
        absolutes.append(rel if p < 0 else absolutes[p] @ rel)
    transforms = torch.stack(absolutes) @ inv_base_abs
    skinned = torch.einsum("ub,brc,uc->ur", weights, transforms[:, :3, :], base_pos)
    a = theta[0:3]
    n = torch.sqrt(torch.sum(a * a))
    x, y, z = a[0] / n, a[1] / n, a[2] / n
    s, c = torch.sin(n), torch.cos(n)
    rot = torch.stack([torch.stack(row) for row in (
        [x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
        [x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s],
        [x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c])])
    return (points - (skinned[corr.long()] @ rot.T + theta[3:6])).reshape(-1)


def ht_torch_jacobian(theta, *model):
    # Forward mode, one pass per parameter (column).
    import torch.autograd.forward_ad as fwAD
    columns = []
    for k in range(theta.shape[0]):
        with fwAD.dual_level():
            seed = torch.zeros_like(theta)
            seed[k] = 1.0
            columns.append(fwAD.unpack_dual(ht_torch(fwAD.make_dual(theta, seed), *model)).tangent)
    return [torch.stack(columns, dim=1)]


def ht_jv(inputs, derivative, direction):
    return derivative[0] @ direction[0]


# (objective = fad file, size, inputs from a random generator, the PyTorch
# function, indices of the differentiated inputs, derivative kind: None for
# the gradient of a scalar, "last" for that of the last component, "newton"
# for kmeans' J / (H 1)).
WORKLOADS = [
    ("lse", "n = 1 000 000", lambda r: lse_inputs(r, 1_000_000), lse_torch, [0], None),
    ("llsq", "m = 128, n = 4 096", lambda r: llsq_inputs(r, 128, 4096), llsq_torch, [1], None),
    ("gmm", "d = 10, k = 25, n = 1000", lambda r: gmm_inputs(r, 10, 25, 1000), gmm_torch,
     [0, 1, 2, 3], None),
    ("gmm", "d = 64, k = 100, n = 1000", lambda r: gmm_inputs(r, 64, 100, 1000), gmm_torch,
     [0, 1, 2, 3], None),
    ("lstm", "l = 2, c = 1024, b = 14", lambda r: lstm_inputs(r, 2, 1024), lstm_torch,
     [0, 1, 2], None),
    ("lstm", "l = 4, c = 4096, b = 14", lambda r: lstm_inputs(r, 4, 4096), lstm_torch,
     [0, 1, 2], None),
    ("ba", "n = 49, m = 7 776, p = 31 843 (ba1)", lambda r: ba_inputs(r, 49, 7776, 31843),
     ba_torch, [0, 1, 2], "jacobian"),
    ("ht", "N = 10 000, V = 544 (simple)", lambda r: ht_inputs(r, 10_000), ht_torch, [0],
     "jacobian"),
    ("kmeans", "k = 100, n = 10 000, d = 16", lambda r: kmeans_inputs(r, 100, 10_000, 16),
     kmeans_torch, [1], "newton"),
    ("ode", "n = 10, s = 10 000", lambda r: ode_inputs(r, 10, 10_000), ode_torch, [1], "last"),
]
QUICK = {"lse": lambda r: lse_inputs(r, 10_000), "llsq": lambda r: llsq_inputs(r, 32, 64),
         "gmm": lambda r: gmm_inputs(r, 3, 4, 50), "kmeans": lambda r: kmeans_inputs(r, 5, 100, 3),
         "ode": lambda r: ode_inputs(r, 5, 20), "lstm": lambda r: lstm_inputs(r, 2, 10, 4),
         "ba": lambda r: ba_inputs(r, 3, 5, 20), "ht": lambda r: ht_inputs(r, 20, 30)}
DERIVATIVE_ENTRY = {"kmeans": "direction", "ba": "jacobian", "ht": "jacobian"}
# Jacobians: PyTorch's, and J v from fad's result (checked against central
# finite differences of the primal's first result).
TORCH_JACOBIAN = {"ba": ba_torch_jacobian, "ht": ht_torch_jacobian}
JACOBIAN_TIMES = {"ba": ba_jv, "ht": ht_jv}


def median_ms(times_ns):
    # The timers count nanoseconds.
    return max(statistics.median(times_ns), 1.0) / 1e6


class Runner:
    def __init__(self, args, work):
        self.args, self.work = args, work
        self.reference = os.path.join(work, "reference")
        subprocess.run(["c++", "-O3", "-march=native", "-std=c++17",
                        os.path.join(HERE, "reference.cpp"), "-o", self.reference], check=True)
        self.compiled = {}

    def fad_program(self, name):
        if name not in self.compiled:
            exe = os.path.join(self.work, name)
            subprocess.run([self.args.fadc, os.path.join(HERE, name + ".fad"), "-o", exe]
                           + self.args.fadc_flags.split(), check=True)
            self.compiled[name] = exe
        return self.compiled[name]

    def write_inputs(self, tag, inputs):
        words = []
        for i, v in enumerate(inputs):
            if isinstance(v, np.ndarray):
                path = os.path.join(self.work, "%s_in%d.npy" % (tag, i))
                np.save(path, v)
                words.append(path)
            else:
                words.append(str(v))
        return words

    def run_fad(self, name, entry, words, runs):
        out = tempfile.mkdtemp(dir=self.work)
        times = os.path.join(out, "times")
        fad_words = ["@" + w if w.endswith(".npy") else w for w in words]
        flags = ["--flush-subnormals"] if self.args.flush_subnormals else []
        run = subprocess.run([self.fad_program(name), "-e", entry, "-r", str(runs), "-t", times,
                              "-j", str(self.args.threads), "--npy-out", out] + flags,
                             input=" ".join(fad_words), capture_output=True, text=True, check=True)
        results = [np.load(line[1:]) if line.startswith("@") else float(line)
                   for line in run.stdout.split()]
        return results, [int(t) for t in open(times).read().split()]

    def run_reference(self, name, mode, words, runs):
        out = tempfile.mkdtemp(dir=self.work)
        times = os.path.join(out, "times")
        env = dict(os.environ, FLUSH_SUBNORMALS="1") if self.args.flush_subnormals else None
        subprocess.run([self.reference, name, mode, str(runs), times, out] + words, check=True,
                       env=env)
        results, k = [], 0
        while os.path.exists(os.path.join(out, "result%d.npy" % k)):
            results.append(np.load(os.path.join(out, "result%d.npy" % k)))
            k += 1
        return results, [int(t) for t in open(times).read().split()]


def torch_derivative(name, fn, inputs, wrt, kind):
    if kind == "jacobian":
        return [j.detach() for j in TORCH_JACOBIAN[name](
            *[torch.tensor(v) if isinstance(v, np.ndarray) else v for v in inputs])]
    args = [torch.tensor(v, dtype=torch.float64, requires_grad=(i in wrt))
            if isinstance(v, np.ndarray) else v for i, v in enumerate(inputs)]
    params = [args[i] for i in wrt]
    if kind == "newton":
        value = fn(*args)
        (g,) = torch.autograd.grad(value, params, create_graph=True)
        (h,) = torch.autograd.grad(g, params, grad_outputs=torch.ones_like(g))
        return [torch.where(h == 0, torch.zeros_like(g), g / h).detach()]
    value = fn(*args)
    if kind == "last":
        value = value[-1]
    return [g.detach() for g in torch.autograd.grad(value, params)]


def time_torch(call, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e9)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fadc", default=os.path.join(ROOT, "build", "bin", "fadc"))
    parser.add_argument("--runs", type=int, default=5, help="timed runs per round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of timings; the table takes each time's fastest round")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of fad's parallel loops and of PyTorch")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and 3 runs: checks only, for the test suite")
    parser.add_argument("--flush-subnormals", action="store_true",
                        help="all three compute with subnormals as zero (fad's --flush-subnormals)")
    parser.add_argument("--fadc-flags", default="",
                        help="more fadc options for fad's programs (e.g. --target=cuda)")
    parser.add_argument("--only", help="comma-separated objectives to run (default: all)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks", "adbench-results.md"))
    parser.add_argument("--json", help="also write every timing and ratio to this file")
    args = parser.parse_args()
    if torch is None and not args.quick:
        sys.exit("run.py: timing needs PyTorch (apt-get install python3-torch)")
    if torch is not None:
        torch.set_num_threads(args.threads)
        torch.set_flush_denormal(args.flush_subnormals)
    runs = 3 if args.quick else args.runs
    rows, failures, records = [], 0, []
    with tempfile.TemporaryDirectory() as work:
        runner = Runner(args, work)
        for index, (name, size, make, torch_fn, wrt, kind) in enumerate(WORKLOADS):
            if args.quick and any(w[0] == name for w in WORKLOADS[:index]):
                continue
            if args.only and name not in args.only.split(","):
                continue
            rng = np.random.default_rng(2026 + index)
            inputs = (QUICK[name] if args.quick else make)(rng)
            words = runner.write_inputs("w%d" % index, inputs)
            entry = DERIVATIVE_ENTRY.get(name, "gradient")
            fad_p, fad_pt = runner.run_fad(name, "primal", words, runs)
            fad_d, fad_dt = runner.run_fad(name, entry, words, runs)
            ref_p, ref_pt = runner.run_reference(name, "primal", words, runs)
            ref_d, ref_dt = runner.run_reference(name, "derivative", words, runs)
            # Checks: every derivative against the hand-written one, the
            # primals against each other, and fad against finite differences.
            checks = {
                "fad primal": rho(np.asarray(fad_p[0]), ref_p[0]),
                "fad derivative": max(rho(a, b) for a, b in zip(fad_d, ref_d)),
            }
            if torch is not None:
                tensors = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in inputs]
                with torch.no_grad():
                    torch_p = torch_fn(*tensors)
                torch_d = torch_derivative(name, torch_fn, inputs, wrt, kind)
                if isinstance(torch_p, tuple):
                    torch_p = torch_p[0]
                checks["torch primal"] = rho(torch_p.numpy(), ref_p[0])
                checks["torch derivative"] = max(rho(a.numpy(), b) for a, b in zip(torch_d, ref_d))
            if kind != "newton":
                direction = [rng.standard_normal(np.shape(inputs[i])) for i in wrt]
                h = 1e-5
                shifted = []
                for sign in (1.0, -1.0):
                    moved = list(inputs)
                    for i, v in zip(wrt, direction):
                        moved[i] = inputs[i] + sign * h * v
                    value = runner.run_fad(name, "primal", runner.write_inputs("fd", moved), 1)[0][0]
                    shifted.append(np.asarray(value).ravel())
                fd = (shifted[0] - shifted[1]) / (2 * h)
                if kind == "jacobian":
                    jv = np.asarray(JACOBIAN_TIMES[name](inputs, fad_d, direction)).ravel()
                else:
                    fd = fd[-1:]
                    jv = sum(float(np.sum(g * v)) for g, v in zip(fad_d, direction))
                checks["fad vs finite differences"] = rho(fd, jv)
            bad = {k: v for k, v in checks.items()
                   if v > (1e-6 if k == "fad vs finite differences" else 1e-8)}
            status = "ok" if not bad else "MISMATCH " + ", ".join("%s %.1e" % kv for kv in bad.items())
            failures += bool(bad)
            print("%-7s %-28s %s" % (name, "(small)" if args.quick else size, status), flush=True)
            if args.quick:
                continue
            # Rounds of all six timings, one after the other: the machine
            # slows down for minutes at a time (by up to 2x), and the fastest
            # round's median is the one least disturbed.
            medians = []
            for r in range(args.rounds):
                if r > 0:
                    fad_pt = runner.run_fad(name, "primal", words, runs)[1]
                    fad_dt = runner.run_fad(name, entry, words, runs)[1]
                    ref_pt = runner.run_reference(name, "primal", words, runs)[1]
                    ref_dt = runner.run_reference(name, "derivative", words, runs)[1]
                with torch.no_grad():
                    tp = time_torch(lambda: torch_fn(*tensors), runs)
                td = time_torch(lambda: torch_derivative(name, torch_fn, inputs, wrt, kind), runs)
                medians.append([median_ms(t) for t in (fad_pt, fad_dt, ref_pt, ref_dt, tp, td)])
            rows.append((name, size, *[min(column) for column in zip(*medians)], status))
            records.append(json_record(rows[-1], medians, checks))
    if not args.quick:
        write_table(args.out, rows, runs, args)
        if args.json:
            write_json(args.json, records, runs, args)
    sys.exit(1 if failures else 0)


TIMINGS = ("fad primal", "fad derivative", "C++ primal", "C++ derivative", "torch primal",
           "torch derivative")


def json_record(row, medians, checks):
    """One objective's timings (ms: the fastest round's and every round's
    median), the ratios of the Markdown table, and the checks' rho."""
    name, size, fp, fd, cp, cd, tp, td, status = row
    return {"objective": name, "size": size, "status": status, "checks": checks,
            "ms": dict(zip(TIMINGS, (fp, fd, cp, cd, tp, td))),
            "rounds_ms": {k: [m[i] for m in medians] for i, k in enumerate(TIMINGS)},
            "ratios": {"fad derivative/primal": fd / fp, "C++ derivative/primal": cd / cp,
                       "torch derivative/primal": td / tp, "fad/C++ primal": fp / cp,
                       "fad/C++ derivative": fd / cd, "torch/fad derivative": td / fd}}


def write_json(path, records, runs, args):
    try:
        revision = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True,
                                  text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        revision = "unknown"
    with open(path, "w") as f:
        json.dump({"machine": machine(), "threads": args.threads, "runs": runs,
                   "rounds": args.rounds, "flush_subnormals": args.flush_subnormals,
                   "fadc_flags": args.fadc_flags, "git_revision": revision,
                   "torch": torch.__version__, "objectives": records}, f, indent=1)
        f.write("\n")


def machine():
    model = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d cores, %s" % (model, os.cpu_count(), platform.platform())


def write_table(path, rows, runs, args):
    threads = args.threads
    flags = " --flush-subnormals" if args.flush_subnormals else ""
    flags += " --only %s" % args.only if args.only else ""
    flags += " --fadc-flags=%s" % args.fadc_flags if args.fadc_flags else ""
    lines = ["# AD benchmarks: fad against hand-written C++ and PyTorch", "",
             "Generated by `/usr/bin/python3 tools/bench/adbench/run.py --threads %d%s` (each "
             "time: the fastest of %d rounds' medians of %d runs; fad and PyTorch on %d thread%s, "
             "the C++ on one) on: %s; PyTorch %s."
             % (threads, flags, args.rounds, runs, threads, "s" if threads > 1 else "", machine(),
                torch.__version__),
             "",
             "Times in milliseconds. *d/p* is derivative / primal; *vs C++* is fad's time over "
             "the hand-written C++ (primal, derivative); *torch/fad* is PyTorch's derivative "
             "time over fad's. Every derivative was checked against the hand-written one "
             "(rho <= 1e-8) and, except kmeans' Newton direction, against central finite "
             "differences before timing (*check*).", "",
             "| objective | size | fad primal | fad deriv. | d/p | C++ primal | C++ deriv. | "
             "d/p | torch primal | torch deriv. | d/p | fad vs C++ (p, d) | torch/fad (d) | check |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, size, fp, fd, cp, cd, tp, td, status in rows:
        lines.append("| %s | %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | "
                     "%.2f, %.2f | %.2f | %s |" % (name, size, fp, fd, fd / fp, cp, cd, cd / cp,
                                                  tp, td, td / tp, fp / cp, fd / cd, td / fd, status))
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
