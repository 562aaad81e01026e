#!/usr/bin/env python3
"""fad as a GradBench tool: speaks GradBench's protocol (newline-delimited
JSON messages on standard input, one response per line on standard output)
for the evals listed in evals.txt.

    /usr/bin/python3 tools/gradbench/run.py [--fadc FADC] [--threads N] [--cache DIR]

`define` compiles the eval's module, tools/gradbench/<eval>.fad, once with
`fadc --emit=python` and loads the generated NumPy module; `evaluate`
converts the eval's JSON input into the module's arguments (outside the
timing), calls the compiled entry the requested number of times, timing each
call of the C function alone (one `evaluate` timing per run), and converts
the last result into the eval's JSON output. The conversions of each eval
are in evals.py (and described in docs/GradBench.md).

Needs NumPy (Debian's python3-numpy) and fadc: --fadc, else $FADC, else
build/bin/fadc of this checkout, else fadc on PATH.
"""
import argparse
import ctypes
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import evals  # noqa: E402  (the per-eval conversions)


def find_fadc(given):
    if given:
        return given
    if os.environ.get("FADC"):
        return os.environ["FADC"]
    built = os.path.join(ROOT, "build", "bin", "fadc")
    if os.path.exists(built):
        return built
    return shutil.which("fadc") or "fadc"


class Entry:
    """One call of a compiled entry with fixed arguments: the arguments are
    converted once (by the generated module's own checks), then `run` calls
    the C function alone and returns its time in nanoseconds."""

    def __init__(self, module, name, values):
        # An entry whose name C or Python reserves (`double`) gets a
        # trailing `_` in the generated module (docs/CAPI.md).
        wrapper = None
        for pyname in (name, name + "_"):
            candidate = getattr(module, pyname, None)
            if callable(candidate) and (candidate.__doc__ or "").startswith("entry %s " % name):
                wrapper = candidate
        if wrapper is None:
            raise KeyError("the compiled module has no entry '%s'" % name)
        captured = []
        original = module._call

        def capture(function, entry, params, results, values):
            captured.append((function, entry, params, results, values))
            return None

        module._call = capture
        try:
            wrapper(*values)
        finally:
            module._call = original
        self.module = module
        self.function, self.entry, params, self.results, values = captured[0]
        self.keep, args = [], []
        for (pname, kind, rank), value in zip(params, values):
            args += module._argument(self.entry, pname, kind, rank, value, self.keep)
        self.outs = []
        for kind, rank in self.results:
            if rank == 0:
                self.outs.append((module._SCALARS[kind](),))
            else:
                self.outs.append((ctypes.c_void_p(), (ctypes.c_int64 * rank)()))
        pointers = [ctypes.byref(part) for out in self.outs for part in out]
        self.args = args + pointers
        self.context = ctypes.c_void_p(module._context())

    def run(self):
        function, context, args = self.function, self.context, self.args
        start = time.perf_counter_ns()
        status = function(context, *args)
        stop = time.perf_counter_ns()
        if status != 0:
            message = self.module._lib.fad_context_error(self.context).decode()
            raise RuntimeError("%s: %s" % (self.entry, message))
        return stop - start

    def collect(self, keep):
        """The results of the last run as NumPy arrays and floats (keep=True),
        or just frees its arrays (keep=False)."""
        import numpy as np
        values = []
        for (kind, rank), out in zip(self.results, self.outs):
            if rank == 0:
                values.append(out[0].value)
                continue
            pointer, shape = out[0].value, tuple(out[1])
            if keep:
                dtype = np.dtype(self.module._DTYPES[kind])
                size = int(np.prod(shape))
                if size:
                    buffer = (ctypes.c_uint8 * (size * dtype.itemsize)).from_address(pointer)
                    values.append(np.frombuffer(buffer, dtype=dtype).reshape(shape).copy())
                else:
                    values.append(np.empty(shape, dtype=dtype))
            self.module._lib.fad_free(pointer)
        return values[0] if len(values) == 1 else tuple(values)


def run_counts(inp):
    """GradBench's repetition fields: min_runs and min_seconds (current
    evals), or runs (older evals); one run when none is given."""
    if isinstance(inp, dict) and ("min_runs" in inp or "min_seconds" in inp):
        return max(1, int(inp.get("min_runs", 1))), float(inp.get("min_seconds", 0.0))
    if isinstance(inp, dict) and "runs" in inp:
        return max(1, int(inp["runs"])), 0.0
    return 1, 0.0


class Tool:
    def __init__(self, args):
        self.fadc = find_fadc(args.fadc)
        self.threads = args.threads
        self.cache = args.cache or tempfile.mkdtemp(prefix="fad-gradbench-")
        self.modules = {}

    def start(self, message):
        return {"tool": "fad", "config": {"fadc": self.fadc, "threads": self.threads}}

    def define(self, message):
        name = message.get("module")
        if name not in evals.EVALS:
            return {"success": False,
                    "error": "fad has no module for eval '%s' (it has: %s)"
                             % (name, ", ".join(sorted(evals.EVALS)))}
        source = os.path.join(HERE, name + ".fad")
        out = os.path.join(self.cache, name)
        start = time.perf_counter_ns()
        proc = subprocess.run([self.fadc, "--emit=python", source, "-o", out],
                              capture_output=True, text=True)
        compile_ns = time.perf_counter_ns() - start
        if proc.returncode != 0:
            return {"success": False,
                    "error": "fadc failed on %s:\n%s" % (name + ".fad", proc.stderr + proc.stdout)}
        spec = importlib.util.spec_from_file_location("fad_gradbench_" + name,
                                                      os.path.join(out, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if self.threads is not None:
            module.set_threads(self.threads)
        self.modules[name] = module
        return {"success": True, "timings": [{"name": "compile", "nanoseconds": compile_ns}]}

    def evaluate(self, message):
        name, function = message.get("module"), message.get("function")
        if name not in self.modules:
            return {"success": False, "error": "module '%s' is not defined" % name}
        adapter = evals.EVALS[name]
        if function not in adapter:
            return {"success": False,
                    "error": "eval '%s' has no function '%s' (it has: %s)"
                             % (name, function, ", ".join(sorted(adapter)))}
        entry_name, prepare, finish = adapter[function]
        inp = message.get("input")
        if callable(entry_name):  # an entry chosen by the input (ht's two variants)
            entry_name = entry_name(inp)
        values = prepare(inp)
        min_runs, min_seconds = run_counts(inp)
        entry = Entry(self.modules[name], entry_name, values)
        timings, elapsed, runs = [], 0.0, 0
        while runs < min_runs or elapsed < min_seconds:
            if runs > 0:
                entry.collect(keep=False)
            ns = entry.run()
            timings.append({"name": "evaluate", "nanoseconds": ns})
            elapsed += ns / 1e9
            runs += 1
        result = entry.collect(keep=True)
        return {"success": True, "output": finish(result, inp), "timings": timings}

    def handle(self, line):
        try:
            message = json.loads(line.strip())
        except ValueError as e:
            return {"id": None, "success": False, "error": "malformed message: %s" % e}
        if not isinstance(message, dict):
            return {"id": None, "success": False, "error": "malformed message: not a JSON object"}
        response = {"id": message.get("id")}
        kind = message.get("kind")
        try:
            if kind == "start":
                response.update(self.start(message))
            elif kind == "define":
                response.update(self.define(message))
            elif kind == "evaluate":
                response.update(self.evaluate(message))
            elif kind == "analysis":
                pass
            else:
                response.update({"success": False, "error": "unknown message kind %r" % kind})
        except Exception as e:  # reported to the eval, not fatal to the tool
            response.update({"success": False, "error": "%s: %s" % (type(e).__name__, e)})
            if os.environ.get("FAD_GRADBENCH_TRACE"):
                traceback.print_exc()
        return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fadc", help="the fad compiler (default: $FADC, build/bin/fadc, PATH)")
    parser.add_argument("--threads", type=int,
                        help="threads of fad's parallel loops (default: fad's, one per core "
                             "or OMP_NUM_THREADS)")
    parser.add_argument("--cache", help="where define puts the compiled modules (default: a "
                                        "new temporary directory)")
    tool = Tool(parser.parse_args())
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            kind = json.loads(line).get("kind")
        except (ValueError, AttributeError):
            kind = None
        if kind == "end":  # some evals close the session with it; no response
            break
        print(json.dumps(tool.handle(line)), flush=True)


if __name__ == "__main__":
    try:
        main()
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
