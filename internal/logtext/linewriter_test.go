package logtext

import (
	"strings"
	"testing"
)

func TestLineWriterSplitsSanitisesAndCuts(t *testing.T) {
	var got []string
	l := &LineWriter{Emit: func(s string) { got = append(got, s) }}
	l.Write([]byte("Step 1/3 : FROM x\nStep 2/3 : RU"))
	l.Write([]byte("N true\x1b[2J\r\n\n"))
	if len(got) != 2 || got[0] != "Step 1/3 : FROM x" || got[1] != "Step 2/3 : RUN true␛[2J" {
		t.Fatalf("%q", got)
	}
	l.Write([]byte(strings.Repeat("x", MaxLineBytes+10)))
	if len(got) != 3 || len(got[2]) != MaxLineBytes {
		t.Fatal("a runaway line was not cut")
	}
}
