package logtext

import (
	"bytes"
	"strings"
	"sync"
)

// LineWriter is an io.Writer that hands each complete line written to it,
// sanitised and without its line ending, to Emit; blank lines are skipped.
// A line longer than MaxLineBytes is cut and emitted. It is safe for
// concurrent writers.
type LineWriter struct {
	Emit func(line string)

	mu  sync.Mutex
	buf []byte
}

func (l *LineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(l.buf[:i]), "\r")
		l.buf = l.buf[i+1:]
		if strings.TrimSpace(line) != "" {
			l.Emit(Sanitize(line))
		}
	}
	if len(l.buf) > MaxLineBytes { // a runaway line without newlines
		l.Emit(Sanitize(string(l.buf[:MaxLineBytes])))
		l.buf = l.buf[:0]
	}
	return len(p), nil
}
