// go-ring-harness: a test harness that follows a ktsnap report ring and
// asserts on every report it takes, as a scheduler test would.
//
//	go-ring-harness -ring NAME [-create BYTES] [-ready FILE] [-reports N]
//	    [-map kt_tasks] [-min-entries 1] [-find 'tid == 1005']
//	    [-field comm] [-equals ksoftirqd/1] [-timeout 10s]
//
// For each of -reports reports: the map must exist with more than
// -min-entries - 1 entries, -find must match an entry, and that entry's
// -field must read as -equals (a number, or a string / enum name). Exit
// status: 0 every assertion held, 1 an assertion failed, 2 usage, 3 a ring
// or report error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	ktsnap "github.com/ktsnap/ktsnap/bindings/go/ktsnap"
)

type assertion struct {
	mapName    string
	minEntries int
	find       string
	field      string
	equals     string
}

// check asserts on one report; the error says which assertion failed.
func (a assertion) check(r *ktsnap.Report) error {
	m, err := r.Map(a.mapName)
	if err != nil {
		return fmt.Errorf("map %s: %w", a.mapName, err)
	}
	if m.Len() < a.minEntries {
		return fmt.Errorf("map %s has %d entries, want at least %d", a.mapName, m.Len(), a.minEntries)
	}
	if a.find == "" {
		return nil
	}
	e, err := m.Find(a.find)
	if err != nil {
		return fmt.Errorf("find %q in %s: %w", a.find, a.mapName, err)
	}
	if a.field == "" {
		return nil
	}
	v, err := e.Get(a.field)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Pos(), err)
	}
	got, err := render(v)
	if err != nil {
		return fmt.Errorf("entry %d field %s: %w", e.Pos(), a.field, err)
	}
	if got != a.equals {
		return fmt.Errorf("entry %d field %s = %q, want %q", e.Pos(), a.field, got, a.equals)
	}
	return nil
}

// render reads a value as the text -equals compares against.
func render(v ktsnap.Value) (string, error) {
	switch v.Kind() {
	case ktsnap.KindUint, ktsnap.KindChar, ktsnap.KindBool:
		x, err := v.Uint64()
		return strconv.FormatUint(x, 10), err
	case ktsnap.KindInt:
		x, err := v.Int64()
		return strconv.FormatInt(x, 10), err
	case ktsnap.KindFloat:
		x, err := v.Float64()
		return strconv.FormatFloat(x, 'g', -1, 64), err
	case ktsnap.KindEnum:
		return v.EnumName()
	case ktsnap.KindArray:
		return v.String()
	}
	return v.JSON()
}

func main() {
	os.Exit(run())
}

func run() int {
	ringName := flag.String("ring", "", "ring name (required)")
	create := flag.Uint64("create", 0, "create the ring with this many data bytes (and remove it at exit)")
	ready := flag.String("ready", "", "file written once the consumer is registered")
	n := flag.Int("reports", 1, "reports to take")
	timeout := flag.Duration("timeout", 10*time.Second, "wait for each report")
	var a assertion
	flag.StringVar(&a.mapName, "map", "kt_tasks", "map every report must have")
	flag.IntVar(&a.minEntries, "min-entries", 1, "fewest entries the map may have")
	flag.StringVar(&a.find, "find", "", "predicate an entry must match")
	flag.StringVar(&a.field, "field", "", "field of the found entry to check")
	flag.StringVar(&a.equals, "equals", "", "what -field must read as")
	flag.Parse()
	if *ringName == "" || flag.NArg() != 0 || (a.field != "" && a.find == "") {
		fmt.Fprintln(os.Stderr, "usage: go-ring-harness -ring NAME [-create BYTES] [-ready FILE] [-reports N] "+
			"[-map M] [-min-entries K] [-find EXPR [-field PATH -equals VALUE]] [-timeout D]")
		return 2
	}
	var ring *ktsnap.Ring
	var err error
	if *create > 0 {
		ring, err = ktsnap.CreateRing(*ringName, ktsnap.RingOpts{SizeBytes: *create})
		if err == nil {
			defer ktsnap.UnlinkRing(*ringName)
		}
	} else {
		ring, err = ktsnap.OpenRing(*ringName)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-ring-harness:", err)
		return 3
	}
	defer ring.Close()
	cons, err := ring.Consumer(false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-ring-harness:", err)
		return 3
	}
	defer cons.Close()
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte("ready\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "go-ring-harness:", err)
			return 3
		}
	}
	failed := 0
	for i := 0; i < *n; i++ {
		r, err := cons.Next(*timeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "go-ring-harness: report %d: %v\n", i+1, err)
			if errors.Is(err, ktsnap.ErrTimeout) {
				return 1 // a report that never came fails the test
			}
			return 3
		}
		seq, _ := r.RingSeq()
		if err := a.check(r); err != nil {
			fmt.Printf("FAIL report %d (seq %d, tag %q): %v\n", i+1, seq, r.Tag(), err)
			failed++
		} else {
			fmt.Printf("ok   report %d (seq %d, tag %q)\n", i+1, seq, r.Tag())
		}
		r.Close()
	}
	fmt.Printf("%d passed, %d failed\n", *n-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
