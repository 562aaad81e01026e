#!/usr/bin/env python3
"""Runs an executable on several inputs, each in its own process, printing
its output and peak resident memory; then says whether the peaks agree
within 16 MiB (what 'memory independent of the problem's iterations' means
for these tests)."""
import resource
import subprocess
import sys

exe, inputs = sys.argv[1], sys.argv[2:]
peaks = []
for k, text in enumerate(inputs, 1):
    probe = ("import resource, subprocess, sys; "
             "r = subprocess.run([sys.argv[1]], input=sys.argv[2].encode(), capture_output=True); "
             "sys.stdout.write(r.stdout.decode()); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
             "sys.exit(r.returncode)")
    run = subprocess.run([sys.executable, "-c", probe, exe, text], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("run %d failed: %s" % (k, run.stderr))
    *output, peak = run.stdout.split()
    peaks.append(int(peak))
    print("run %d: %s (peak %d KiB)" % (k, " ".join(output), int(peak)))
same = max(peaks) - min(peaks) <= 16 * 1024
print("peak memory independent of the iteration count: %s" % ("yes" if same else "no"))
