package logtext

import (
	"sort"
	"sync"
	"time"
)

// Stream says which output a log line came from.
type Stream uint8

// The two container outputs.
const (
	Stdout Stream = iota + 1
	Stderr
)

func (s Stream) String() string {
	if s == Stderr {
		return "stderr"
	}
	return "stdout"
}

// LogLine is one sanitised line of container output.
type LogLine struct {
	Service   string
	Container string
	Stream    Stream
	Time      time.Time // from the engine's timestamp; zero when unknown
	Text      string    // sanitised: safe to print
	Truncated bool      // the line was longer than the per-line limit
}

// Ring is a bounded buffer of log lines. It keeps the newest lines within
// both a line count and a byte budget, and counts what it dropped, so memory
// stays bounded however much a container writes.
type Ring struct {
	mu       sync.Mutex
	lines    []LogLine
	start    int // index of the oldest line
	n        int // lines held
	bytes    int
	maxBytes int
	dropped  uint64
	total    uint64
}

// NewRing holds at most maxLines lines and about maxBytes of text.
func NewRing(maxLines, maxBytes int) *Ring {
	return &Ring{lines: make([]LogLine, max(1, maxLines)), maxBytes: max(1, maxBytes)}
}

// Add appends a line, evicting the oldest as needed.
func (r *Ring) Add(l LogLine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	size := len(l.Text)
	for r.n > 0 && (r.n == len(r.lines) || r.bytes+size > r.maxBytes) {
		r.bytes -= len(r.lines[r.start].Text)
		r.lines[r.start] = LogLine{}
		r.start = (r.start + 1) % len(r.lines)
		r.n--
		r.dropped++
	}
	r.lines[(r.start+r.n)%len(r.lines)] = l
	r.n++
	r.bytes += size
}

// Len is how many lines the ring holds.
func (r *Ring) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// At returns the i-th held line, 0 being the oldest; i must be < Len().
// Readers walk a ring this way without copying it.
func (r *Ring) At(i int) LogLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lines[(r.start+i)%len(r.lines)]
}

// RingStats is a ring's counters.
type RingStats struct {
	Held, Bytes    int
	Dropped, Total uint64
}

// Stats reports what the ring holds and has dropped.
func (r *Ring) Stats() RingStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return RingStats{Held: r.n, Bytes: r.bytes, Dropped: r.dropped, Total: r.total}
}

// LogBook keeps one Ring per service, so a chatty service cannot push a quiet
// one's lines out.
type LogBook struct {
	mu                 sync.Mutex
	rings              map[string]*Ring
	maxLines, maxBytes int
}

// NewLogBook gives each service a ring of the given bounds.
func NewLogBook(maxLines, maxBytes int) *LogBook {
	return &LogBook{rings: map[string]*Ring{}, maxLines: maxLines, maxBytes: maxBytes}
}

func (b *LogBook) ring(service string) *Ring {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.rings[service]
	if !ok {
		r = NewRing(b.maxLines, b.maxBytes)
		b.rings[service] = r
	}
	return r
}

// Add files a line under its service.
func (b *LogBook) Add(l LogLine) { b.ring(l.Service).Add(l) }

// Stats reports one service's ring counters.
func (b *LogBook) Stats(service string) RingStats { return b.ring(service).Stats() }

// Ring returns one service's ring, creating it empty.
func (b *LogBook) Ring(service string) *Ring { return b.ring(service) }

// Services lists the services that have a ring, sorted.
func (b *LogBook) Services() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.rings))
	for s := range b.rings {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Dropped is the total of lines dropped by every ring.
func (b *LogBook) Dropped() uint64 {
	var n uint64
	for _, s := range b.Services() {
		n += b.ring(s).Stats().Dropped
	}
	return n
}
