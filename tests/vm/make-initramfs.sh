#!/bin/sh
# Builds the QEMU test guest's initramfs (docs/VM-TESTS.md):
#   make-initramfs.sh OUT.cpio.gz BUSYBOX INIT NAME=PROGRAM... MODULE...
# BUSYBOX is a static busybox (its applets become symlinks in /bin); each
# static guest program becomes /bin/NAME; the modules (.ko, .ko.xz,
# .ko.zst) go, decompressed, into /lib/modules.
set -eu
out=$1 busybox=$2 init=$3
shift 3
stage=$out.d
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/sbin" "$stage/proc" "$stage/sys" "$stage/dev" \
  "$stage/lib/modules" "$stage/tmp"
cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
  [ "$a" = busybox ] || ln -sf busybox "$stage/bin/$a"
done
cp "$init" "$stage/init"
chmod 0755 "$stage/init" "$stage/bin/busybox"
while [ $# -gt 0 ]; do
  case $1 in
    *=*) ;;
    *) break ;;
  esac
  name=${1%%=*} prog=${1#*=}
  case $name in
    ''|*/*) echo "make-initramfs: bad program name in $1" >&2; exit 1 ;;
  esac
  cp "$prog" "$stage/bin/$name"
  chmod 0755 "$stage/bin/$name"
  shift
done
for m in "$@"; do
  name=$(basename "$m")
  case $name in
    *.ko.xz) "$busybox" unxz -c "$m" >"$stage/lib/modules/${name%.xz}" ;;
    *.ko.zst) zstd -q -d -c "$m" >"$stage/lib/modules/${name%.zst}" ;;
    *.ko) cp "$m" "$stage/lib/modules/$name" ;;
    *) echo "make-initramfs: not a module: $m" >&2; exit 1 ;;
  esac
done
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --owner=0:0) | gzip -n -6 >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$stage"
