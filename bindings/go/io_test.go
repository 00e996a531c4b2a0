package ktsnap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

var ringSeq int32

func ringName() string {
	return fmt.Sprintf("ktsnap-go-test-%d-%d", os.Getpid(), atomic.AddInt32(&ringSeq, 1))
}

func TestRingProducerConsumer(t *testing.T) {
	src := openFixture(t)
	name := ringName()
	ring, err := CreateRing(name, RingOpts{SizeBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer UnlinkRing(name)
	defer ring.Close()
	_, err = CreateRing(name, RingOpts{})
	asErr(t, err, EBusy)

	cons, err := ring.Consumer(false)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	_, err = cons.Next(0)
	asErr(t, err, EAgain)

	// publish from another goroutine, through a second handle on the ring
	const n = 5
	done := make(chan error, 1)
	go func() {
		r2, err := OpenRing(name)
		if err != nil {
			done <- err
			return
		}
		defer r2.Close()
		p, err := r2.Producer()
		if err != nil {
			done <- err
			return
		}
		defer p.Close()
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				err = p.Publish(src, time.Second)
			} else {
				err = p.PublishBytes(src.Bytes(), time.Second)
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var last uint64
	for i := 0; i < n; i++ {
		r, err := cons.Next(5 * time.Second)
		if err != nil {
			t.Fatalf("next %d: %v", i, err)
		}
		seq, err := r.RingSeq()
		if err != nil || (i > 0 && seq <= last) {
			t.Fatalf("seq %d after %d: %v", seq, last, err)
		}
		last = seq
		m, err := r.Map("kt_tasks")
		if err != nil || m.Len() != 16 || r.Tag() != "fixture" {
			t.Fatalf("consumed report: %v", err)
		}
		if e, err := m.Find("tid == 1007"); err != nil || e.Pos() != 7 {
			t.Fatalf("find in a ring report: %v", err)
		}
		r.Close()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	info, err := ring.Stat()
	if err != nil || info.Records != n || info.ConsumerCount != 1 {
		t.Fatalf("stat %+v %v", info, err)
	}
	// a second producer while one is live is refused
	p1, err := ring.Producer()
	if err != nil {
		t.Fatal(err)
	}
	_, err = ring.Producer()
	asErr(t, err, EBusy)
	// garbage is published but does not verify on the consumer side
	if err := p1.PublishBytes([]byte("not a report at all, 32 bytes.."), time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = cons.Next(time.Second)
	asErr(t, err, EFormat)
	p1.Close()
	if err := p1.Publish(src, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("closed producer: %v", err)
	}
	cons.Close()
	if _, err := cons.Next(0); err == nil {
		t.Fatal("closed consumer")
	}
	_, err = OpenRing("ktsnap-go-test-no-such-ring")
	asErr(t, err, ENotFound)
	_, err = CreateRing("bad/name", RingOpts{})
	asErr(t, err, EInvalid)
}

func TestBridgeCallbacks(t *testing.T) {
	path := fixturePath(t)
	var calls []string
	b, err := NewBridge(BridgeOpts{
		Capture: func(tag string) *Report {
			calls = append(calls, tag)
			switch tag {
			case "none":
				return nil
			case "boom":
				panic("capture callback panics")
			}
			r, err := OpenFile(path)
			if err != nil {
				return nil
			}
			return r
		},
		Watch: func(sym string) error {
			if sym == "bad_symbol" {
				return fmt.Errorf("no such symbol %s", sym)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Capture("step-a", 1)
	if err != nil || !got {
		t.Fatalf("capture %v %v", got, err)
	}
	got, err = b.Capture("none", -1)
	if err != nil || got {
		t.Fatalf("capture none %v %v", got, err)
	}
	got, err = b.Capture("boom", -1)
	if err != nil || got {
		t.Fatalf("capture panicking callback %v %v", got, err)
	}
	if strings.Join(calls, ",") != "step-a,none,boom" {
		t.Fatalf("callback calls %v", calls)
	}
	if b.EventCount() < 2 {
		t.Fatalf("events %d", b.EventCount())
	}
	src := openFixture(t)
	if err := b.Store("stored", src); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 2 || !b.Has("step-a") || b.Has("none") {
		t.Fatalf("len %d", b.Len())
	}
	if err := b.RegisterWatch("good_symbol"); err != nil {
		t.Fatal(err)
	}
	err = b.RegisterWatch("bad_symbol")
	if err == nil || !strings.Contains(err.Error(), "no such symbol bad_symbol") {
		t.Fatalf("watch error %v", err)
	}
	items, err := b.Drain()
	if err != nil || len(items) != 2 || items[0].Tag != "step-a" || items[1].Tag != "stored" {
		t.Fatalf("drain %v %v", items, err)
	}
	for _, it := range items {
		if m, err := it.Report.Map("kt_tasks"); err != nil || m.Len() != 16 {
			t.Fatalf("drained report: %v", err)
		}
		it.Report.Close()
	}
	if b.Len() != 0 {
		t.Fatal("not drained")
	}
	_, err = b.Capture(strings.Repeat("x", 5000), -1)
	asErr(t, err, ERange)
	b.Close()
	if _, err := b.Capture("after", -1); err == nil {
		t.Fatal("closed bridge")
	}
	// a bridge without callbacks
	nb, err := NewBridge(BridgeOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer nb.Close()
	if got, err := nb.Capture("x", -1); err != nil || got {
		t.Fatalf("no capture callback: %v %v", got, err)
	}
	asErr(t, nb.RegisterWatch("sym"), EUnsupported)
}

const (
	msgSNRQ = 0x534E5251
	msgSNRP = 0x534E5250
)

// fakeHost answers snapshot requests on f: "ok*" tags with OK, "silent"
// with nothing, others with ERR "refused <tag>". It returns when f closes.
func fakeHost(f *os.File, seen chan<- string) {
	hdr := make([]byte, 16)
	for {
		if _, err := io.ReadFull(f, hdr); err != nil {
			close(seen)
			return
		}
		typ := binary.LittleEndian.Uint32(hdr[0:])
		n := binary.LittleEndian.Uint32(hdr[4:])
		crc := binary.LittleEndian.Uint32(hdr[8:])
		payload := make([]byte, n)
		if _, err := io.ReadFull(f, payload); err != nil {
			close(seen)
			return
		}
		if typ != msgSNRQ || n != 72 || crc32.ChecksumIEEE(payload) != crc {
			seen <- fmt.Sprintf("bad frame type %#x len %d", typ, n)
			continue
		}
		id := binary.LittleEndian.Uint32(payload[0:])
		kind := binary.LittleEndian.Uint32(payload[4:])
		tag := strings.TrimRight(string(payload[8:72]), "\x00")
		seen <- fmt.Sprintf("%d:%s", kind, tag)
		if tag == "silent" {
			continue
		}
		reply := make([]byte, 520)
		binary.LittleEndian.PutUint32(reply[0:], id)
		if strings.HasPrefix(tag, "ok") {
			binary.LittleEndian.PutUint32(reply[4:], 1)
		} else {
			binary.LittleEndian.PutUint32(reply[4:], 2)
			copy(reply[8:], "refused "+tag)
		}
		out := make([]byte, 16, 16+len(reply))
		binary.LittleEndian.PutUint32(out[0:], msgSNRP)
		binary.LittleEndian.PutUint32(out[4:], uint32(len(reply)))
		binary.LittleEndian.PutUint32(out[8:], crc32.ChecksumIEEE(reply))
		out = append(out, reply...)
		if _, err := f.Write(out); err != nil {
			close(seen)
			return
		}
	}
}

func TestGuestRequest(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	host := os.NewFile(uintptr(fds[1]), "host")
	seen := make(chan string, 16)
	go fakeHost(host, seen)
	g, err := GuestOpenFd(fds[0], true)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := g.Request(SnapshotCapture, "ok-one", 5*time.Second)
	if err != nil || rep.Outcome != GuestOutcomeOK || rep.RequestID == 0 || rep.Reason != "" {
		t.Fatalf("ok request %+v %v", rep, err)
	}
	if s := <-seen; s != "1:ok-one" {
		t.Fatalf("host saw %q", s)
	}
	rep2, err := g.Request(SnapshotWatch, "kt_sym", 5*time.Second)
	ke := asErr(t, err, ERemote)
	if rep2.Outcome != GuestOutcomeHostError || rep2.Reason != "refused kt_sym" || rep2.RequestID == rep.RequestID {
		t.Fatalf("host error reply %+v", rep2)
	}
	if !strings.Contains(ke.Message, "refused kt_sym") {
		t.Fatalf("error message %q", ke.Message)
	}
	if s := <-seen; s != "2:kt_sym" {
		t.Fatalf("host saw %q", s)
	}
	long := "ok" + strings.Repeat("t", 80)
	rep3, err := g.Request(SnapshotCapture, long, 5*time.Second)
	if err != nil || rep3.Flags&GuestTagTruncated == 0 {
		t.Fatalf("long tag %+v %v", rep3, err)
	}
	<-seen
	_, err = g.Request(SnapshotCapture, "", time.Second)
	asErr(t, err, EInvalid)
	start := time.Now()
	rep4, err := g.Request(SnapshotCapture, "silent", 200*time.Millisecond)
	asErr(t, err, ETimeout)
	if rep4.Outcome != GuestOutcomeTransportError || rep4.Flags&GuestTimedOut == 0 || time.Since(start) > 3*time.Second {
		t.Fatalf("timeout reply %+v after %v", rep4, time.Since(start))
	}
	<-seen
	g.Close() // closes fds[0]: the host sees EOF
	for range seen {
	}
	host.Close()
	if _, err := g.Request(SnapshotCapture, "ok", time.Second); err == nil {
		t.Fatal("closed guest")
	}
	_, err = GuestOpenFd(-1, false)
	asErr(t, err, EInvalid)
}

// bpfCall is the bpf(2) system call on an attr buffer.
func bpfCall(cmd int, attr []byte) (int, error) {
	r, _, errno := syscall.Syscall(321 /* SYS_bpf, x86_64 */, uintptr(cmd), uintptr(unsafe.Pointer(&attr[0])),
		uintptr(len(attr)))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

func TestCaptureLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (bpf(2) with CAP_BPF + CAP_SYS_ADMIN); not root here")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("the test makes its map with the amd64 bpf(2) syscall number; this is " + runtime.GOARCH)
	}
	// An array map of our own: BPF_MAP_CREATE, then its id from BPF_OBJ_GET_INFO_BY_FD.
	attr := make([]byte, 128)
	binary.LittleEndian.PutUint32(attr[0:], 2) // BPF_MAP_TYPE_ARRAY
	binary.LittleEndian.PutUint32(attr[4:], 4)
	binary.LittleEndian.PutUint32(attr[8:], 8)
	binary.LittleEndian.PutUint32(attr[12:], 4)
	copy(attr[28:44], "ktsnap_go_cap")
	fd, err := bpfCall(0, attr)
	if err != nil {
		t.Skipf("cannot create a BPF map here (%v): no bpf(2) in this environment", err)
	}
	defer syscall.Close(fd)
	info := make([]byte, 256)
	ia := make([]byte, 128)
	binary.LittleEndian.PutUint32(ia[0:], uint32(fd))
	binary.LittleEndian.PutUint32(ia[4:], uint32(len(info)))
	binary.LittleEndian.PutUint64(ia[8:], uint64(uintptr(unsafe.Pointer(&info[0]))))
	if _, err := bpfCall(15, ia); err != nil {
		t.Fatal(err)
	}
	id := binary.LittleEndian.Uint32(info[4:])
	r, st, err := Capture(CaptureOpts{MapIDs: []uint32{id}, Tag: "go-live", Deadline: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Tag() != "go-live" || st.MapsRead != 1 {
		t.Fatalf("tag %q stats %+v", r.Tag(), st)
	}
	m, err := r.Map("ktsnap_go_cap")
	if err != nil || m.Len() != 4 {
		t.Fatalf("captured map: %v", err)
	}
	_, _, err = Capture(CaptureOpts{})
	asErr(t, err, EInvalid)
	_, _, err = Capture(CaptureOpts{NamePrefix: "zz_no_map_has_this_prefix"})
	asErr(t, err, ENotFound)
}
