package webapp

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Pool is the portal's worker model: at most Workers requests run a handler at
// once, up to QueueLimit more wait for a slot, and a request that finds the
// queue full or waits longer than the timeout gets 503 with Retry-After.
type Pool struct {
	slots      chan struct{}
	queueLimit int64
	timeout    time.Duration

	queued   atomic.Int64
	served   atomic.Uint64
	rejected atomic.Uint64
}

// NewPool makes a pool with the given number of slots.
func NewPool(workers, queueLimit int, timeout time.Duration) *Pool {
	return &Pool{
		slots:      make(chan struct{}, workers),
		queueLimit: int64(queueLimit),
		timeout:    timeout,
	}
}

// PoolStats is a point-in-time view of the pool.
type PoolStats struct {
	Workers, Busy, Queued, QueueLimit int
	Served, Rejected                  uint64
}

// Stats reads the counters without locking; each number is exact, the set is
// approximately simultaneous, which is all a dashboard needs.
func (p *Pool) Stats() PoolStats {
	return PoolStats{
		Workers:    cap(p.slots),
		Busy:       len(p.slots),
		Queued:     int(p.queued.Load()),
		QueueLimit: int(p.queueLimit),
		Served:     p.served.Load(),
		Rejected:   p.rejected.Load(),
	}
}

// Wrap runs next inside a slot.
func (p *Pool) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.acquire(r) {
			p.rejected.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(p.timeout/time.Second))))
			http.Error(w, "The portal is busy: every worker is taken and the queue is full. Retry shortly.", http.StatusServiceUnavailable)
			return
		}
		defer func() { <-p.slots }()
		p.served.Add(1)
		next.ServeHTTP(w, r)
	})
}

func (p *Pool) acquire(r *http.Request) bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
	}
	if p.queued.Add(1) > p.queueLimit {
		p.queued.Add(-1)
		return false
	}
	defer p.queued.Add(-1)
	t := time.NewTimer(p.timeout)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-r.Context().Done():
		return false
	}
}
