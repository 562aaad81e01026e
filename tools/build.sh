#!/usr/bin/env bash
# Sets up a Debian 12 machine for fad, builds it, and runs the demo or the tests.
#
#   tools/build.sh demo    install what is missing, build, compile and run a
#                          stdlib model (Burgers' equation, with its derivative
#                          in the viscosity) and show its result and reference
#   tools/build.sh test    install what is missing, build, run every test
#   tools/build.sh build   install what is missing and build only
#
# Built tools land in build/bin (fadc, fad-opt). Set FAD_BUILD_DIR to build
# elsewhere. Uses ccache when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${FAD_BUILD_DIR:-build}

PACKAGES=(cmake ninja-build g++ python3 ccache
          llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
          libboost-dev libfmt-dev libgtest-dev)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
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
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
  fi
  ninja -C "$BUILD_DIR" fadc fad-opt FADUnitTests
}

case "${1:-}" in
  build)
    build ;;
  demo)
    build
    model=stdlib/physics/burgers.fad
    echo "== fadc $model -o $BUILD_DIR/burgers"
    "$BUILD_DIR/bin/fadc" "$model" -o "$BUILD_DIR/burgers"
    echo "== echo 4001 0.6 | $BUILD_DIR/burgers   (grid points, end time)"
    echo "   max |u_x(0,t)| and its t; reference 152.00516 at t = 0.51047 (Cole-Hopf)"
    echo "4001 0.6" | "$BUILD_DIR/burgers"
    echo "== echo 201 1000 0.5 1e-6 | $BUILD_DIR/burgers -e dnu"
    echo "   loss, dloss/dnu by reverse mode, by forward mode, by central differences"
    echo "201 1000 0.5 1e-6" | "$BUILD_DIR/burgers" -e dnu ;;
  test)
    build
    ninja -C "$BUILD_DIR" check-fad
    ctest --test-dir "$BUILD_DIR" --output-on-failure ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
