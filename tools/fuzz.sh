#!/usr/bin/env bash
# Runs a libFuzzer target of fad (test/fuzz) for a time, from the seeds in
# the repository.
#
#   tools/fuzz.sh TARGET SECONDS [RUNS]
#
# TARGET is frontend (the parser and elaborator on .fad text), literals (the
# reader of an executable's standard input), npy (the .npy reader), or all
# (each for SECONDS). RUNS, if given, ends a target after that many
# executions instead. Installs clang-19 and libclang-rt-19-dev if missing,
# builds the targets with ASan and UBSan in build-fuzz (FAD_FUZZ_BUILD_DIR),
# and keeps each target's grown corpus in build-fuzz/corpus/TARGET. A crash,
# sanitizer report, leak or input slower than 20 s stops the run with a
# non-zero status and leaves the input in build-fuzz/artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${FAD_FUZZ_BUILD_DIR:-build-fuzz}
TARGET=${1:-}
SECONDS_EACH=${2:-}
RUNS=${3:--1}
case "$TARGET" in
  frontend|literals|npy) TARGETS=("$TARGET") ;;
  all) TARGETS=(frontend literals npy) ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
[[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number" >&2; exit 2; }

tools/build.sh deps clang-19 libclang-rt-19-dev
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  CC=clang-19 CXX=clang++-19 cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir -DFAD_FUZZ=ON
fi
ninja -C "$BUILD_DIR" "${TARGETS[@]/#/fad-fuzz-}"

# Seeds: every .fad file of the repository; literal inputs; .npy files, good
# ones of every element type and the malformed ones of the e2e tests.
seeds=$BUILD_DIR/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{frontend,literals,npy}
find stdlib test tools -name '*.fad' -exec cp -t "$seeds/frontend" --backup=numbered {} +
cp test/fuzz/corpus/literals/* "$seeds/literals"
python3 test/e2e/Inputs/bad_npy.py "$seeds/npy"
/usr/bin/python3 - "$seeds/npy" <<'PY'
import sys, numpy as np
for name, a in {"f8": np.arange(6.0).reshape(2, 3), "f4": np.ones(3, np.float32),
                "i8": np.arange(4), "i4": np.arange(4, dtype=np.int32),
                "b1": np.array([True, False]), "scalar": np.float64(2.5)}.items():
    np.save(f"{sys.argv[1]}/{name}.npy", a)
PY

status=0
for target in "${TARGETS[@]}"; do
  mkdir -p "$BUILD_DIR/corpus/$target" "$BUILD_DIR/artifacts"
  echo "== fuzzing $target for ${SECONDS_EACH} s"
  log=$BUILD_DIR/fuzz-$target.log
  rc=0
  "$BUILD_DIR/bin/fad-fuzz-$target" "$BUILD_DIR/corpus/$target" "$seeds/$target" \
    -max_total_time="$SECONDS_EACH" -runs="$RUNS" -timeout=20 -rss_limit_mb=4096 \
    -max_len=8192 -close_fd_mask=3 -print_final_stats=1 \
    -artifact_prefix="$BUILD_DIR/artifacts/$target-" > "$log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    tail -n 60 "$log"
    echo "== $target: FAILED (status $rc; the input is in $BUILD_DIR/artifacts, the log in $log)"
    status=1
  else
    grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/== $target: /"
  fi
done
exit $status
