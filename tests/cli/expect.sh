# Shared by the CLI test scripts (sourced): each check prints "ok   NAME" or
# "FAIL NAME ..." and counts into $pass / $fail. Needs $tmp (a directory).

# expect NAME WANTED_EXIT PATTERN COMMAND...: runs COMMAND, checks its exit
# code and that stdout+stderr match the grep PATTERN ("" = any output).
expect() {
  local name=$1 want=$2 pat=$3
  shift 3
  "$@" >"$tmp/out" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, wanted $want"; sed 's/^/  | /' "$tmp/out" | head -8; fail=$((fail + 1)); return
  fi
  if [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/out"; then
    echo "FAIL $name: output lacks '$pat'"; sed 's/^/  | /' "$tmp/out" | head -8; fail=$((fail + 1)); return
  fi
  echo "ok   $name"; pass=$((pass + 1))
}

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
  local name=$1
  shift
  if "$@"; then echo "ok   $name"; pass=$((pass + 1)); else echo "FAIL $name"; fail=$((fail + 1)); fi
}
