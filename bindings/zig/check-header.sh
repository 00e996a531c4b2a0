#!/usr/bin/env bash
# Header check: `zig translate-c` of include/ktsnap.h must
#   - translate every function the header declares (a `pub extern fn`),
#   - put no @compileError on anything of ktsnap.h except the macros that
#     are C-only by design: the *_INIT designated initialisers (bindings
#     use the ktsnap_*_init() functions, STYLE.md rule 8) and the attribute
#     macros KTSNAP_API / KTSNAP_DEPRECATED / KTSNAP_PLUGIN_EXPORT,
#   - demote no struct that has a body in C to `opaque {}` (handles the
#     header declares incomplete are opaque on purpose),
#   - leave no "demoted" / "unable to translate" note on a declaration.
#   check-header.sh ZIG HEADER_DIR WORK_DIR
# Prints every failure and "header check: OK" or "header check: N problem(s)".
set -uo pipefail
zig=${1:?usage: check-header.sh ZIG HEADER_DIR WORK_DIR}
inc=${2:?}
work=${3:?}
hdr=$inc/ktsnap.h
if ! "$zig" version >/dev/null 2>&1; then
  echo "skip: zig not found ('$zig'); scripts/install-deps.sh installs Zig 0.11"
  exit 77
fi
mkdir -p "$work"
export ZIG_GLOBAL_CACHE_DIR=$work/global ZIG_LOCAL_CACHE_DIR=$work/local
out=$work/ktsnap_h.zig
if ! "$zig" translate-c -lc -I "$inc" "$hdr" >"$out" 2>"$work/translate.err"; then
  echo "zig translate-c failed:"; cat "$work/translate.err"
  echo "header check: 1 problem(s)"
  exit 1
fi
problems=0
fail() { echo "FAIL: $*"; problems=$((problems + 1)); }

# 1. @compileError on declarations that come from ktsnap.h.
while IFS= read -r line; do
  name=$(sed -E 's/^pub const ([A-Za-z0-9_]+) = .*/\1/' <<<"$line")
  case $name in
    KTSNAP_*_INIT | KTSNAP_API | KTSNAP_DEPRECATED | KTSNAP_PLUGIN_EXPORT) ;;
    *) fail "@compileError for $name: $line" ;;
  esac
done < <(grep '@compileError' "$out" | grep -F "ktsnap.h:" || true)
# Anything ktsnap-named with a @compileError that carries no location.
while IFS= read -r line; do
  fail "@compileError: $line"
done < <(grep -E '^pub (const|fn|extern fn) (ktsnap|KTSNAP|struct_ktsnap)[A-Za-z0-9_]* .*@compileError' "$out" | grep -v -F "ktsnap.h:" || true)

# 2. Every struct with a body in the header is an extern struct, not opaque.
mapfile -t bodies < <(grep -oE '^(typedef )?struct [a-z_0-9]+ \{' "$hdr" | sed -E 's/^(typedef )?struct ([a-z_0-9]+) \{/\2/' | sort -u)
[ ${#bodies[@]} -gt 0 ] || fail "found no struct with a body in $hdr"
for s in "${bodies[@]}"; do
  if grep -qE "^pub const struct_$s = opaque \{\};" "$out"; then
    fail "struct $s has a body in C but translate-c made it opaque {}"
  elif ! grep -qE "^pub const struct_$s = extern struct \{" "$out"; then
    fail "struct $s: no extern struct in the translation"
  fi
done
# Opaque ktsnap structs must be ones the header declares without a body.
while IFS= read -r s; do
  if printf '%s\n' "${bodies[@]}" | grep -qx "$s"; then continue; fi
  grep -qE "^typedef struct $s $s;|^struct $s;" "$hdr" || fail "struct $s is opaque but not declared incomplete in the header"
done < <(sed -nE 's/^pub const struct_(ktsnap_[a-z_0-9]+) = opaque \{\};/\1/p' "$out")

# 3. Every declared function is translated.
mapfile -t fns < <(grep -E '^KTSNAP_API ' "$hdr" | sed -E 's/\(.*//' | grep -oE '[a-z_0-9]+$' | sort -u)
[ ${#fns[@]} -gt 0 ] || fail "found no KTSNAP_API function in $hdr"
for f in "${fns[@]}"; do
  grep -qE "^pub extern fn $f\(" "$out" || fail "function $f was not translated"
done

# 4. Demotion or translation notes on ktsnap declarations.
while IFS= read -r line; do
  fail "translate-c note: $line"
done < <(grep -nE 'demoted|unable to translate' "$out" | grep -v '@compileError' | grep -E '(ktsnap|KTSNAP)_' || true)

echo "translated ${#fns[@]} functions, ${#bodies[@]} structs with a body"
if [ $problems -eq 0 ]; then
  echo "header check: OK"
  exit 0
fi
echo "header check: $problems problem(s)"
exit 1
