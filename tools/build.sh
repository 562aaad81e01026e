#!/usr/bin/env bash
# Sets up a Debian 12 machine for fad, builds it, and runs the demo or the tests.
#
#   tools/build.sh demo    install what is missing, build, compile and run a
#                          stdlib model (the TFIM chain by VMC) with its
#                          progress, and compare its result with the reference
#   tools/build.sh test    install what is missing, build, run every test
#                          and a short run of each fuzzer (tools/fuzz.sh)
#   tools/build.sh build   install what is missing and build only
#   tools/build.sh deps [PACKAGE...]  install what is missing (and the
#                          Debian packages named) without building
#   tools/build.sh sanitize  the same as test, with the compiler and tools
#                          built with ASan and UBSan (in build-sanitize)
#
# Built tools land in build/bin (fadc, fad-opt). Set FAD_BUILD_DIR to build
# elsewhere. Uses ccache when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=OFF
if [ "${1:-}" = sanitize ]; then
  SANITIZE=ON
  BUILD_DIR=${FAD_BUILD_DIR:-build-sanitize}
else
  BUILD_DIR=${FAD_BUILD_DIR:-build}
fi

PACKAGES=(cmake ninja-build g++ python3 python3-numpy pkgconf ccache
          llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
          libomp-19-dev libboost-dev libfmt-dev libgtest-dev
          openmpi-bin libopenmpi-dev)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  install_packages
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
      -DFAD_SANITIZE=$SANITIZE
  fi
  ninja -C "$BUILD_DIR" fadc fad-opt fad-repl FADUnitTests FADRuntimeTests FADGPURuntimeTests
}

case "${1:-}" in
  deps)
    shift
    install_packages "$@" ;;
  build)
    build ;;
  demo)
    build
    model=stdlib/physics/tfim_vmc.fad
    echo "== fadc $model -o $BUILD_DIR/tfim_vmc"
    "$BUILD_DIR/bin/fadc" "$model" -o "$BUILD_DIR/tfim_vmc"
    echo "== echo 10 1.0 1 | $BUILD_DIR/tfim_vmc -p 10   (spins, field h, seed; energy every 10 SR steps)"
    result=$(echo "10 1.0 1" | "$BUILD_DIR/tfim_vmc" -p 10)
    read -r energy exact error <<< "$(echo $result)"
    echo "variational energy $energy"
    echo "exact ground state $exact (reference -12.7849064430)"
    echo "relative error     $error (required: below 1e-3)" ;;
  test)
    build
    ninja -C "$BUILD_DIR" check-fad
    ninja -C "$BUILD_DIR" check-fad-gpu-emulate
    ctest --test-dir "$BUILD_DIR" --output-on-failure
    # A short run of each libFuzzer target (docs/Testing.md, "Fuzzing").
    tools/fuzz.sh all 30 ;;
  sanitize)
    build
    # Any report fails the run; leaks are not checked (LLVM's and MLIR's
    # process-lifetime singletons are never freed).
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ninja -C "$BUILD_DIR" check-fad
    ctest --test-dir "$BUILD_DIR" --output-on-failure ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
