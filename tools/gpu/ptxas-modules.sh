#!/bin/sh
# Assembles each kernel module of `fadc --emit=ptx` output with ptxas.
# usage: tools/gpu/ptxas-modules.sh FILE.ptx ARCH...   (e.g. sm_80 sm_90)
# Prints one line per module and architecture; fails if ptxas rejects one.
set -eu
ptx=$1; shift
ptxas=${PTXAS:-ptxas}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
awk -v dir="$dir" '/^\/\/ kernel module /{ if (file) close(file); file = dir "/" $4 ".ptx"; next }
  file { print > file }' "$ptx"
count=0
for module in "$dir"/*.ptx; do
  [ -e "$module" ] || continue
  for arch in "$@"; do
    "$ptxas" -arch="$arch" "$module" -o "$dir/out.cubin"
    echo "ptxas $arch: $(basename "$module" .ptx) ok"
  done
  count=$((count + 1))
done
echo "$count kernel modules"
