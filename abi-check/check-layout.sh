#!/usr/bin/env bash
# Guard (c): the layout of every public struct is pinned.
#   1. layout.c compiles (C11, -pedantic -Werror): its _Static_asserts on
#      sizeof, _Alignof and offsetof hold for HEADER's directory;
#   2. layout.c is complete: every struct with a body in the header (each
#      `typedef struct x { ... } x;`) has SIZE(x, ...), ALIGN(x, ...) and an
#      OFF(x, field, ...) line for each of its fields, so a struct or field
#      added to the header without being pinned fails here as well.
# Usage: check-layout.sh CC HEADER_DIR [LAYOUT_C]
# CC may carry flags ("cc -m64"); the header is HEADER_DIR/ktsnap.h.
set -uo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 CC HEADER_DIR [LAYOUT_C]" >&2
  exit 2
fi
cc=$1
incdir=$2
layout=${3:-$(dirname "$0")/layout.c}
hdr=$incdir/ktsnap.h
read -r -a ccv <<<"$cc"
command -v "${ccv[0]}" >/dev/null || { echo "check-layout: FAIL: C compiler '${ccv[0]}' not found" >&2; exit 1; }
command -v awk >/dev/null || { echo "check-layout: FAIL: awk not found" >&2; exit 1; }
[ -r "$hdr" ] || { echo "check-layout: FAIL: cannot read $hdr" >&2; exit 1; }
[ -r "$layout" ] || { echo "check-layout: FAIL: cannot read $layout" >&2; exit 1; }

fail=0
if ! "${ccv[@]}" -std=c11 -Wall -Wextra -pedantic -Werror -fsyntax-only -I"$incdir" "$layout"; then
  echo "check-layout: FAIL: $layout does not compile against $hdr (a pinned size/offset changed?)" >&2
  fail=1
fi

# struct field pairs from the header: comments dropped, one "struct field"
# line per member, "struct" alone for the struct itself.
pairs=$(awk '
  incomment && /\*\// { sub(/.*\*\//, ""); incomment = 0 }
  incomment { next }
  { gsub(/\/\*([^*]|\*[^\/])*\*\//, ""); sub(/\/\/.*/, "") }
  /\/\*/ { sub(/\/\*.*/, ""); incomment = 1 }
  /^typedef struct [A-Za-z0-9_]+ \{/ { name = $3; print name; next }
  name != "" && /^\}/ { name = ""; next }
  name != "" && /;/ {
    line = $0
    sub(/;.*/, "", line); sub(/\[.*/, "", line)
    n = split(line, w, /[^A-Za-z0-9_]+/)
    while (n > 0 && w[n] == "") n--
    if (n > 0) print name, w[n]
  }' "$hdr")
structs=0
fields=0
missing=()
while read -r s f; do
  [ -n "$s" ] || continue
  if [ -z "${f:-}" ]; then
    structs=$((structs + 1))
    grep -Eq "^SIZE\($s, " "$layout" || missing+=("SIZE($s, ...)")
    grep -Eq "^ALIGN\($s, " "$layout" || missing+=("ALIGN($s, ...)")
  else
    fields=$((fields + 1))
    grep -Eq "^OFF\($s, $f, " "$layout" || missing+=("OFF($s, $f, ...)")
  fi
done <<<"$pairs"
if [ "$structs" -eq 0 ]; then
  echo "check-layout: FAIL: found no struct with a body in $hdr (parser out of date?)" >&2
  fail=1
fi
if [ ${#missing[@]} -ne 0 ]; then
  echo "check-layout: FAIL: $layout does not pin:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  fail=1
fi
if [ $fail -eq 0 ]; then
  echo "check-layout: $structs structs, $fields fields pinned by $(basename "$layout")"
fi
exit $fail
