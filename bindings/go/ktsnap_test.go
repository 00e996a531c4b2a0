package ktsnap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// fixturePath is the report the build makes (tests/CMakeLists.txt:
// ktsnap_fixture_report); run-tests.sh sets KTSNAP_BUILD_DIR.
func fixturePath(t testing.TB) string {
	dir := os.Getenv("KTSNAP_BUILD_DIR")
	if dir == "" {
		t.Fatal("KTSNAP_BUILD_DIR is not set: run bindings/go/run-tests.sh BUILD_DIR")
	}
	p := filepath.Join(dir, "fixtures", "kinds.ktsnap")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture report missing (build the ktsnap_fixture_report target): %v", err)
	}
	return p
}

func openFixture(t testing.TB) *Report {
	r, err := OpenFile(fixturePath(t))
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func mustMap(t testing.TB, r *Report, name string) *Map {
	m, err := r.Map(name)
	if err != nil {
		t.Fatalf("Map(%q): %v", name, err)
	}
	return m
}

func asErr(t testing.TB, err error, st Status) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want status %v, got no error", st)
	}
	var ke *Error
	if !errors.As(err, &ke) {
		t.Fatalf("want *ktsnap.Error, got %T %v", err, err)
	}
	if ke.Status != st {
		t.Fatalf("want status %v, got %v (%v)", st, ke.Status, err)
	}
	return ke
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestVersionAndFeatures(t *testing.T) {
	if Version() == "" {
		t.Fatal("empty version")
	}
	if Features()&FeatureQuery == 0 || Features()&FeatureRing == 0 {
		t.Fatalf("features %#x lack query or ring", Features())
	}
	if EType.String() == "" || ErrorKind(1).String() == "" {
		t.Fatal("empty status or kind name")
	}
}

func TestOpenFile(t *testing.T) {
	r := openFixture(t)
	if r.Tag() != "fixture" {
		t.Fatalf("tag %q", r.Tag())
	}
	if r.MapCount() < 5 || len(r.Maps()) != r.MapCount() {
		t.Fatalf("map count %d, Maps %d", r.MapCount(), len(r.Maps()))
	}
	names := []string{}
	for _, m := range r.Maps() {
		names = append(names, m.Name())
	}
	for _, want := range []string{"kt_tasks", "kt_cpu_stats", "kt_array", "kt_pcpu_hash"} {
		if !contains(names, want) {
			t.Fatalf("maps %v lack %s", names, want)
		}
	}
	m := mustMap(t, r, "kt_tasks")
	if m.Len() != 16 || m.TypeName() != "hash" || m.IsPerCPU() {
		t.Fatalf("kt_tasks: len %d type %q percpu %v", m.Len(), m.TypeName(), m.IsPerCPU())
	}
	if cs := mustMap(t, r, "kt_cpu_stats"); !cs.IsPerCPU() || cs.NrCPUs() != 4 {
		t.Fatalf("kt_cpu_stats: percpu %v cpus %d", cs.IsPerCPU(), cs.NrCPUs())
	}
	if !strings.Contains(r.StatsJSON(), "\"layers\"") {
		t.Fatalf("stats json %q", r.StatsJSON())
	}
}

func TestOpenMemoryAndSave(t *testing.T) {
	r := openFixture(t)
	b := r.Bytes()
	m, err := OpenMemory(b)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i := range b { // the library copied: scribbling ours changes nothing
		b[i] = 0
	}
	if m.Tag() != "fixture" || m.MapCount() != r.MapCount() {
		t.Fatalf("memory report: tag %q maps %d", m.Tag(), m.MapCount())
	}
	out := filepath.Join(t.TempDir(), "copy.ktsnap")
	if err := m.Save(out); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	js, err := r.Render(FormatJSON, 0)
	if err != nil || !strings.Contains(js, "kt_tasks") {
		t.Fatalf("render: %v %.80q", err, js)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := OpenFile(filepath.Join(t.TempDir(), "missing.ktsnap"))
	ke := asErr(t, err, EIO)
	if ke.Errno != int(syscall.ENOENT) || ke.Message == "" {
		t.Fatalf("missing file: errno %d message %q", ke.Errno, ke.Message)
	}
	_, err = OpenMemory([]byte("definitely not a report, just some bytes"))
	asErr(t, err, EFormat)
	_, err = OpenMemory(nil)
	if err == nil {
		t.Fatal("empty buffer opened")
	}
}

func TestMapNotFoundAlternatives(t *testing.T) {
	r := openFixture(t)
	_, err := r.Map("no_such_map")
	asErr(t, err, ENotFound)
	s, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Map("kt_taks")
	ke := asErr(t, err, ENotFound)
	if ke.KindName != "MapNotFound" && ke.Kind == 0 {
		t.Fatalf("kind %d %q", ke.Kind, ke.KindName)
	}
	if !contains(ke.Alternatives, "kt_tasks") || ke.Requested != "kt_taks" {
		t.Fatalf("alternatives %v requested %q", ke.Alternatives, ke.Requested)
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrType) {
		t.Fatal("errors.Is by status")
	}
	if !strings.Contains(err.Error(), "kt_taks") {
		t.Fatalf("message %q", err.Error())
	}
}

func TestEntriesIteration(t *testing.T) {
	r := openFixture(t)
	m := mustMap(t, r, "kt_tasks")
	n := 0
	for it := m.Entries(); it.Next(); n++ {
		e := it.Entry()
		tid, err := e.Int64("tid")
		if err != nil || tid != int64(1000+e.Pos()) {
			t.Fatalf("entry %d tid %d %v", e.Pos(), tid, err)
		}
		k, err := e.Key("")
		if err != nil {
			t.Fatal(err)
		}
		if kv, err := k.Uint64(); err != nil || kv != uint64(tid) {
			t.Fatalf("key %d %v", kv, err)
		}
		w, err := e.Uint64("weight")
		if err != nil || w != uint64(100+(e.Pos()%7)*50) {
			t.Fatalf("weight %d %v", w, err)
		}
		a, err := e.Uint64("inner.a")
		if err != nil || a != uint64(e.Pos()*11) {
			t.Fatalf("inner.a %d %v", a, err)
		}
		on, err := e.Bool("on_cpu")
		if err != nil || on != (e.Pos()%2 == 1) {
			t.Fatalf("on_cpu %v %v", on, err)
		}
		st, err := e.EnumName("state")
		want := []string{"KT_STATE_IDLE", "KT_STATE_RUNNING", "KT_STATE_BLOCKED"}[e.Pos()%3]
		if err != nil || st != want {
			t.Fatalf("state %q %v", st, err)
		}
		ld, err := e.Float64("load")
		if err != nil || ld != 0.5*float64(e.Pos()%9) {
			t.Fatalf("load %v %v", ld, err)
		}
	}
	if n != 16 {
		t.Fatalf("iterated %d", n)
	}
}

func TestValues(t *testing.T) {
	r := openFixture(t)
	m := mustMap(t, r, "kt_tasks")
	v, err := m.Entry(5).Get("")
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind() != KindStruct {
		t.Fatalf("kind %v", v.Kind())
	}
	if tn, err := v.TypeName(); err != nil || !strings.Contains(tn, "kt_task_ctx") {
		t.Fatalf("type name %q %v", tn, err)
	}
	members, err := v.Members()
	if err != nil || !contains(members, "runtime_ns") || !contains(members, "lo16") {
		t.Fatalf("members %v %v", members, err)
	}
	comm, err := v.Member("comm")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := comm.String(); err != nil || s != "ksoftirqd/1" {
		t.Fatalf("comm %q %v", s, err)
	}
	// hist[1][2] = i*10 + 3 + 2 for odd i
	h, err := v.Get("hist[1][2]")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := h.Uint64(); err != nil || x != 55 {
		t.Fatalf("hist[1][2] %d %v", x, err)
	}
	row, err := v.Get("hist")
	if err != nil {
		t.Fatal(err)
	}
	row1, err := row.Index(1)
	if err != nil {
		t.Fatal(err)
	}
	if xs, err := row1.Uint64s(); err != nil || len(xs) != 3 || xs[0] != 53 || xs[2] != 55 {
		t.Fatalf("hist[1] %v %v", xs, err)
	}
	if xs, err := row1.Uint32s(); err != nil || xs[1] != 54 {
		t.Fatalf("hist[1] u32 %v %v", xs, err)
	}
	if xs, err := row1.Int64s(); err != nil || xs[1] != 54 {
		t.Fatalf("hist[1] i64 %v %v", xs, err)
	}
	if xs, err := row1.Float64s(); err != nil || xs[1] != 54 {
		t.Fatalf("hist[1] f64 %v %v", xs, err)
	}
	if xs, err := row1.Bools(); err != nil || !xs[1] {
		t.Fatalf("hist[1] bool %v %v", xs, err)
	}
	if n, err := row.Len(); err != nil || n != 2 {
		t.Fatalf("len %d %v", n, err)
	}
	_, err = row.Index(7)
	asErr(t, err, ERange)
	tid, err := v.Member("tid")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := tid.Int64(); err != nil || x != 1005 {
		t.Fatalf("tid %d %v", x, err)
	}
	avg, _ := v.Member("avg")
	if _, err := avg.Float64(); err != nil {
		t.Fatal(err)
	}
	oc, _ := v.Member("on_cpu")
	if b, err := oc.Bool(); err != nil || !b {
		t.Fatalf("on_cpu %v %v", b, err)
	}
	if js, err := tid.JSON(); err != nil || !strings.Contains(js, "1005") {
		t.Fatalf("json %q %v", js, err)
	}
	if b, err := tid.Bytes(); err != nil || len(b) != 4 {
		t.Fatalf("bytes %v %v", b, err)
	}
	// A pointer followed through the captured regions: entry 4's inner_ptr
	// points at {a: 45, ...}.
	p, err := m.Entry(4).Get("inner_ptr")
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.Deref()
	if err != nil {
		t.Fatal(err)
	}
	if a, err := d.Get("a"); err != nil {
		t.Fatal(err)
	} else if x, _ := a.Uint64(); x != 45 {
		t.Fatalf("deref a %d", x)
	}
	if w, err := v.Walk("inner.a"); err != nil {
		t.Fatal(err)
	} else if x, _ := w.Uint64(); x != 55 {
		t.Fatalf("walk inner.a %d", x)
	}
}

func TestValueErrors(t *testing.T) {
	r := openFixture(t)
	m := mustMap(t, r, "kt_tasks")
	e := m.Entry(2)
	// a missing path: the error names the walk and lists what exists
	_, err := e.Get("inner.zz")
	ke := asErr(t, err, ENotFound)
	if ke.Walked != "inner" || ke.Component != "zz" || !contains(ke.Alternatives, "a") || !contains(ke.Alternatives, "c") {
		t.Fatalf("walked %q component %q alternatives %v", ke.Walked, ke.Component, ke.Alternatives)
	}
	if ke.KindName == "" || ke.JSON == "" {
		t.Fatalf("structured details missing: %+v", ke)
	}
	// the wrong type
	_, err = e.Uint64("comm")
	ke = asErr(t, err, EType)
	if ke.Requested != "comm" || ke.Expected == "" || ke.Actual == "" {
		t.Fatalf("type mismatch details %+v", ke)
	}
	v, _ := e.Get("comm")
	_, err = v.Float64()
	asErr(t, err, EType)
	_, err = v.Member("x")
	asErr(t, err, EType)
	// index out of range
	_, err = m.Entry(99).Get("tid")
	ke = asErr(t, err, ERange)
	if ke.Index != 99 || ke.Len != 16 {
		t.Fatalf("index %d len %d", ke.Index, ke.Len)
	}
	// an empty Value
	var z Value
	_, err = z.Uint64()
	asErr(t, err, EInvalid)
	if z.Kind() != KindInvalid {
		t.Fatal("empty value kind")
	}
}

func TestClosedHandles(t *testing.T) {
	r, err := OpenFile(fixturePath(t))
	if err != nil {
		t.Fatal(err)
	}
	m := mustMap(t, r, "kt_tasks")
	v, _ := m.Entry(0).Get("tid")
	s, _ := r.Snapshot()
	q, err := m.Compile("tid > 0")
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.Stats("")
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close() // twice is fine
	if _, err := m.Find("tid == 1000"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("find on a closed report: %v", err)
	}
	if _, _, err := m.ColumnUint64("tid", 0); err == nil {
		t.Fatal("column on a closed report")
	}
	if _, err := v.Int64(); err == nil {
		t.Fatal("value of a closed report")
	}
	if _, err := q.Find(0); err == nil {
		t.Fatal("query of a closed report")
	}
	if _, err := s.Map("kt_tasks"); err == nil {
		t.Fatal("snapshot of a closed report")
	}
	if _, err := j.Len(); err == nil {
		t.Fatal("json of a closed report")
	}
	if m.Len() != 0 || m.Name() != "" || r.Tag() != "" || r.MapCount() != 0 {
		t.Fatal("getters of a closed report")
	}
	if _, err := r.Map("kt_tasks"); err == nil {
		t.Fatal("Map on a closed report")
	}
	q.Close()
	q.Close()
	s.Close()
	if _, err := s.Stats(""); err == nil {
		t.Fatal("closed snapshot")
	}
	var nilRep *Report
	if _, err := nilRep.Snapshot(); err == nil {
		t.Fatal("nil report")
	}
}

func TestQueries(t *testing.T) {
	r := openFixture(t)
	m := mustMap(t, r, "kt_tasks")
	e, err := m.Find("tid == 1005")
	if err != nil || e.Pos() != 5 {
		t.Fatalf("find %d %v", e.Pos(), err)
	}
	if e, err := m.Find(`comm == "bash" && tid > 1005`); err != nil || e.Pos() != 10 {
		t.Fatalf("find string %d %v", e.Pos(), err)
	}
	got, err := m.Filter("weight == 400")
	if err != nil || len(got) != 2 || got[0] != 6 || got[1] != 13 {
		t.Fatalf("filter %v %v", got, err)
	}
	if e, err := m.MaxBy("true", "weight"); err != nil || e.Pos() != 6 {
		t.Fatalf("max_by %d %v", e.Pos(), err)
	}
	if e, err := m.MinBy("tid > 1003", "inner.a"); err != nil || e.Pos() != 4 {
		t.Fatalf("min_by %d %v", e.Pos(), err)
	}
	// no match: NO_MATCH with the first keys shown
	_, err = m.Find("tid == 1")
	ke := asErr(t, err, ENotFound)
	if ke.Requested != "find" || ke.Map != "kt_tasks" || ke.Len != 16 || len(ke.SampleKeys) != 3 {
		t.Fatalf("no match details %+v", ke)
	}
	// syntax error with its column; unknown member with alternatives
	_, err = m.Find("tid == ")
	ke = asErr(t, err, EInvalid)
	if ke.Column == 0 {
		t.Fatalf("no column: %+v", ke)
	}
	_, err = m.Find("tidd == 3")
	ke = asErr(t, err, ENotFound)
	if ke.Column != 1 || !contains(ke.Alternatives, "tid") {
		t.Fatalf("unknown member %+v", ke)
	}
	q, err := m.Compile("on_cpu")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if n, err := q.Count(0); err != nil || n != 8 {
		t.Fatalf("count %d %v", n, err)
	}
	if ok, err := q.Matches(3, 0); err != nil || !ok {
		t.Fatalf("matches %v %v", ok, err)
	}
	if _, err := q.Matches(99, 0); err == nil {
		t.Fatal("matches past the end")
	}
	if all, err := q.Filter(0); err != nil || len(all) != 8 || all[0] != 1 {
		t.Fatalf("query filter %v %v", all, err)
	}
	if e, err := q.Find(0); err != nil || e.Pos() != 1 {
		t.Fatalf("query find %d %v", e.Pos(), err)
	}
	if e, err := q.MaxBy("tid", 0); err != nil || e.Pos() != 15 {
		t.Fatalf("query max_by %d %v", e.Pos(), err)
	}
	if e, err := q.MinBy("tid", 0); err != nil || e.Pos() != 1 {
		t.Fatalf("query min_by %d %v", e.Pos(), err)
	}
	// per-CPU map: one CPU per call
	pc := mustMap(t, r, "kt_cpu_stats")
	if e, err := pc.FindOnCPU("nr_dispatched == 302", 2); err != nil || e.Pos() != 3 {
		t.Fatalf("percpu find %d %v", e.Pos(), err)
	}
	if got, err := pc.FilterOnCPU("last_tid == 1001", 1); err != nil || len(got) != 4 {
		t.Fatalf("percpu filter %v %v", got, err)
	}
}

func TestColumns(t *testing.T) {
	r := openFixture(t)
	m := mustMap(t, r, "kt_tasks")
	col, res, err := m.ColumnUint64("runtime_ns", 0)
	if err != nil || len(col) != 16 || res.Failed != 0 || res.FirstFailure != -1 {
		t.Fatalf("column %d %+v %v", len(col), res, err)
	}
	for i, x := range col {
		y, err := m.Entry(i).Uint64("runtime_ns")
		if err != nil || x != y {
			t.Fatalf("entry %d: column %d accessor %d %v", i, x, y, err)
		}
	}
	buf := make([]uint64, 64)
	into, _, err := m.ColumnUint64Into(buf, "runtime_ns", 0)
	if err != nil || len(into) != 16 || &into[0] != &buf[0] || into[7] != col[7] {
		t.Fatalf("column into a reused buffer: %v", err)
	}
	if small, _, err := m.ColumnUint64Into(make([]uint64, 2), "runtime_ns", 0); err != nil || len(small) != 16 {
		t.Fatalf("column into a short buffer: %v", err)
	}
	tids, _, err := m.ColumnInt64("tid", 0)
	if err != nil || tids[0] != 1000 || tids[15] != 1015 {
		t.Fatalf("tids %v %v", tids, err)
	}
	keys, _, err := m.ColumnUint64("key", 0)
	if err != nil || keys[3] != 1003 {
		t.Fatalf("keys %v %v", keys, err)
	}
	loads, _, err := m.ColumnFloat64("load", 0)
	if err != nil || loads[3] != 1.5 {
		t.Fatalf("loads %v %v", loads, err)
	}
	vals, sts, res, err := m.ColumnUint64Status("inner.b", 0) // negative for i > 0
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 15 || res.FirstFailure != 1 || res.FirstStatus != ERange || sts[0] != OK || sts[1] != ERange || vals[1] != 0 {
		t.Fatalf("statuses %v %+v", sts, res)
	}
	_, _, err = m.ColumnUint64("comm", 0)
	asErr(t, err, EType)
	_, _, err = m.ColumnUint64("nope", 0)
	ke := asErr(t, err, ENotFound)
	if !contains(ke.Alternatives, "runtime_ns") {
		t.Fatalf("alternatives %v", ke.Alternatives)
	}
}

func TestPerCPU(t *testing.T) {
	r := openFixture(t)
	m := mustMap(t, r, "kt_cpu_stats")
	sums, res, err := m.CPUAggUint64("nr_dispatched", AggSum)
	if err != nil || res.Failed != 0 || len(sums) != 4 {
		t.Fatalf("agg %v %+v %v", sums, res, err)
	}
	for k, s := range sums {
		if s != uint64(400*k+6) {
			t.Fatalf("entry %d sum %d", k, s)
		}
	}
	mx, _, err := m.CPUAggInt64("last_tid", AggMax)
	if err != nil || mx[0] != 1003 {
		t.Fatalf("max %v %v", mx, err)
	}
	mn, _, err := m.CPUAggFloat64("nr_enqueued", AggMin)
	if err != nil || mn[2] != 20 {
		t.Fatalf("min %v %v", mn, err)
	}
	if x, err := m.Entry(1).CPUAggUint64("nr_dispatched", AggMax); err != nil || x != 103 {
		t.Fatalf("entry max %d %v", x, err)
	}
	if x, err := m.Entry(1).CPUAggInt64("last_tid", AggMin); err != nil || x != 1000 {
		t.Fatalf("entry min %d %v", x, err)
	}
	if x, err := m.Entry(1).CPUAggFloat64("nr_dispatched", AggSum); err != nil || x != 406 {
		t.Fatalf("entry sum %v %v", x, err)
	}
	if x, err := m.Entry(1).OnCPU(2).Uint64("nr_dispatched"); err != nil || x != 102 {
		t.Fatalf("cpu 2 %d %v", x, err)
	}
	col, _, err := m.ColumnUint64("nr_dispatched", 3)
	if err != nil || col[2] != 203 {
		t.Fatalf("column cpu 3 %v %v", col, err)
	}
	_, err = m.Entry(1).Uint64("nr_dispatched") // not narrowed
	ke := asErr(t, err, EInvalid)
	_ = ke
	_, err = m.Entry(1).OnCPU(9).Uint64("nr_dispatched")
	if err == nil {
		t.Fatal("cpu past the slots")
	}
	_, _, err = mustMap(t, r, "kt_tasks").CPUAggUint64("tid", AggSum)
	asErr(t, err, EType)
}

func TestSnapshotVarsAndStats(t *testing.T) {
	r := openFixture(t)
	s, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.MapCount() != r.MapCount() {
		t.Fatalf("snapshot maps %d", s.MapCount())
	}
	checkU := func(name string, want uint64) {
		v, err := s.Var(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if x, err := v.Uint64(); err != nil || x != want {
			t.Fatalf("%s = %d %v", name, x, err)
		}
	}
	checkU("kt_nr_events", 42)
	checkU("kt_data_counter", 5)
	checkU("kt_ro_nr_cpus", 4)
	checkU("kt_custom_v", 7)
	lbl, err := s.Var("kt_data_label")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := lbl.String(); err != nil || x != "hello" {
		t.Fatalf("label %q %v", x, err)
	}
	neg, _ := s.Var("kt_bss_neg")
	if x, err := neg.Int64(); err != nil || x != -12345 {
		t.Fatalf("neg %d %v", x, err)
	}
	_, err = neg.Uint64()
	asErr(t, err, ERange)
	_, err = s.Var("kt_nr_event")
	ke := asErr(t, err, ENotFound)
	if !contains(ke.Alternatives, "kt_nr_events") {
		t.Fatalf("var alternatives %v", ke.Alternatives)
	}
	a, err := s.Active()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if v, err := a.Var("kt_nr_events"); err != nil {
		t.Fatal(err)
	} else if x, _ := v.Uint64(); x != 42 {
		t.Fatal("active var")
	}
	if v, err := s.LiveVar("kt_data_counter"); err != nil {
		t.Fatal(err)
	} else if x, _ := v.Int64(); x != 5 {
		t.Fatal("live var")
	}
	// stats JSON
	n, err := s.Stats("nr_cpus")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := n.Uint64(); err != nil || x != 4 || n.Kind() != JSONNumber {
		t.Fatalf("nr_cpus %d %v", x, err)
	}
	d, _ := s.Stats("dispatched")
	if x, err := d.Uint64(); err != nil || x != ^uint64(0) {
		t.Fatalf("dispatched %d %v", x, err)
	}
	layers, err := s.Stats("layers")
	if err != nil || layers.Kind() != JSONArray {
		t.Fatal(err)
	}
	if l, err := layers.Len(); err != nil || l != 1 {
		t.Fatalf("layers %d %v", l, err)
	}
	l0, err := layers.Index(0)
	if err != nil {
		t.Fatal(err)
	}
	name, _ := l0.Get("name")
	if x, err := name.String(); err != nil || x != "batch" {
		t.Fatalf("name %q %v", x, err)
	}
	util, _ := l0.Get("util")
	if x, err := util.Float64(); err != nil || x != 0.25 {
		t.Fatalf("util %v %v", x, err)
	}
	if _, err := util.Bool(); err == nil {
		t.Fatal("number read as bool")
	}
	_, err = s.Stats("nr_cpu")
	ke = asErr(t, err, ENotFound)
	if !contains(ke.Alternatives, "nr_cpus") {
		t.Fatalf("stats alternatives %v", ke.Alternatives)
	}
	if _, err := n.Int64(); err != nil {
		t.Fatal(err)
	}
}

// Errors are captured inside the failing C call: goroutines that fail
// concurrently (and may move between OS threads between cgo calls) each
// get their own error, never another goroutine's.
func TestErrorsAcrossGoroutines(t *testing.T) {
	r := openFixture(t)
	m := mustMap(t, r, "kt_tasks")
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 200; i++ {
				name := fmt.Sprintf("field_%d_%d", g, i)
				_, err := m.Find(name + " == 1")
				var ke *Error
				if !errors.As(err, &ke) || ke.Status != ENotFound || !strings.Contains(ke.Message, name) {
					done <- fmt.Errorf("goroutine %d: %v", g, err)
					return
				}
				if _, err := m.Entry(i % 16).Int64("tid"); err != nil {
					done <- err
					return
				}
				runtime.Gosched()
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
