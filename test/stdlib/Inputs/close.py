#!/usr/bin/env python3
"""Compares a program's results (one per line on stdin, in fad's output
syntax) with expected values within a relative tolerance:
    close.py TOL EXPECTED_1 EXPECTED_2 ...
Each EXPECTED is a literal (number or nested list), or _ to skip that result. Prints 'close' when all
agree, else each mismatch, and exits 1."""
import ast
import sys

tol, expected = float(sys.argv[1]), sys.argv[2:]
lines = [l for l in sys.stdin.read().split("\n") if l.strip()]
if len(lines) != len(expected):
    sys.exit("expected %d results, got %d: %s" % (len(expected), len(lines), lines))


def close(a, b):
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(map(close, a, b))
    return abs(a - b) <= tol * max(1.0, abs(b))


bad = [(got, want) for got, want in zip(lines, expected)
       if want != "_" and not close(ast.literal_eval(got), eval(want, {'__builtins__': {}}))]
for got, want in bad:
    print("mismatch: got %s, expected %s" % (got, want))
print("close" if not bad else "not close")
sys.exit(1 if bad else 0)
