#!/usr/bin/env python3
"""Checks that a program's scalar results (one per line on stdin) agree with
each other within a relative tolerance:
    agree.py TOL I J [I J ...]
compares result I with result J (0-based) for each pair. Prints 'agree' when
all pairs do, else each disagreement, and exits 1."""
import sys

tol, pairs = float(sys.argv[1]), sys.argv[2:]
values = [float(l) for l in sys.stdin.read().split("\n") if l.strip()]
bad = []
for i, j in zip(pairs[::2], pairs[1::2]):
    a, b = values[int(i)], values[int(j)]
    if abs(a - b) > tol * max(abs(a), abs(b)):
        bad.append("results %s and %s disagree: %r vs %r" % (i, j, a, b))
print("\n".join(bad) if bad else "agree")
sys.exit(1 if bad else 0)
