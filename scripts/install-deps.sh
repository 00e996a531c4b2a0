#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and benchmarking
# ktsnap needs. Does nothing (no apt call at all) when they are all present.
set -euo pipefail

PKGS=(
  # toolchain
  g++ cmake make pkg-config git
  # BPF fixtures, libFuzzer and its sanitizer runtimes
  clang llvm libclang-rt-14-dev
  # library dependencies
  libbpf-dev libelf-dev zlib1g-dev
  flatbuffers-compiler libflatbuffers-dev
  libsimdjson-dev libboost-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the peer for agreement tests and benchmarks
  bpftool
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
