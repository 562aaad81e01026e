#!/usr/bin/env python3
"""Compares two programs' results (files, one result per line in fad's
output syntax) within a relative tolerance (of the larger of each pair):
    same_results.py TOL FILE_A FILE_B
Prints 'same' when every result agrees, else each mismatch, and exits 1."""
import ast
import sys

tol, a_path, b_path = float(sys.argv[1]), sys.argv[2], sys.argv[3]


def results(path):
    with open(path) as f:
        return [ast.literal_eval(l.replace("true", "True").replace("false", "False"))
                for l in f.read().split("\n") if l.strip()]


def close(a, b):
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(map(close, a, b))
    return abs(a - b) <= tol * max(abs(a), abs(b))


a, b = results(a_path), results(b_path)
bad = [(k, x, y) for k, (x, y) in enumerate(zip(a, b)) if not close(x, y)]
if len(a) != len(b) or bad:
    sys.exit("differ: %d and %d results; %s" % (len(a), len(b), bad))
print("same")
