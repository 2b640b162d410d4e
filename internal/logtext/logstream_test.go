package logtext

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

func frame(stream Stream, payload string) []byte {
	var hdr [8]byte
	hdr[0] = byte(stream)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(payload)))
	return append(hdr[:], payload...)
}

func collect(t *testing.T, data []byte, tty, ts bool) []LogLine {
	t.Helper()
	var got []LogLine
	if err := ReadLogStream(bytes.NewReader(data), tty, ts, func(l LogLine) { got = append(got, l) }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReadLogStreamDemultiplexesAndJoins(t *testing.T) {
	t1 := "2026-12-04T10:00:00.000000001Z"
	t2 := "2026-12-04T10:00:00.000000002Z"
	long1, long2 := strings.Repeat("a", 16384), strings.Repeat("b", 100)
	var data []byte
	data = append(data, frame(Stdout, t1+" hello\n")...)
	data = append(data, frame(Stderr, t1+" \x1b[2Jerr line\r\n")...)
	// A 16 KB split: two messages, two timestamps, one line.
	data = append(data, frame(Stdout, t1+" "+long1)...)
	data = append(data, frame(Stdout, t2+" "+long2+"\n")...)
	data = append(data, frame(Stdout, t2+" no newline at the end")...)
	got := collect(t, data, false, true)
	if len(got) != 4 {
		t.Fatalf("got %d lines: %+v", len(got), got)
	}
	if got[0].Text != "hello" || got[0].Stream != Stdout || !got[0].Time.Equal(mustTime(t1)) {
		t.Errorf("line 0: %+v", got[0])
	}
	if got[1].Text != "␛[2Jerr line" || got[1].Stream != Stderr {
		t.Errorf("line 1: %+v", got[1])
	}
	if got[2].Text != long1+long2 || !got[2].Time.Equal(mustTime(t1)) || got[2].Truncated {
		t.Errorf("joined line: len %d time %v truncated %v", len(got[2].Text), got[2].Time, got[2].Truncated)
	}
	if got[3].Text != "no newline at the end" {
		t.Errorf("last line: %+v", got[3])
	}
}

func TestReadLogStreamTruncatesHugeLines(t *testing.T) {
	var data []byte
	for range 10 { // 160 KB without a newline
		data = append(data, frame(Stdout, strings.Repeat("x", 16384))...)
	}
	data = append(data, frame(Stdout, "tail\nnext\n")...)
	got := collect(t, data, false, false)
	if len(got) != 2 || len(got[0].Text) != MaxLineBytes || !got[0].Truncated || got[1].Text != "next" {
		t.Fatalf("got %d lines, first %d bytes truncated=%v", len(got), len(got[0].Text), got[0].Truncated)
	}
}

func TestReadLogStreamTTY(t *testing.T) {
	data := "2026-12-04T10:00:00Z one\n2026-12-04T10:00:01Z two\x07\n"
	got := collect(t, []byte(data), true, true)
	if len(got) != 2 || got[0].Text != "one" || got[1].Text != "two␇" || got[1].Time.Second() != 1 {
		t.Fatalf("%+v", got)
	}
}

func TestReadLogStreamRejectsGarbage(t *testing.T) {
	err := ReadLogStream(bytes.NewReader([]byte("plain text, not frames\n")), false, false, func(LogLine) {})
	if err == nil {
		t.Fatal("a raw stream read as frames must be an error, not silent garbage")
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRingBoundsLinesAndBytes(t *testing.T) {
	r := NewRing(3, 1000)
	for i := range 5 {
		r.Add(LogLine{Text: strings.Repeat("x", i+1)})
	}
	snap := snapshot(r)
	if len(snap) != 3 || snap[0].Text != "xxx" || snap[2].Text != "xxxxx" {
		t.Fatalf("%+v", snap)
	}
	if st := r.Stats(); st.Dropped != 2 || st.Total != 5 || st.Bytes != 12 {
		t.Fatalf("%+v", st)
	}
	r = NewRing(100, 10)
	r.Add(LogLine{Text: "12345"})
	r.Add(LogLine{Text: "67890"})
	r.Add(LogLine{Text: "abc"}) // over the byte budget: the oldest goes
	if snap := snapshot(r); len(snap) != 2 || snap[0].Text != "67890" {
		t.Fatalf("%+v", snap)
	}
	r.Add(LogLine{Text: strings.Repeat("y", 50)}) // bigger than the budget alone: kept, all else dropped
	if snap := snapshot(r); len(snap) != 1 || r.Stats().Dropped != 3 {
		t.Fatalf("%+v %+v", snap, r.Stats())
	}
}

func FuzzReadLogStream(f *testing.F) {
	f.Add(frame(Stdout, "2026-12-04T10:00:00Z a\n"), false, true)
	f.Add([]byte("x\x1b[2J\ny"), true, false)
	f.Fuzz(func(t *testing.T, data []byte, tty, ts bool) {
		ReadLogStream(bytes.NewReader(data), tty, ts, func(l LogLine) {
			assertInert(t, string(data), l.Text)
			if len(l.Text) > 4*MaxLineBytes {
				t.Fatalf("line of %d bytes", len(l.Text))
			}
		})
	})
}

// snapshot reads a ring oldest first through its accessors.
func snapshot(r *Ring) []LogLine {
	out := make([]LogLine, r.Len())
	for i := range out {
		out[i] = r.At(i)
	}
	return out
}
