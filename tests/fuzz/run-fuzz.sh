#!/usr/bin/env bash
# run-fuzz.sh BUILD_DIR SECONDS [TARGET]: runs TARGET (default
# report_open_fuzz; also stats_json_fuzz, query_parse_fuzz, ring_reader_fuzz, frame_decoder_fuzz) for SECONDS on a temporary copy of
# its seed corpus (BUILD_DIR/tests/fuzz/<name>_seeds for <name>_fuzz), with
# tests/fuzz/<name>.dict as dictionary when there is one. Prints
# "fuzz: N runs, C crashes" last and exits non-zero when libFuzzer found a
# crash (or failed). Crash inputs are kept in BUILD_DIR/tests/fuzz/artifacts/
# for minimizing:
#   report_open_fuzz -minimize_crash=1 -runs=100000 ARTIFACT
set -uo pipefail
build=${1:?usage: run-fuzz.sh BUILD_DIR SECONDS [TARGET]}
secs=${2:?usage: run-fuzz.sh BUILD_DIR SECONDS [TARGET]}
target=${3:-report_open_fuzz}
bin=$build/tests/fuzz/$target
seeds=$build/tests/fuzz/${target%_fuzz}_seeds
dict=$(dirname "$0")/${target%_fuzz}.dict
dict_opt=()
[[ -f $dict ]] && dict_opt=(-dict="$dict")
if [[ ! -x $bin || ! -d $seeds ]]; then
  echo "run-fuzz: build $bin and its seeds first (target $target)" >&2
  exit 2
fi
work=$(mktemp -d /tmp/ktsnap-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
"$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=25 "${dict_opt[@]}" \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" > "$work/log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
crashes=$(find "$work/artifacts" -type f | wc -l)
if (( rc != 0 || crashes > 0 )); then
  mkdir -p "$build/tests/fuzz/artifacts"
  cp "$work"/artifacts/* "$build/tests/fuzz/artifacts/" 2>/dev/null || true
  grep -E -m1 -A40 'ERROR: |runtime error|==[0-9]+==' "$work/log" >&2 || tail -40 "$work/log" >&2
  echo "artifacts kept in $build/tests/fuzz/artifacts/" >&2
  (( crashes == 0 )) && crashes=1
fi
echo "fuzz: ${runs:-0} runs, $crashes crashes"
(( rc == 0 && crashes == 0 ))
