#!/usr/bin/env python3
"""Runs fad's GradBench tool (tools/gradbench/run.py) on protocol sessions
written here, with small inputs, and checks every output against values
computed independently in NumPy: closed forms, straightforward NumPy
implementations of the objectives, and central finite differences of the
tool's own primal along random directions (J v for Jacobians). Prints one
line per checked (eval, function, input): "EVAL FUNCTION ok" or
"EVAL FUNCTION MISMATCH ..." and exits non-zero on a mismatch.

    check.py --tool 'python3 tools/gradbench/run.py --fadc FADC' EVAL... [--record FILE]
"""
import argparse
import json
import math
import shlex
import subprocess
import sys

import numpy as np

H = 1e-6  # finite-difference step (central differences)


def rho(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        return math.inf
    return float(np.max(np.abs(x - y) / np.maximum(1.0, np.abs(x) + np.abs(y)))) if x.size else 0.0


class Session:
    """Collects the messages of one eval, runs the tool on them, and hands
    back the responses by message id."""

    def __init__(self, module):
        self.module = module
        self.messages = [{"id": 0, "kind": "start", "eval": module},
                         {"id": 1, "kind": "define", "module": module}]

    def evaluate(self, function, inp):
        ident = len(self.messages)
        self.messages.append({"id": ident, "kind": "evaluate", "module": self.module,
                              "function": function,
                              "input": dict(inp, min_runs=2, min_seconds=0)
                              if isinstance(inp, dict) else inp})
        return ident

    def run(self, tool, record):
        text = "".join(json.dumps(m) + "\n" for m in self.messages)
        if record:
            record.write(text)
        proc = subprocess.run(tool, input=text, capture_output=True, text=True, shell=True)
        responses = {}
        for line in proc.stdout.splitlines():
            r = json.loads(line)
            responses[r["id"]] = r
        if proc.returncode != 0 or len(responses) != len(self.messages):
            sys.exit("tool failed (status %d, %d responses):\n%s"
                     % (proc.returncode, len(responses), proc.stderr))
        if not responses[1].get("success"):
            sys.exit("define %s failed: %s" % (self.module, responses[1].get("error")))
        for ident, r in responses.items():
            if ident >= 2:
                if not r.get("success"):
                    sys.exit("evaluate %d failed: %s" % (ident, r.get("error")))
                runs = r.get("timings", [])
                if len(runs) < 2 or any(t["name"] != "evaluate" or t["nanoseconds"] < 0
                                        for t in runs):
                    sys.exit("evaluate %d: expected 2 evaluate timings, got %s" % (ident, runs))
        self.responses = responses

    def out(self, ident):
        return self.responses[ident]["output"]


def report(module, function, error, tolerance):
    status = "ok" if error <= tolerance else "MISMATCH %.3g > %.0e" % (error, tolerance)
    print("%s %s %s" % (module, function, status))
    return error <= tolerance


def fd_plan(session, function, make, base, direction):
    """Messages for the central difference of `function` at make(base + h d)."""
    plus = session.evaluate(function, make(base + H * direction))
    minus = session.evaluate(function, make(base - H * direction))
    return lambda out=session.out: (np.asarray(out(plus), dtype=float)
                                    - np.asarray(out(minus), dtype=float)) / (2 * H)


# --- the evals -----------------------------------------------------------------------------

def lse(rng, s):
    x = rng.uniform(-3.0, 3.0, 50)
    make = lambda v: {"x": v.tolist()}
    p, g = s.evaluate("primal", make(x)), s.evaluate("gradient", make(x))
    e = np.exp(x - x.max())

    def check():
        return [("primal", rho(s.out(p), x.max() + math.log(e.sum())), 1e-12),
                ("gradient", rho(s.out(g), e / e.sum()), 1e-12)]
    return check


def llsq(rng, s):
    m, n = 7, 33
    x = rng.standard_normal(m)
    make = lambda v: {"x": v.tolist(), "n": n}
    p, g = s.evaluate("primal", make(x)), s.evaluate("gradient", make(x))
    t = -1.0 + 2.0 * np.arange(n) / (n - 1)
    a = t[:, None] ** np.arange(m)[None, :]
    r = np.sign(t) - a @ x

    def check():
        return [("primal", rho(s.out(p), 0.5 * r @ r), 1e-12),
                ("gradient", rho(s.out(g), -a.T @ r), 1e-12)]
    return check


def ode(rng, s):
    n, steps = 6, 20
    x = rng.uniform(0.5, 1.5, n)
    make = lambda v: {"x": v.tolist(), "s": steps}
    p, g = s.evaluate("primal", make(x)), s.evaluate("gradient", make(x))
    d = rng.standard_normal(n)
    fd = fd_plan(s, "primal", make, x, d)

    def rk4(x):
        h, y = 2.0 / steps, np.zeros(n)
        f = lambda y: np.concatenate([x[:1], x[1:] * y[:-1]])
        for _ in range(steps):
            k1 = f(y)
            k2 = f(y + 0.5 * h * k1)
            k3 = f(y + 0.5 * h * k2)
            k4 = f(y + h * k3)
            y = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y

    def check():
        # The exact solution's last component is prod(x) (2^n / n!): RK4
        # with 20 steps is close to it; the gradient against differences.
        exact = np.prod(x) * 2.0 ** n / math.factorial(n)
        return [("primal", rho(s.out(p), rk4(x)), 1e-12),
                ("primal-vs-exact", abs(s.out(p)[-1] - exact) / exact, 1e-4),
                ("gradient", rho(np.dot(s.out(g), d), fd()[-1]), 1e-7)]
    return check


def kmeans(rng, s):
    n, k, d = 40, 4, 3
    pts = rng.uniform(0.0, 1.0, (n, d))
    cen = pts[-k:].copy()
    make = {"points": pts.tolist(), "centroids": cen.tolist()}
    c, di = s.evaluate("cost", make), s.evaluate("dir", make)
    dist = ((pts[:, None, :] - cen[None, :, :]) ** 2).sum(axis=2)
    near = dist.argmin(axis=1)
    # J H^-1 in closed form: J_j = 2 (|S_j| C_j - sum S_j), H_j = 2 |S_j|.
    means = np.stack([pts[near == j].mean(axis=0) for j in range(k)])

    def check():
        return [("cost", rho(s.out(c), dist.min(axis=1).sum()), 1e-12),
                ("dir", rho(s.out(di), cen - means), 1e-12)]
    return check


def gmm_numpy(inp):
    d, k, n = inp["d"], inp["k"], inp["n"]
    x, alpha = np.array(inp["x"]), np.array(inp["alpha"])
    mu, q, l = np.array(inp["mu"]), np.array(inp["q"]), np.array(inp["l"]).reshape(k, -1)
    gamma, m = inp["gamma"], inp["m"]
    total = 0.0
    mains = np.zeros((n, k))
    for j in range(k):
        Q = np.diag(np.exp(q[j]))
        idx = 0
        for col in range(d):          # L filled column by column
            for row in range(col + 1, d):
                Q[row, col] = l[j][idx]
                idx += 1
        y = (x - mu[j]) @ Q.T
        mains[:, j] = alpha[j] + q[j].sum() - 0.5 * (y * y).sum(axis=1)
    lse = lambda v, ax=None: v.max(axis=ax) + np.log(np.exp(v - v.max(axis=ax, keepdims=True)).sum(axis=ax))
    total = lse(mains, 1).sum() - n * lse(alpha) - 0.5 * n * d * math.log(2 * math.pi)
    dof = d + m + 1
    lgd = 0.25 * d * (d - 1) * math.log(math.pi) + sum(math.lgamma(0.5 * dof - 0.5 * j)
                                                       for j in range(d))
    c = dof * d * (math.log(gamma) - 0.5 * math.log(2)) - lgd
    prior = -sum(0.5 * gamma * gamma * ((np.exp(q[j]) ** 2).sum() + (l[j] ** 2).sum())
                 - m * q[j].sum() for j in range(k)) + k * c
    return total + prior


def gmm(rng, s):
    d, k, n = 3, 4, 30
    base = {"d": d, "k": k, "n": n, "m": 2, "gamma": 1.5,
            "x": rng.standard_normal((n, d)).tolist()}
    theta = [rng.standard_normal(k), rng.uniform(0, 1, (k, d)), rng.standard_normal((k, d)) * 0.3,
             rng.standard_normal((k, d * (d - 1) // 2)) * 0.3]
    flat = np.concatenate([t.ravel() for t in theta])

    def make(v):
        parts, at = [], 0
        for t in theta:
            parts.append(v[at:at + t.size].reshape(t.shape))
            at += t.size
        return dict(base, alpha=parts[0].tolist(), mu=parts[1].tolist(), q=parts[2].tolist(),
                    l=parts[3].tolist())
    o, j = s.evaluate("objective", make(flat)), s.evaluate("jacobian", make(flat))
    d1 = rng.standard_normal(flat.size)
    fd = fd_plan(s, "objective", make, flat, d1)

    def check():
        g = s.out(j)
        flat_g = np.concatenate([np.ravel(g[key]) for key in ("alpha", "mu", "q", "l")])
        return [("objective", rho(s.out(o), gmm_numpy(make(flat))), 1e-12),
                ("jacobian", rho(flat_g @ d1, fd()), 1e-7)]
    return check


def lstm_numpy(inp):
    main, extra = np.array(inp["main_params"]), np.array(inp["extra_params"])
    state, seq = np.array(inp["state"]), np.array(inp["sequence"])
    layers, b = main.shape[0] // 2, main.shape[1] // 4
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    hs, cs = state[0::2].copy(), state[1::2].copy()
    total = 0.0
    for t in range(seq.shape[0] - 1):
        x = seq[t] * extra[0]
        for i in range(layers):
            w, bias = main[2 * i].reshape(4, b), main[2 * i + 1].reshape(4, b)
            forget, ingate = sig(x * w[0] + bias[0]), sig(hs[i] * w[1] + bias[1])
            outgate, change = sig(x * w[2] + bias[2]), np.tanh(hs[i] * w[3] + bias[3])
            cs[i] = cs[i] * forget + ingate * change
            hs[i] = outgate * np.tanh(cs[i])
            x = hs[i]
        y = x * extra[1] + extra[2]
        total += np.sum(seq[t + 1] * (y - np.log(np.exp(y).sum() + 2.0)))
    return -total / ((seq.shape[0] - 1) * b)


def lstm(rng, s):
    layers, c, b = 2, 6, 3
    main, extra = rng.uniform(-1, 1, (2 * layers, 4 * b)), rng.uniform(-1, 1, (3, b))
    base = {"state": rng.uniform(-1, 1, (2 * layers, b)).tolist(),
            "sequence": (rng.uniform(0, 1, (c, b)) < 0.5).astype(float).tolist()}
    flat = np.concatenate([main.ravel(), extra.ravel()])
    make = lambda v: dict(base, main_params=v[:main.size].reshape(main.shape).tolist(),
                          extra_params=v[main.size:].reshape(extra.shape).tolist())
    o, j = s.evaluate("objective", make(flat)), s.evaluate("jacobian", make(flat))
    d1 = rng.standard_normal(flat.size)
    fd = fd_plan(s, "objective", make, flat, d1)

    def check():
        return [("objective", rho(s.out(o), lstm_numpy(make(flat))), 1e-12),
                ("jacobian", rho(np.dot(s.out(j), d1), fd()), 1e-7)]
    return check


def ba_numpy(cam, x, w, feat):
    r, z = cam[0:3], x - cam[3:6]
    theta = math.sqrt(r @ r)
    u = r / theta
    rot = z * math.cos(theta) + np.cross(u, z) * math.sin(theta) + u * (u @ z) * (1 - math.cos(theta))
    proj = rot[:2] / rot[2]
    rsq = proj @ proj
    proj = proj * (1.0 + cam[9] * rsq + cam[10] * rsq * rsq)
    return w * (proj * cam[6] + cam[7:9] - feat)


def ba(rng, s):
    n, m, p = 3, 5, 7
    cam = np.concatenate([rng.uniform(-0.3, 0.3, 3), rng.uniform(-1, 1, 3), [1.5],
                          rng.uniform(-0.1, 0.1, 4)])
    x = rng.uniform(-1, 1, 3) + [0, 0, 6]
    w, feat = 0.8, rng.uniform(-1, 1, 2)
    flat = np.concatenate([cam, x, [w]])
    make = lambda v: {"n": n, "m": m, "p": p, "cam": v[:11].tolist(), "x": v[11:14].tolist(),
                      "w": float(v[14]), "feat": feat.tolist()}
    o, j = s.evaluate("objective", make(flat)), s.evaluate("jacobian", make(flat))
    d1 = rng.standard_normal(15)
    plus, minus = s.evaluate("objective", make(flat + H * d1)), s.evaluate("objective", make(flat - H * d1))

    def check():
        out, jac = s.out(o), s.out(j)
        e = ba_numpy(cam, x, w, feat)
        want_obj = {"reproj_error": {"elements": e.tolist(), "repeated": p},
                    "w_err": {"element": 1 - w * w, "repeated": p}}
        obj_err = rho(out["reproj_error"]["elements"], e) + rho(out["w_err"]["element"], 1 - w * w)
        obj_err += 0.0 if (out["reproj_error"]["repeated"], out["w_err"]["repeated"]) == (p, p) else 1.0
        # The CSR structure GradBench's manual tool prints: observation 0's
        # two rows of 15 (camera 0, point 0, weight 0), then the last entry.
        rows = [15 * i for i in range(30)] + [31 * p]
        cols = (list(range(11)) + [11 * n + i for i in range(3)] + [11 * n + 3 * m]) * 2 \
            + [11 * n + 3 * m + p - 1]
        structure = 0.0 if (jac["rows"], jac["cols"]) == (rows, cols) else 1.0
        vals = np.array(jac["vals"])
        fd = (np.array(s.out(plus)["reproj_error"]["elements"])
              - np.array(s.out(minus)["reproj_error"]["elements"])) / (2 * H)
        jv = vals[:30].reshape(2, 15) @ d1
        return [("objective", obj_err, 1e-12), ("jacobian-structure", structure, 0.0),
                ("jacobian", rho(jv, fd) + rho(vals[30], -2 * w), 1e-7)]
    return check


def hand_model(rng, v, mirrored):
    nb = 22
    parents = [-1, 0] + sum(([1, 2 + 4 * f, 3 + 4 * f, 4 + 4 * f] for f in range(5)), [])

    def rigid(aa, offset):
        a = np.linalg.norm(aa)
        kx = np.array([[0, -aa[2], aa[1]], [aa[2], 0, -aa[0]], [-aa[1], aa[0], 0]]) / a
        mat = np.eye(4)
        mat[:3, :3] = np.eye(3) + np.sin(a) * kx + (1 - np.cos(a)) * kx @ kx
        mat[:3, 3] = offset
        return mat
    base_rel = [rigid(rng.uniform(-0.3, 0.3, 3), rng.uniform(-1, 1, 3) + [0, 0, 1])
                for _ in range(nb)]
    absolutes = []
    for b in range(nb):
        absolutes.append(base_rel[b] if parents[b] < 0 else absolutes[parents[b]] @ base_rel[b])
    weights = rng.uniform(0, 1, (v, nb)) * (rng.uniform(0, 1, (v, nb)) < 0.2)
    weights[np.arange(v), rng.integers(0, nb, v)] += 1.0
    weights /= weights.sum(axis=1, keepdims=True)
    return {"bone_count": nb, "bone_names": ["b%d" % b for b in range(nb)], "parents": parents,
            "base_relatives": [m.tolist() for m in base_rel],
            "inverse_base_absolutes": [np.linalg.inv(a).tolist() for a in absolutes],
            "base_positions": np.concatenate([rng.uniform(-3, 3, (v, 3)), np.ones((v, 1))],
                                             axis=1).tolist(),
            "weights": weights.tolist(),
            "triangles": rng.integers(0, v, (2 * v, 3)).tolist(), "is_mirrored": mirrored}


def ht_numpy(theta, us, data):
    model = data["model"]
    nb = len(model["parents"])

    def euler(ax, az, ay):
        rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
        ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
        rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
        out = np.eye(4)
        out[:3, :3] = rz @ ry @ rx
        return out
    pose = np.zeros((nb, 3))           # to_pose_params: rows x, z(, y) per bone
    i_theta = 6
    for f in range(5):
        for j in range(3):
            b = 2 + 4 * f + j
            pose[b, 0] = theta[i_theta]
            i_theta += 1
            if j == 0:
                pose[b, 1] = theta[i_theta]
                i_theta += 1
    absolutes = []
    for b in range(nb):
        rel = np.array(model["base_relatives"][b]) @ euler(*pose[b])
        p = model["parents"][b]
        absolutes.append(rel if p < 0 else absolutes[p] @ rel)
    base = np.array(model["base_positions"]).T           # 4 x V
    weights = np.array(model["weights"]).T               # B x V
    pos = np.zeros((3, base.shape[1]))
    for b in range(nb):
        pos += (absolutes[b] @ np.array(model["inverse_base_absolutes"][b]) @ base)[:3] * weights[b]
    if model["is_mirrored"]:
        pos[0] *= -1
    a = np.array(theta[0:3])
    nrm = np.linalg.norm(a)
    kx = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]]) / nrm
    rot = np.eye(3) + np.sin(nrm) * kx + (1 - np.cos(nrm)) * kx @ kx
    pos = rot @ pos + np.array(theta[3:6])[:, None]
    pts = np.array(data["points"])
    err = []
    for i, c in enumerate(data["correspondences"]):
        if us:
            t = model["triangles"][c]
            u = us[i]
            hp = u[0] * pos[:, t[0]] + u[1] * pos[:, t[1]] + (1 - u[0] - u[1]) * pos[:, t[2]]
        else:
            hp = pos[:, c]
        err.extend(pts[i] - hp)
    return np.array(err)


def ht(rng, s):
    checks = []
    for variant, complicated, mirrored in (("simple", False, False), ("complicated", True, True)):
        v, n = 30, 8
        model = hand_model(rng, v, mirrored)
        data = {"model": model, "correspondences": rng.integers(0, 2 * v if complicated else v,
                                                                n).tolist(),
                "points": rng.uniform(-3, 3, (n, 3)).tolist()}
        us = rng.uniform(0, 0.5, (n, 2)) if complicated else np.zeros((0, 2))
        theta = rng.uniform(-0.5, 0.5, 26)
        flat = np.concatenate([theta, us.ravel()])
        make = lambda vv, data=data, nu=us.size: {
            "theta": vv[:26].tolist(), "data": data,
            "us": vv[26:].reshape(-1, 2).tolist() if nu else []}
        o, j = s.evaluate("objective", make(flat)), s.evaluate("jacobian", make(flat))
        d1 = rng.standard_normal(flat.size)
        fd = fd_plan(s, "objective", make, flat, d1)

        def check(o=o, j=j, fd=fd, make=make, flat=flat, d1=d1, variant=variant, nu=us.size):
            jac = np.array(s.out(j))
            inp = make(flat)
            want = ht_numpy(inp["theta"], inp["us"], inp["data"])
            if nu:   # columns: d/du0, d/du1 of the row's own point, then theta
                jv = jac[:, 2:] @ d1[:26] + np.einsum(
                    "pri,pi->pr", jac[:, :2].reshape(-1, 3, 2), d1[26:].reshape(-1, 2)).ravel()
            else:
                jv = jac @ d1
            return [("objective-" + variant, rho(s.out(o), want), 1e-12),
                    ("jacobian-" + variant, rho(jv, fd()), 1e-7)]
        checks.append(check)
    return lambda: sum((c() for c in checks), [])


def det(rng, s):
    results = []
    for ell in (2, 3, 4, 6):
        a = rng.uniform(0, 1, (ell, ell))
        make = {"A": a.ravel().tolist(), "ell": ell}
        p, g = s.evaluate("primal", make), s.evaluate("gradient", make)
        results.append((ell, a, p, g))

    def check():
        out = []
        for ell, a, p, g in results:
            dt = np.linalg.det(a)
            out.append(("primal-%d" % ell, rho(s.out(p), dt), 1e-12))
            # The gradient of det A is det A A^-T (the cofactor matrix).
            out.append(("gradient-%d" % ell, rho(s.out(g), (dt * np.linalg.inv(a).T).ravel()),
                        1e-12))
        return out
    return check


def particle(rng, s):
    ids = {v: s.evaluate(v, {"w": 0.0}) for v in ("ff", "fr", "rf", "rr")}
    # The value GradBench's particle eval expects (its validator).
    return lambda: [(v, rho(s.out(i), 0.2071918746486116), 1e-10) for v, i in ids.items()]


def saddle(rng, s):
    ids = {v: s.evaluate(v, {"start": [1.0, 1.0]}) for v in ("ff", "fr", "rf", "rr")}
    want = [8.246324826140356e-06] * 4   # GradBench's saddle eval's expected output
    return lambda: [(v, rho(s.out(i), want), 1e-10) for v, i in ids.items()]


EVALS = {"lse": lse, "llsq": llsq, "ode": ode, "kmeans": kmeans, "gmm": gmm, "lstm": lstm,
         "ba": ba, "ht": ht, "det": det, "particle": particle, "saddle": saddle}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True, help="the tool's command line")
    parser.add_argument("--record", help="also write the sessions sent to this file")
    parser.add_argument("evals", nargs="+")
    args = parser.parse_args()
    record = open(args.record, "w") if args.record else None
    good = True
    for index, name in enumerate(args.evals):
        rng = np.random.default_rng(100 + index)
        s = Session(name)
        check = EVALS[name](rng, s)
        s.run(args.tool, record)
        for function, error, tolerance in check():
            good &= report(name, function, error, tolerance)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
