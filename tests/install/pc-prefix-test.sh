#!/usr/bin/env bash
# ctest install.pc_prefix: the installed .pc files find their prefix from
# their own folder (${pcfiledir}), for a plain libdir (lib) and for a
# multiarch one (lib/x86_64-linux-gnu, Debian's default with prefix /usr).
# Configures the project (library only, nothing built) with each libdir,
# places the generated libktsnap.pc and libktsnap-static.pc where an install
# would, and asks pkg-config for the include and library locations.
#   pc-prefix-test.sh SOURCE_DIR WORK_DIR
# Last line: "N passed, N failed".
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SOURCE_DIR WORK_DIR" >&2; exit 2; }
src=$(cd "$1" && pwd) || exit 2
work=$2
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

for libdir in lib lib/x86_64-linux-gnu; do
  name=${libdir//\//_}
  b=$work/build-$name
  if ! cmake -S "$src" -B "$b" -DKTSNAP_DEVELOPER_MODE=OFF -DCMAKE_INSTALL_PREFIX=/usr \
       -DCMAKE_INSTALL_LIBDIR="$libdir" >"$work/$name.log" 2>&1; then
    cat "$work/$name.log"
    bad "$libdir: configure failed"
    continue
  fi
  root=$work/root-$name/usr
  mkdir -p "$root/$libdir/pkgconfig" "$root/include"
  cp "$b/ktsnap.pc" "$root/$libdir/pkgconfig/libktsnap.pc"
  [ -f "$b/ktsnap-static.pc" ] && cp "$b/ktsnap-static.pc" "$root/$libdir/pkgconfig/libktsnap-static.pc"
  export PKG_CONFIG_PATH=$root/$libdir/pkgconfig
  inc=$(pkg-config --variable=includedir libktsnap)
  if [ "$(realpath -m "$inc")" = "$root/include" ]; then
    ok "$libdir: libktsnap.pc includedir is the prefix's include"
  else
    bad "$libdir: libktsnap.pc includedir $inc is not $root/include"
  fi
  libs=$(pkg-config --libs-only-L libktsnap | tr -d " ")
  if [ "$(realpath -m "${libs#-L}")" = "$root/$libdir" ]; then
    ok "$libdir: libktsnap.pc links from the prefix's $libdir"
  else
    bad "$libdir: libktsnap.pc -L is $libs, not $root/$libdir"
  fi
  if [ -f "$root/$libdir/pkgconfig/libktsnap-static.pc" ]; then
    a=$(pkg-config --libs libktsnap-static | tr ' ' '\n' | grep 'libktsnap\.a$')
    if [ -n "$a" ] && [ "$(realpath -m "$a")" = "$root/$libdir/libktsnap.a" ]; then
      ok "$libdir: libktsnap-static.pc names the prefix's $libdir/libktsnap.a"
    else
      bad "$libdir: libktsnap-static.pc names '${a:-no archive}', not $root/$libdir/libktsnap.a"
    fi
  else
    bad "$libdir: no ktsnap-static.pc generated"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
