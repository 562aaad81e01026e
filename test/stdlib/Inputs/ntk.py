#!/usr/bin/env python3
"""Checks stdlib/physics/ntk.fad's results (empirical NTK by gradients, by
JVP, and the infinite-width limit, one a line):
    ntk.py WIDTH LIMIT
the two algorithms agree to 1e-10, the limit is LIMIT to 1e-7, and the
empirical kernel is within 3/sqrt(WIDTH) of it."""
import sys

width, want = int(sys.argv[1]), float(sys.argv[2])
by_grad, by_jvp, limit = map(float, sys.stdin.read().split())
bad = []
if abs(by_grad - by_jvp) > 1e-10 * abs(limit):
    bad.append("the algorithms disagree: %r vs %r" % (by_grad, by_jvp))
if abs(limit - want) > 1e-7:
    bad.append("limit %r, expected %r" % (limit, want))
if abs(by_grad - limit) > 3 / width ** 0.5:
    bad.append("empirical %r is not within 3/sqrt(%d) of %r" % (by_grad, width, limit))
print("\n".join(bad) if bad else "ntk ok")
sys.exit(1 if bad else 0)
