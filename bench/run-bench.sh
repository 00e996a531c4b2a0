#!/usr/bin/env bash
# run-bench.sh BUILD_DIR OUT_DIR [ROUNDS=3]: runs every benchmark ROUNDS
# times (each a separate process, each with in-process repetitions and
# random interleaving) and keeps the raw outputs, the machine description
# and the load average before each run in OUT_DIR. bench/RESULTS.md quotes
# these outputs.
set -euo pipefail
build=${1:?usage: run-bench.sh BUILD_DIR OUT_DIR [ROUNDS]}
out=${2:?usage: run-bench.sh BUILD_DIR OUT_DIR [ROUNDS]}
rounds=${3:-3}
mkdir -p "$out"
{
  echo "nproc: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$out/machine.txt"
flags=(--benchmark_repetitions=5 --benchmark_enable_random_interleaving=true)
benches=${BENCHES:-render open capture}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case " $benches " in *" open "*)
  "$build/bench/bench_open" --write-report 1000000 "$tmp/r1m.ktsnap" ;;
esac
for r in $(seq 1 "$rounds"); do
  for b in $benches; do
    echo "load before: $(cat /proc/loadavg)" > "$out/$b-$r.txt"
    "$build/bench/bench_$b" "${flags[@]}" >> "$out/$b-$r.txt" 2>&1
    echo "load after: $(cat /proc/loadavg)" >> "$out/$b-$r.txt"
  done
  case " $benches " in *" open "*)
    echo "load before: $(cat /proc/loadavg)" > "$out/first-open-$r.txt"
    for i in 1 2 3; do "$build/bench/bench_open" --first-open "$tmp/r1m.ktsnap" >> "$out/first-open-$r.txt"; done ;;
  esac
done
grep -h -E "^(load|real|cpu|budget|steady|first|check)" "$out"/*.txt || true
