package webapp

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLazyFlushWriterDeliversWithoutExplicitFlush(t *testing.T) {
	var out lockedBuffer
	w := newLazyFlushWriter(&out, 20*time.Millisecond)
	w.Write([]byte("one\n"))
	w.Write([]byte("two\n"))
	if out.String() != "" {
		t.Fatal("written through at once: not buffered")
	}
	waitFor(t, 2*time.Second, "timer flush", func() bool { return out.String() == "one\ntwo\n" })
	w.Write([]byte("three\n")) // re-arms after a flush
	waitFor(t, 2*time.Second, "second timer flush", func() bool { return out.String() == "one\ntwo\nthree\n" })
	w.Write([]byte("four\n"))
	w.Flush()
	if out.String() != "one\ntwo\nthree\nfour\n" {
		t.Fatalf("explicit flush: %q", out.String())
	}
}
