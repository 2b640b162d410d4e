package webapp

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// blockingPool returns a pool-wrapped handler that holds every request until
// release is closed, and a channel that receives one value per started handler.
func blockingPool(workers, queue int, timeout time.Duration) (*Pool, http.Handler, chan struct{}, chan struct{}) {
	p := NewPool(workers, queue, timeout)
	started := make(chan struct{}, 100)
	release := make(chan struct{})
	h := p.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
		w.Write([]byte("ok"))
	}))
	return p, h, started, release
}

func TestPoolQueueOverflowGives503(t *testing.T) {
	p, h, started, release := blockingPool(1, 1, 10*time.Second)
	ts := httptest.NewServer(h)
	defer ts.Close()

	results := make(chan int, 2)
	var wg sync.WaitGroup
	for range 2 { // one runs, one queues
		wg.Go(func() {
			resp, err := http.Get(ts.URL)
			if err != nil {
				results <- -1
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		})
	}
	<-started
	waitFor(t, 5*time.Second, "one queued request", func() bool { return p.Stats().Queued == 1 })

	resp, err := http.Get(ts.URL) // the queue is full: rejected at once
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("overflow got %d, want 503", resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	st := p.Stats()
	if st.Busy != 1 || st.Queued != 1 || st.Rejected != 1 || st.Workers != 1 {
		t.Errorf("stats while saturated: %+v", st)
	}
	close(release)
	wg.Wait()
	close(results)
	for code := range results {
		if code != http.StatusOK {
			t.Errorf("a running or queued request got %d, want 200", code)
		}
	}
	if st := p.Stats(); st.Served != 2 || st.Busy != 0 || st.Queued != 0 {
		t.Errorf("stats after: %+v", st)
	}
}

func TestPoolQueueTimeoutGives503(t *testing.T) {
	p, h, started, release := blockingPool(1, 5, 100*time.Millisecond)
	ts := httptest.NewServer(h)
	defer ts.Close()
	defer close(release) // before ts.Close, which waits for the held handler
	go http.Get(ts.URL)
	<-started
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("timed-out request got %d, want 503", resp.StatusCode)
	}
	if p.Stats().Queued != 0 {
		t.Errorf("a timed-out request still counts as queued")
	}
}

func TestPoolLimitsConcurrency(t *testing.T) {
	const workers = 3
	p := NewPool(workers, 100, 10*time.Second)
	var mu sync.Mutex
	running, peak := 0, 0
	h := p.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
	}))
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if rec.Code != 200 {
				t.Errorf("got %d", rec.Code)
			}
		})
	}
	wg.Wait()
	if peak != workers {
		t.Fatalf("peak concurrency %d, want exactly %d", peak, workers)
	}
}
