package webapp

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// lazyFlushWriter buffers access-log lines and flushes them shortly after the
// first unflushed write. One write syscall per request was the largest cost
// on the landing page; a timer armed only by writes keeps an idle portal idle
// (no ticker) while lines still reach `docker logs` within the delay.
type lazyFlushWriter struct {
	mu    sync.Mutex
	buf   *bufio.Writer
	delay time.Duration
	armed bool
	timer *time.Timer
}

func newLazyFlushWriter(w io.Writer, delay time.Duration) *lazyFlushWriter {
	return &lazyFlushWriter{buf: bufio.NewWriterSize(w, 64<<10), delay: delay}
}

func (l *lazyFlushWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.buf.Write(p)
	if !l.armed {
		l.armed = true
		if l.timer == nil {
			l.timer = time.AfterFunc(l.delay, l.flushFromTimer)
		} else {
			l.timer.Reset(l.delay)
		}
	}
	return n, err
}

func (l *lazyFlushWriter) flushFromTimer() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = false
	l.buf.Flush()
}

// Flush writes out whatever is buffered; called on shutdown.
func (l *lazyFlushWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
	}
	l.armed = false
	return l.buf.Flush()
}
