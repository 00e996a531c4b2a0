#!/usr/bin/env bash
# run-bench.sh BUILD_DIR OUT_DIR [ROUNDS=3]: the Go binding's benchmarks
# (bench_test.go) over a 100k-entry task_ctx report written by
# BUILD_DIR/bench/bench_open --write-report. Each round is one `go test
# -bench` process (5 counts of each benchmark); raw outputs go to
# OUT_DIR/go-bench-<round>.txt, then a summary of medians and the ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run-bench.sh BUILD_DIR OUT_DIR [ROUNDS]}" && pwd)
out=${2:?usage: run-bench.sh BUILD_DIR OUT_DIR [ROUNDS]}
rounds=${3:-3}
. "$here/env.sh"
ktsnap_go_env "$build"
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bench/bench_open" --write-report 100000 "$tmp/r100k.ktsnap"
export KTSNAP_BENCH_REPORT="$tmp/r100k.ktsnap"
{
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "go: $(go version)"
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$out/machine.txt"
cd "$here"
go test -count=1 -run TestBenchAgreement -v . | tail -n 3
for r in $(seq 1 "$rounds"); do
  f="$out/go-bench-$r.txt"
  echo "load before: $(cat /proc/loadavg)" > "$f"
  go test -count=5 -run '^$' -bench . -benchtime=2s . >> "$f" 2>&1
  echo "load after: $(cat /proc/loadavg)" >> "$f"
done
# Summary: the median ns/op of each benchmark per round, and the ratios.
for r in $(seq 1 "$rounds"); do
  awk -v round="$r" '
    /^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name); v[name]=v[name] " " $3 }
    function median(s,   a, n, i, j, t) {
      n = split(s, a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
      for (k in v) m[k] = median(v[k])
      printf "round %d median ns/op:", round
      for (k in m) printf " %s=%d", k, m[k]
      printf "\nround %d ratios: column Go/C %.3f, column GoInto/C %.3f, find Go/C %.3f, Go loop/find Go %.1f\n", round,
        m["ColumnGo"] / m["ColumnC"], m["ColumnGoInto"] / m["ColumnC"], m["FindGo"] / m["FindC"], m["FindGoLoop"] / m["FindGo"]
    }' "$out/go-bench-$r.txt"
done | tee "$out/summary.txt"
