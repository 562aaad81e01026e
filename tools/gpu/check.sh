#!/bin/bash
# Checks fad's CUDA target on a machine with an NVIDIA GPU (docs/GPU.md,
# "Checking on a GPU"). Unattended; about 8 minutes with 16 cores.
#   tools/gpu/check.sh            (from the repository root or anywhere)
# 1. builds the project (tools/build.sh build: Debian packages, Ninja);
# 2. runs the GPU tests, then the end-to-end suites with every program
#    compiled --target=cuda and run on the GPU (the printed values must be
#    those the tests expect of the host build);
# 3. times the adbench objectives built for the host and for cuda and prints
#    one Markdown table.
# The CUDA toolkit is optional: the driver compiles the embedded PTX. Only
# kernels computing math functions need its libdevice at compile time
# (CUDA_HOME, the ptxas on PATH, or /usr/local/cuda).
set -uo pipefail
cd "$(dirname "$0")/../.."
export FAD_BUILD_DIR=${FAD_BUILD_DIR:-build}
BUILD_DIR=$FAD_BUILD_DIR
LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
status=0
step() { echo; echo "== $*"; }

step "GPU"
nvidia-smi -L 2>/dev/null || echo "nvidia-smi not found"

step "build"
tools/build.sh build > "$BUILD_DIR.check.log" 2>&1 || { tail -30 "$BUILD_DIR.check.log"; exit 1; }
echo "built in $BUILD_DIR"

step "GPU tests (lit: test/fadc/GPU, test/Lowering/GPU)"
python3 "$LIT" -q "$BUILD_DIR/test/fadc/GPU" "$BUILD_DIR/test/Lowering/GPU" || status=1

step "end-to-end suites compiled --target=cuda, run on the GPU"
python3 "$LIT" -q --param fadc_target=cuda "$BUILD_DIR/test/e2e" "$BUILD_DIR/test/AD/e2e" \
  "$BUILD_DIR/test/stdlib" || status=1

step "adbench: host and cuda builds (median of 3 runs)"
out=$(mktemp -d)
for target in host cuda; do
  /usr/bin/python3 tools/bench/adbench/run.py --fadc "$BUILD_DIR/bin/fadc" --runs 3 --rounds 1 \
    --threads "$(nproc)" --fadc-flags="--target=$target" --out "$out/$target.md" \
    > "$out/$target.log" 2>&1 || { cat "$out/$target.log"; status=1; }
done
/usr/bin/python3 - "$out/host.md" "$out/cuda.md" <<'PY'
import sys

def rows(path):
    table = {}
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return table
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 4 and cells[2].replace(".", "", 1).isdigit():
            table[(cells[0], cells[1])] = (float(cells[2]), float(cells[3]))
    return table

host, cuda = rows(sys.argv[1]), rows(sys.argv[2])
print("| objective | size | host primal ms | host derivative ms | cuda primal ms "
      "| cuda derivative ms | derivative host/cuda |")
print("|---|---|---:|---:|---:|---:|---:|")
for key, (hp, hd) in host.items():
    cp, cd = cuda.get(key, (float("nan"), float("nan")))
    ratio = hd / cd if cd > 0 else float("nan")
    print("| %s | %s | %.3f | %.3f | %.3f | %.3f | %.2f |" % (*key, hp, hd, cp, cd, ratio))
PY
rm -rf "$out"
exit $status
