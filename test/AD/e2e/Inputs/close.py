"""Exits non-zero unless two outputs agree: the same text around their
numbers, and each pair of numbers within a relative 1e-12 (last-bit
differences of evaluation order, such as a fused multiply-add in one loop
structure and not in another)."""
import re
import sys

NUMBER = re.compile(r"-?\d+\.?\d*(?:[eE][-+]?\d+)?|nan|-?inf")


def split(path):
    text = open(path).read()
    return NUMBER.split(text), [float(x) for x in NUMBER.findall(text)]


(text_a, nums_a), (text_b, nums_b) = split(sys.argv[1]), split(sys.argv[2])
if text_a != text_b or len(nums_a) != len(nums_b):
    sys.exit("%s and %s differ in shape" % (sys.argv[1], sys.argv[2]))
for a, b in zip(nums_a, nums_b):
    if not (a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))):
        sys.exit("%r and %r differ" % (a, b))
