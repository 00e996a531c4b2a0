#!/usr/bin/env bash
# Shows that the guards catch deliberate ABI breaks (ctest abi.breaks).
# Everything happens in a temporary directory; the source tree and the
# build are only read. Each guard must PASS on an unmodified control built
# the same way and FAIL on the break:
#
#  (i)   a removed function: libktsnap relinked from the build's own object
#        files with src/ktsnap.map minus ktsnap_query_count (the control is
#        relinked with the unmodified map) -> check-symbols.sh against the
#        committed ktsnap.symbols, check-abidiff.sh against the committed
#        baseline, and the old client (LD_BIND_NOW) fail;
#  (ii)  a changed public struct: a copy of ktsnap.h with a field inserted
#        at the top of ktsnap_open_opts -> check-layout.sh (layout.c) fails,
#        and check-abidiff.sh fails for a stand-in library compiled from
#        that header against the stand-in compiled from the real one;
#  (iii) a changed signature: ktsnap_value_u64's `uint64_t *out` becomes
#        `uint32_t *out` in the header copy and the stand-in -> abidiff
#        fails (while check-symbols.sh, which sees only names, passes: the
#        reason guard (b) exists);
#  (iv)  a missing tool: each guard run with the tool it needs out of reach
#        fails (does not skip);
#  (v)   not a break, an added function in the stand-in: abidiff's bit 4
#        fails against the empty expectation, and passes once
#        KTSNAP_ABI_ACCEPT=1 has written the report into it.
# The stand-in (breaks/standin.c + standin.map) is four real ktsnap
# functions in one C file, compiled with -g in a second instead of
# rebuilding the library; abidiff reads its DWARF like libktsnap's.
#
# Usage: test-breaks.sh SRC_DIR LIB OBJECTS_FILE CC CXX OLD_CLIENT REPORT [LINK_FLAG...]
#   OBJECTS_FILE: the object files of libktsnap, one per line (CMake writes
#   it); LINK_FLAGs: extra flags of this build's link (sanitizers).
set -uo pipefail

if [ $# -lt 7 ]; then
  echo "usage: $0 SRC_DIR LIB OBJECTS_FILE CC CXX OLD_CLIENT REPORT [LINK_FLAG...]" >&2
  exit 2
fi
src=$1 lib=$2 objects=$3 cc=$4 cxx=$5 old_client=$6 report=$7
shift 7
link_flags=("$@")
abi=$src/abi-check

for tool in "$cc" "$cxx" readelf abidw abidiff; do
  command -v "$tool" >/dev/null || { echo "test-breaks: FAIL: $tool not found" >&2; exit 1; }
done
for f in "$lib" "$objects" "$old_client" "$report" "$src/src/ktsnap.map" "$src/include/ktsnap.h"; do
  [ -r "$f" ] || { echo "test-breaks: FAIL: cannot read $f" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
log=$tmp/guard.log

# expect pass|fail "what" command...: runs a guard, counts whether it did
# what it should; its output is shown only when it did not.
expect() {
  local want=$1 what=$2
  shift 2
  local got=pass
  "$@" >"$log" 2>&1 || got=fail
  if [ "$got" = "$want" ]; then
    echo "ok   $what: ${got}ed as it should"
    # what made it fail, for the reader of the log
    [ "$got" = fail ] && grep -m2 -E 'FAIL|error|differ' "$log" | sed 's/^/       /'
    pass=$((pass + 1))
  else
    echo "FAIL $what: ${got}ed, should have ${want}ed; its output:"
    sed 's/^/       /' "$log"
    fail=$((fail + 1))
  fi
}
setup_failed() {
  echo "test-breaks: FAIL: setup: $*" >&2
  exit 1
}

# ---- (i) a removed function, in the real library ------------------------
removed=ktsnap_query_count
needed=()
while read -r n; do
  case $n in ld-linux*) ;; *) needed+=("-l:$n") ;; esac
done < <(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
mapfile -t objs <"$objects"
[ ${#objs[@]} -gt 0 ] || setup_failed "no object files listed in $objects"
relink() {  # dir, map
  mkdir -p "$1"
  "$cxx" -shared -g -Wl,-soname,libktsnap.so.1 -Wl,--version-script="$2" -Wl,--exclude-libs,ALL \
    -o "$1/libktsnap.so.1" "${objs[@]}" "${needed[@]}" "${link_flags[@]}" ||
    setup_failed "relinking libktsnap into $1"
}
grep -v "^[[:space:]]*$removed;" "$src/src/ktsnap.map" >"$tmp/removed.map"
cmp -s "$src/src/ktsnap.map" "$tmp/removed.map" && setup_failed "$removed is not in src/ktsnap.map"
relink "$tmp/control" "$src/src/ktsnap.map"
relink "$tmp/removed" "$tmp/removed.map"
ldd_of() { LD_LIBRARY_PATH=$1 ldd "$old_client" | grep -F "$1/libktsnap.so.1" >/dev/null; }
ldd_of "$tmp/control" || setup_failed "the old client does not load libktsnap from LD_LIBRARY_PATH"
run_old_client() { LD_BIND_NOW=1 LD_LIBRARY_PATH=$1 "$old_client" "$report"; }

expect pass "(i) control: symbols" "$abi/check-symbols.sh" "$tmp/control/libktsnap.so.1" "$abi/ktsnap.symbols"
expect fail "(i) $removed removed: symbols" "$abi/check-symbols.sh" "$tmp/removed/libktsnap.so.1" "$abi/ktsnap.symbols"
expect pass "(i) control: abidiff" "$abi/check-abidiff.sh" "$tmp/control/libktsnap.so.1" \
  "$abi/libktsnap.so.1.abi" "$abi/expected-report.txt"
expect fail "(i) $removed removed: abidiff" "$abi/check-abidiff.sh" "$tmp/removed/libktsnap.so.1" \
  "$abi/libktsnap.so.1.abi" "$abi/expected-report.txt"
expect pass "(i) control: old client" run_old_client "$tmp/control"
expect fail "(i) $removed removed: old client" run_old_client "$tmp/removed"

# ---- (ii), (iii): header copies and the stand-in library ---------------
variant() {  # name: $tmp/<name>/{include/ktsnap.h, standin.c} from the real ones
  mkdir -p "$tmp/$1/include"
  cp "$src/include/ktsnap.h" "$tmp/$1/include/ktsnap.h"
  cp "$abi/breaks/standin.c" "$tmp/$1/standin.c"
}
standin() {  # name: builds $tmp/<name>/libktsnap.so.1
  "$cc" -std=c11 -g -O0 -fPIC -shared -fvisibility=hidden -I"$tmp/$1/include" \
    -Wl,-soname,libktsnap.so.1 -Wl,--version-script="$abi/breaks/standin.map" \
    -o "$tmp/$1/libktsnap.so.1" "$tmp/$1/standin.c" || setup_failed "compiling the $1 stand-in"
}
variant standin-control
standin standin-control
"$abi/abi-dump.sh" "$tmp/standin-control/libktsnap.so.1" "$tmp/standin-control/include" "$tmp/standin.abi" ||
  setup_failed "abidw of the stand-in"
"$abi/check-symbols.sh" --list "$tmp/standin-control/libktsnap.so.1" >"$tmp/standin.symbols"
: >"$tmp/empty.expected"
guard_abidiff() {  # name
  "$abi/check-abidiff.sh" "$tmp/$1/libktsnap.so.1" "$tmp/standin.abi" "$tmp/empty.expected"
}
expect pass "control: layout" "$abi/check-layout.sh" "$cc" "$tmp/standin-control/include" "$abi/layout.c"
expect pass "stand-in control: abidiff" guard_abidiff standin-control

# (ii) a field inserted at the top of ktsnap_open_opts.
variant struct
awk '{ print } /^typedef struct ktsnap_open_opts \{/ { print "  uint64_t inserted; /* deliberate break */" }' \
  "$src/include/ktsnap.h" >"$tmp/struct/include/ktsnap.h"
grep -q 'deliberate break' "$tmp/struct/include/ktsnap.h" || setup_failed "ktsnap_open_opts not found"
standin struct
expect fail "(ii) ktsnap_open_opts changed: layout" "$abi/check-layout.sh" "$cc" "$tmp/struct/include" "$abi/layout.c"
expect fail "(ii) ktsnap_open_opts changed: abidiff" guard_abidiff struct

# (iii) a parameter type changed.
variant signature
for f in include/ktsnap.h standin.c; do
  sed -i 's/ktsnap_value_u64(uint64_t \*out/ktsnap_value_u64(uint32_t *out/' "$tmp/signature/$f"
  grep -q 'ktsnap_value_u64(uint32_t \*out' "$tmp/signature/$f" || setup_failed "ktsnap_value_u64 not found in $f"
done
standin signature
expect pass "(iii) ktsnap_value_u64 changed: symbols (names only)" "$abi/check-symbols.sh" \
  "$tmp/signature/libktsnap.so.1" "$tmp/standin.symbols"
expect fail "(iii) ktsnap_value_u64 changed: abidiff" guard_abidiff signature

# (v) not a break: an added function. abidiff exits with bit 4; the guard
# fails until the report is accepted into the expectation, then passes.
variant added
printf '%s\n' 'KTSNAP_API uint32_t ktsnap_abi_check_added(void) KTSNAP_NOEXCEPT;' \
  'uint32_t ktsnap_abi_check_added(void) { return 1; }' >>"$tmp/added/standin.c"
sed 's/^\([[:space:]]*\)ktsnap_version;/\1ktsnap_version;\n\1ktsnap_abi_check_added;/' "$abi/breaks/standin.map" \
  >"$tmp/added/standin.map"
"$cc" -std=c11 -g -O0 -fPIC -shared -fvisibility=hidden -I"$tmp/added/include" -Wl,-soname,libktsnap.so.1 \
  -Wl,--version-script="$tmp/added/standin.map" -o "$tmp/added/libktsnap.so.1" "$tmp/added/standin.c" ||
  setup_failed "compiling the added stand-in"
cp "$tmp/empty.expected" "$tmp/added.expected"
added_guard() { "$abi/check-abidiff.sh" "$tmp/added/libktsnap.so.1" "$tmp/standin.abi" "$tmp/added.expected"; }
expect fail "(v) a function added, not reviewed: abidiff" added_guard
KTSNAP_ABI_ACCEPT=1 added_guard >/dev/null 2>&1 || setup_failed "KTSNAP_ABI_ACCEPT=1 did not accept the addition"
grep -q 'ktsnap_abi_check_added' "$tmp/added.expected" || setup_failed "the accepted report does not name the addition"
expect pass "(v) a function added, report accepted: abidiff" added_guard

# ---- (iv) a missing tool fails, it does not skip ------------------------
# A bin dir with everything the scripts use except the tool under test.
tools_except() {  # dir, tool left out
  mkdir -p "$1"
  local t p
  for t in bash sh sed awk grep sort diff cmp mktemp rm cat wc basename dirname mv readelf nm abidw abidiff cc; do
    [ "$t" = "$2" ] && continue
    p=$(command -v "$t") && ln -sf "$p" "$1/$t"
  done
}
tools_except "$tmp/no-readelf" readelf
tools_except "$tmp/no-abidiff" abidiff
tools_except "$tmp/no-abidw" abidw
expect fail "(iv) no readelf: symbols" env PATH="$tmp/no-readelf" bash "$abi/check-symbols.sh" "$lib" "$abi/ktsnap.symbols"
expect fail "(iv) no abidiff: abidiff" env PATH="$tmp/no-abidiff" bash "$abi/check-abidiff.sh" "$lib" \
  "$abi/libktsnap.so.1.abi" "$abi/expected-report.txt"
expect fail "(iv) no abidw: abi-dump" env PATH="$tmp/no-abidw" bash "$abi/abi-dump.sh" \
  "$tmp/standin-control/libktsnap.so.1" "$tmp/standin-control/include" "$tmp/x.abi"
expect fail "(iv) no C compiler: layout" "$abi/check-layout.sh" "$tmp/no-such-cc" "$src/include" "$abi/layout.c"

echo "test-breaks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
