package ktsnap

// Benchmarks over a 100k-entry task_ctx map (bench/bench_common.cpp's
// build_report, written by `bench_open --write-report 100000 FILE`);
// bindings/go/run-bench.sh makes the report and sets KTSNAP_BENCH_REPORT.
//
//   ColumnGo / ColumnGoInto vs ColumnC: Map.ColumnUint64 (allocating its
//     result) and ColumnUint64Into (reusing one) against the same
//     ktsnap_column_u64 call timed in a C loop: Go's overhead.
//   FindGo vs FindGoLoop: Map.Find (one cgo call: compile, scan, free)
//     against a Go loop that reads two fields per entry through
//     Entry.Uint64 / Entry.Int64 (one cgo call each); FindC is Find timed in C.

import (
	"os"
	"testing"
)

const (
	benchColumn = "nr_switches"
	// no entry matches: both sides scan all 100k entries
	benchFindExpr = "runtime_ns > 1000 && tid == 42"
)

func benchMap(b *testing.B) *Map {
	p := os.Getenv("KTSNAP_BENCH_REPORT")
	if p == "" {
		b.Skip("KTSNAP_BENCH_REPORT is not set (bindings/go/run-bench.sh makes the 100k report)")
	}
	r, err := OpenFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	m, err := r.Map("task_ctxs")
	if err != nil {
		b.Fatal(err)
	}
	if m.Len() != 100000 {
		b.Fatalf("task_ctxs has %d entries, want 100000", m.Len())
	}
	return m
}

func BenchmarkColumnGo(b *testing.B) {
	m := benchMap(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.ColumnUint64(benchColumn, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkColumnGoInto(b *testing.B) {
	m := benchMap(b)
	buf := make([]uint64, m.Len()+1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.ColumnUint64Into(buf, benchColumn, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkColumnC(b *testing.B) {
	m := benchMap(b)
	b.ResetTimer()
	if _, err := benchColumnC(m, benchColumn, b.N); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkFindGo(b *testing.B) {
	m := benchMap(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Find(benchFindExpr); err == nil {
			b.Fatal("find matched")
		}
	}
}

func BenchmarkFindC(b *testing.B) {
	m := benchMap(b)
	b.ResetTimer()
	if _, err := benchFindC(m, benchFindExpr, b.N, ENotFound); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkFindGoLoop(b *testing.B) {
	m := benchMap(b)
	n := m.Len()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		found := -1
		for j := 0; j < n; j++ {
			e := m.Entry(j)
			rt, err := e.Uint64("runtime_ns")
			if err != nil {
				b.Fatal(err)
			}
			if rt <= 1000 {
				continue
			}
			tid, err := e.Int64("tid")
			if err != nil {
				b.Fatal(err)
			}
			if tid == 42 {
				found = j
				break
			}
		}
		if found >= 0 {
			b.Fatal("loop matched")
		}
	}
}

// TestBenchAgreement checks, when the bench report is there, that the Go
// column, the C column and a per-entry loop agree, and that Find and the
// Go loop find the same entry for an expression that matches.
func TestBenchAgreement(t *testing.T) {
	p := os.Getenv("KTSNAP_BENCH_REPORT")
	if p == "" {
		t.Skip("KTSNAP_BENCH_REPORT is not set (only bindings/go/run-bench.sh sets it)")
	}
	r, err := OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, err := r.Map("task_ctxs")
	if err != nil {
		t.Fatal(err)
	}
	col, _, err := m.ColumnUint64(benchColumn, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []int{0, 1, 4999, 99999} {
		if x, err := m.Entry(j).Uint64(benchColumn); err != nil || x != col[j] {
			t.Fatalf("entry %d: %d vs %d %v", j, x, col[j], err)
		}
	}
	e, err := m.Find("runtime_ns > 1000 && tid == 1500")
	if err != nil || e.Pos() != 500 {
		t.Fatalf("find %d %v", e.Pos(), err)
	}
}
