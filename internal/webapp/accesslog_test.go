package webapp

import (
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/testutil/syncbuf"
)

func TestLazyFlushWriterDeliversWithoutExplicitFlush(t *testing.T) {
	var out syncbuf.Buffer
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
