#!/usr/bin/env python3
"""Checks the moments of a uniform array (line 1) and a normal array (line 2)
printed by test/stdlib/random.fad, each within 5 standard errors."""
import ast
import math
import sys

u, z = (ast.literal_eval(l) for l in sys.stdin.read().split("\n")[:2])
n = len(u)
bad = []


def near(name, got, want, sd):
    if abs(got - want) > 5 * sd / math.sqrt(n):
        bad.append("%s = %r, expected %r" % (name, got, want))


near("uniform mean", sum(u) / n, 0.5, math.sqrt(1 / 12))
near("uniform variance", sum((x - 0.5) ** 2 for x in u) / n, 1 / 12, math.sqrt(1 / 180))
near("normal mean", sum(z) / n, 0.0, 1.0)
near("normal variance", sum(x * x for x in z) / n, 1.0, math.sqrt(2))
near("normal fourth moment", sum(x ** 4 for x in z) / n, 3.0, math.sqrt(96))
if not all(0.0 <= x < 1.0 for x in u):
    bad.append("a uniform draw outside [0, 1)")
print("\n".join(bad) if bad else "moments ok")
