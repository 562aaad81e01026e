"""The conversions between GradBench's JSON inputs and outputs and the
arguments and results of fad's modules, per eval (docs/GradBench.md).

EVALS[eval][function] = (entry, prepare, finish): `prepare(input)` gives the
entry's arguments (NumPy arrays and scalars) from the eval's JSON input, and
`finish(result, input)` the eval's JSON output from the entry's results.
Both run outside the timed calls.
"""
import numpy as np


def f64(value):
    return np.asarray(value, dtype=np.float64)


def as_list(array):
    return np.asarray(array, dtype=np.float64).tolist()


def scalar(result, _input):
    return float(result)


def array(result, _input):
    return as_list(result)


# hello: a number in, a number out.
HELLO = {
    "square": ("square", lambda inp: (float(inp),), scalar),
    "double": ("double", lambda inp: (float(inp),), scalar),
}

# lse: {"x": [n]} -> a number / [n].
LSE = {
    "primal": ("primal", lambda inp: (f64(inp["x"]),), scalar),
    "gradient": ("gradient", lambda inp: (f64(inp["x"]),), array),
}

# llsq: {"x": [m] coefficients, "n": points} -> a number / [m].
LLSQ = {
    "primal": ("primal", lambda inp: (int(inp["n"]), f64(inp["x"])), scalar),
    "gradient": ("gradient", lambda inp: (int(inp["n"]), f64(inp["x"])), array),
}

# ode: {"x": [n], "s": steps} -> [n] / [n].
ODE = {
    "primal": ("primal", lambda inp: (int(inp["s"]), f64(inp["x"])), array),
    "gradient": ("gradient", lambda inp: (int(inp["s"]), f64(inp["x"])), array),
}


# kmeans: {"points": [n][d], "centroids": [k][d]} -> a number / [k][d].
def kmeans_args(inp):
    return f64(inp["points"]), f64(inp["centroids"])


KMEANS = {
    "cost": ("primal", kmeans_args, scalar),
    "dir": ("direction", kmeans_args, array),
}


# gmm: {"d", "k", "n", "x": [n][d], "m", "gamma", "alpha": [k], "mu": [k][d],
# "q": [k][d], "l": [k][d(d-1)/2]} -> a number / {"alpha", "mu", "q", "l"}.
# Older GradBench versions (and ADBench) send "means" for mu and "icf" with
# each component's q and l side by side, and expect the gradient as one flat
# list (alpha, means, icf); both forms are accepted.
def gmm_args(inp):
    d = int(inp["d"]) if "d" in inp else len(inp["x"][0])
    if "icf" in inp:
        icf = f64(inp["icf"])
        mu, q, l = f64(inp["means"]), icf[:, :d], icf[:, d:]
    else:
        mu, q = f64(inp["mu"]), f64(inp["q"])
        l = f64(inp["l"]).reshape(len(inp["l"]), d * (d - 1) // 2)
    return (float(inp.get("gamma", 1.0)), int(inp.get("m", 0)), f64(inp["alpha"]),
            np.ascontiguousarray(mu), np.ascontiguousarray(q), np.ascontiguousarray(l),
            f64(inp["x"]))


def gmm_gradient(result, inp):
    alpha, mu, q, l = result
    if "icf" in inp:
        return (np.concatenate([alpha.ravel(), mu.ravel(),
                                np.concatenate([q, l], axis=1).ravel()])).tolist()
    return {"alpha": as_list(alpha), "mu": as_list(mu), "q": as_list(q), "l": as_list(l)}


GMM = {
    "objective": ("objective", gmm_args, scalar),
    "jacobian": ("jacobian", gmm_args, gmm_gradient),
}


# lstm: {"main_params": [2l][4b] (per layer a weight row then a bias row, each
# the gates forget, input, output, change), "extra_params": [3][b],
# "state": [2l][b] (per layer hidden then cell), "sequence": [c][b]}
# -> a number / the gradient of main_params then extra_params, flattened
# row by row and concatenated.
def lstm_args(inp):
    main = f64(inp["main_params"])
    layers, b = main.shape[0] // 2, main.shape[1] // 4
    state = f64(inp["state"])
    w = np.ascontiguousarray(main[0::2].reshape(layers, 4, b))
    bias = np.ascontiguousarray(main[1::2].reshape(layers, 4, b))
    return (w, bias, f64(inp["extra_params"]), np.ascontiguousarray(state[0::2]),
            np.ascontiguousarray(state[1::2]), f64(inp["sequence"]))


def lstm_gradient(result, inp):
    gw, gb, ge = result
    layers, b = gw.shape[0], gw.shape[2]
    main = np.empty((2 * layers, 4 * b))
    main[0::2] = gw.reshape(layers, 4 * b)
    main[1::2] = gb.reshape(layers, 4 * b)
    return np.concatenate([main.ravel(), ge.ravel()]).tolist()


LSTM = {
    "objective": ("objective", lstm_args, scalar),
    "jacobian": ("jacobian", lstm_args, lstm_gradient),
}


# ba: {"n", "m", "p", "cam": [11], "x": [3], "w", "feat": [2]}: n copies of
# the camera, m of the point, p of the weight and the feature, observation i
# of camera i mod n and point i mod m (as GradBench's manual tool expands
# them). The entries compute every observation; the outputs are GradBench's
# compressed forms:
#   objective: {"reproj_error": {"elements": [2], "repeated": p},
#               "w_err": {"element": e, "repeated": p}}
#   jacobian:  {"rows", "cols", "vals"}: the first 30 entries of the CSR
#              arrays of the (2p + p) x (11n + 3m + p) Jacobian (observation
#              0's two rows) and the last one.
def ba_args(inp):
    n, m, p = int(inp["n"]), int(inp["m"]), int(inp["p"])
    cams = np.tile(f64(inp["cam"]), (n, 1))
    xs = np.tile(f64(inp["x"]), (m, 1))
    ws = np.full(p, float(inp["w"]))
    i = np.arange(p)
    obs = np.stack([i % n, i % m], axis=1).astype(np.float64)
    feats = np.tile(f64(inp["feat"]), (p, 1))
    return cams, xs, ws, obs, feats


def ba_objective(result, inp):
    reproj, werr = result
    return {"reproj_error": {"elements": as_list(reproj[0]), "repeated": int(reproj.shape[0])},
            "w_err": {"element": float(werr[0]), "repeated": int(werr.shape[0])}}


def ba_jacobian(result, inp):
    blocks, wd = result  # [p][2][15] (camera 11, point 3, weight), [p]
    n, m, p = int(inp["n"]), int(inp["m"]), int(inp["p"])
    rows = [15 * k for k in range(30)] + [30 * p + p]
    cam, pt = 0, 0  # observation 0
    cols_row = ([11 * cam + i for i in range(11)] + [11 * n + 3 * pt + i for i in range(3)]
                + [11 * n + 3 * m + 0])
    cols = cols_row + cols_row + [11 * n + 3 * m + p - 1]
    vals = as_list(blocks[0, 0]) + as_list(blocks[0, 1]) + [float(wd[-1])]
    return {"rows": rows, "cols": cols, "vals": vals}


BA = {
    "objective": ("objective", ba_args, ba_objective),
    "jacobian": ("jacobian", ba_args, ba_jacobian),
}


# ht: {"theta": [26], "us": [N][2] or [] (the "simple" variant),
# "data": {"correspondences": [N], "points": [N][3], "model": {"parents",
# "base_relatives": [B][4][4], "inverse_base_absolutes": [B][4][4],
# "base_positions": [V][4], "weights": [V][B], "triangles": [T][3],
# "is_mirrored", "bone_names", ...}}} -> [3N] / [3N][26] (simple) or
# [3N][2 + 26] (complicated: d/du0, d/du1 of each point's own u first).
def ht_args(inp):
    data, model = inp["data"], inp["data"]["model"]
    us = f64(inp.get("us") or []).reshape(-1, 2)
    triangles = f64(model.get("triangles") or []).reshape(-1, 3)
    if us.shape[0] == 0:
        triangles = np.zeros((0, 3))
    return (f64(inp["theta"]), f64(model["parents"]), f64(model["base_relatives"]),
            f64(model["inverse_base_absolutes"]), f64(model["base_positions"]),
            f64(model["weights"]), 1.0 if model.get("is_mirrored") else 0.0,
            f64(data["correspondences"]), f64(data["points"]), us, triangles)


def ht_variant(function):
    return lambda inp: function + ("_complicated" if inp.get("us") else "_simple")


HT = {
    "objective": (ht_variant("objective"), ht_args, array),
    "jacobian": (ht_variant("jacobian"), ht_args, array),
}


# det: {"A": [ell * ell] row-major, "ell"} -> a number / [ell * ell].
def det_args(inp):
    ell = int(inp["ell"])
    return (f64(inp["A"]).reshape(ell, ell),)


DET = {
    "primal": ("primal", det_args, scalar),
    "gradient": ("gradient", det_args, lambda r, inp: as_list(np.ravel(r))),
}

# particle: {"w": start} -> the final w; four variants (argmin's mode, then
# the Euler integration's: f forward, r reverse).
PARTICLE = {v: (v, lambda inp: (float(inp["w"]),), scalar) for v in ("ff", "fr", "rf", "rr")}

# saddle: {"start": [2]} -> [4] (the two players' points); four variants.
SADDLE = {v: (v, lambda inp: (f64(inp["start"]),), array) for v in ("ff", "fr", "rf", "rr")}

EVALS = {
    "hello": HELLO, "lse": LSE, "llsq": LLSQ, "ode": ODE, "kmeans": KMEANS, "gmm": GMM,
    "lstm": LSTM, "ba": BA, "ht": HT, "det": DET, "particle": PARTICLE, "saddle": SADDLE,
}
