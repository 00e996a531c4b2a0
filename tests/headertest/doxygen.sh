#!/usr/bin/env bash
# ctest headertest.doxygen: every declaration of include/ktsnap.h carries a
# doc comment (STYLE.md rule 20). Runs doxygen with docs/Doxyfile, which sets
# WARN_IF_UNDOCUMENTED and WARN_AS_ERROR, so that one warning fails the run.
#   doxygen.sh SOURCE_DIR WORK_DIR
# Then three controls show that the check can fail: copies of the header
# with one function's comment removed, one struct field's comment removed,
# and one family's group markers removed must each be refused, naming what
# lost its documentation. Fails (does not skip) when doxygen is missing.
# Last line: "N passed, N failed".
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SOURCE_DIR WORK_DIR" >&2; exit 2; }
src=$(cd "$1" && pwd) || exit 2
work=$2
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

if ! command -v doxygen >/dev/null 2>&1; then
  echo "FAIL: doxygen is not installed (scripts/install-deps.sh installs it)"
  echo "0 passed, 1 failed"
  exit 1
fi

rm -rf "$work"
mkdir -p "$work"

# run_doxygen HEADER OUTDIR LOG: docs/Doxyfile with the input and output
# replaced; XML only (fast, and enough for doxygen to check everything).
run_doxygen() {
  mkdir -p "$2"
  { cat "$src/docs/Doxyfile"
    echo "INPUT = $1"
    echo "OUTPUT_DIRECTORY = $2"
    echo "GENERATE_HTML = NO"
    echo "GENERATE_XML = YES"
  } | (cd "$src" && doxygen -) >"$3" 2>&1
}

if run_doxygen "$src/include/ktsnap.h" "$work/real" "$work/real.log" && [ ! -s "$work/real.log" ]; then
  ok "include/ktsnap.h: doxygen ran without a warning"
else
  sed 's/^/  /' "$work/real.log"
  bad "include/ktsnap.h: doxygen warned (above)"
fi
# The family groups must hand their comment to every member: one that is
# not the first of its group must have a description in the XML output.
if grep -q 'ktsnap_json_bool_array' "$work/real/xml/ktsnap_8h.xml" 2>/dev/null &&
   python3 - "$work/real/xml/ktsnap_8h.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for m in root.iter('memberdef'):
    if m.findtext('name') == 'ktsnap_json_bool_array':
        text = ''.join(m.find('detaileddescription').itertext()) + ''.join(m.find('briefdescription').itertext())
        sys.exit(0 if 'coercions' in text else 1)
sys.exit(1)
PY
then
  ok "group docs reach every member (ktsnap_json_bool_array has its family's comment)"
else
  bad "ktsnap_json_bool_array has no description in the XML output"
fi

# control NAME EXPECT FILTER...: a copy of the header passed through the
# command FILTER must make doxygen fail with a warning that mentions EXPECT.
control() {
  local name=$1 expect=$2 dir="$work/$1"
  shift 2
  mkdir -p "$dir"
  "$@" <"$src/include/ktsnap.h" >"$dir/ktsnap.h"
  if cmp -s "$dir/ktsnap.h" "$src/include/ktsnap.h"; then
    bad "$name: the edit changed nothing (the control is stale)"
    return
  fi
  if run_doxygen "$dir/ktsnap.h" "$dir/out" "$dir/log"; then
    bad "$name: doxygen accepted the header"
  elif grep -q "$expect" "$dir/log"; then
    ok "$name: refused, naming $expect"
  else
    sed 's/^/  /' "$dir/log"
    bad "$name: doxygen failed without naming $expect"
  fi
}
# Drops the group markers around the JSON array reads: only the first of
# them keeps the comment.
ungroup_json_arrays() {
  awk '
    held != "" { if ($0 ~ /Array reads with the same coercions/) inside = 1; else print held; held = "" }
    /^\/\*\* @\{ \*\/$/ { held = $0; next }
    inside && /^\/\*\* @\} \*\/$/ { inside = 0; next }
    { print }'
}
control undocumented-function ktsnap_json_kind sed '\#^/\*\* The kind of a JSON value#d'
control undocumented-field first_failure sed 's#\(uint32_t first_failure;\) */\*\*<.*\*/#\1#'
control ungrouped-family ktsnap_json_u32_array ungroup_json_arrays

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
