#!/usr/bin/env bash
# make-seeds.sh REPORT OUTDIR: seed corpus for report_open_fuzz: the report
# itself, truncated copies (header only, a quarter, half, all but the last
# byte), and copies with one byte changed in the header and in the middle.
set -euo pipefail
report=${1:?REPORT}
out=${2:?OUTDIR}
mkdir -p "$out"
size=$(stat -c %s "$report")
cp "$report" "$out/full"
for n in 8 64 $((size / 4)) $((size / 2)) $((size - 1)); do
  head -c "$n" "$report" > "$out/trunc-$n"
done
flip() {  # flip OFFSET NAME
  cp "$report" "$out/$2"
  printf '\xff' | dd of="$out/$2" bs=1 seek="$1" conv=notrunc status=none
}
flip 4 flip-root
flip $((size / 2)) flip-mid
