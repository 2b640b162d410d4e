package webapp

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/portal"
)

func writeIndex(t testing.TB, docroot, marker string) {
	t.Helper()
	body := `{{define "title"}}Welcome{{end}}{{define "content"}}<h1 id="welcome">` + marker + `</h1>{{end}}`
	// Editors save by writing a temp file and renaming it over the original;
	// do the same so a reload never reads a half-written file.
	tmp := filepath.Join(docroot, "templates", ".index.html.tmp")
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(docroot, "templates", "index.html")); err != nil {
		t.Fatal(err)
	}
}

func fetchStatus(t testing.TB, base string) portal.Status {
	t.Helper()
	resp, err := http.Get(base + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st portal.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestNoRequestFailsDuringReloads runs 50 reloads, each with changed template
// content, while clients hammer the landing page. Every response must be a
// complete 200 page of either the old or the new content.
func TestNoRequestFailsDuringReloads(t *testing.T) {
	srv, ts := newTestServer(t, newFakeStore(t))
	docroot := srv.cfg.Docroot

	var ok, failed atomic.Int64
	var failMu sync.Mutex
	var firstFailure string
	seen := sync.Map{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(ts.URL + "/")
				var body []byte
				if err == nil {
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "</html>") {
					failed.Add(1)
					failMu.Lock()
					if firstFailure == "" {
						firstFailure = string(body)
						if err != nil {
							firstFailure = err.Error()
						}
					}
					failMu.Unlock()
					continue
				}
				ok.Add(1)
				if i := strings.Index(string(body), `id="welcome">`); i >= 0 {
					seen.Store(string(body[i:min(len(body), i+30)]), true)
				}
			}
		})
	}

	for i := 1; i <= 50; i++ {
		writeIndex(t, docroot, "version "+string(rune('A'+i%26)))
		if _, err := srv.Reload(); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed during reloads; first: %s", n, n+ok.Load(), firstFailure)
	}
	if ok.Load() < 100 {
		t.Fatalf("only %d requests ran: the test did not load the server", ok.Load())
	}
	variants := 0
	seen.Range(func(any, any) bool { variants++; return true })
	if variants < 2 {
		t.Fatalf("clients saw %d page variant(s): reloads did not take effect", variants)
	}
	if st := fetchStatus(t, ts.URL); st.Generation != 51 || st.ReloadError != "" {
		t.Fatalf("after 50 reloads: generation %d (want 51), reload error %q", st.Generation, st.ReloadError)
	}
}

func TestBrokenTemplateKeepsOldGeneration(t *testing.T) {
	srv, ts := newTestServer(t, newFakeStore(t))
	docroot := srv.cfg.Docroot
	c := browser(t)

	writeIndex(t, docroot, "good one")
	if gen, err := srv.Reload(); err != nil || gen != 2 {
		t.Fatalf("good reload: gen %d err %v", gen, err)
	}
	os.WriteFile(filepath.Join(docroot, "templates", "index.html"), []byte(`{{define "content"}}{{.Nope`), 0o644)
	gen, err := srv.Reload()
	if err == nil {
		t.Fatal("a template syntax error was accepted")
	}
	if gen != 2 {
		t.Fatalf("failed reload moved the generation to %d", gen)
	}
	code, body := get(t, c, ts.URL+"/")
	if code != 200 || !strings.Contains(body, "good one") {
		t.Fatalf("old generation not served after a failed reload: %d\n%s", code, body)
	}
	st := fetchStatus(t, ts.URL)
	if st.Generation != 2 || !strings.Contains(st.ReloadError, "index.html") {
		t.Fatalf("status after failed reload: generation %d, error %q", st.Generation, st.ReloadError)
	}

	// A broken site.json is a reload error too.
	writeIndex(t, docroot, "fixed")
	os.WriteFile(filepath.Join(docroot, "site.json"), []byte(`{"title": `), 0o644)
	if _, err := srv.Reload(); err == nil || !strings.Contains(err.Error(), "site.json") {
		t.Fatalf("broken site.json: %v", err)
	}

	os.WriteFile(filepath.Join(docroot, "site.json"), []byte(`{"title": "Renamed Portal"}`), 0o644)
	if gen, err := srv.Reload(); err != nil || gen != 3 {
		t.Fatalf("reload after the fix: gen %d err %v", gen, err)
	}
	_, body = get(t, c, ts.URL+"/")
	if !strings.Contains(body, "fixed") || !strings.Contains(body, "Renamed Portal") {
		t.Fatalf("fixed templates and live settings not served:\n%s", body)
	}
	if st := fetchStatus(t, ts.URL); st.ReloadError != "" {
		t.Fatalf("reload error not cleared: %q", st.ReloadError)
	}
}

func TestMissingTemplateAtStartIsAnError(t *testing.T) {
	docroot := copyDocroot(t)
	os.Remove(filepath.Join(docroot, "templates", "account.html"))
	if _, err := New(testConfig(docroot), quietLogger(), newFakeStore(t)); err == nil || !strings.Contains(err.Error(), "account.html") {
		t.Fatalf("want an error naming account.html, got %v", err)
	}
}

// runServer runs Server.Run on a loopback listener until the test ends.
func runServer(t *testing.T, srv *Server) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { stop() })
	return "http://" + ln.Addr().String(), stop
}

func TestTouchingTheTriggerFileReloads(t *testing.T) {
	srv, err := New(testConfig(copyDocroot(t)), quietLogger(), newFakeStore(t))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := runServer(t, srv)
	waitFor(t, 5*time.Second, "server up", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	trigger := filepath.Join(srv.cfg.Docroot, ".reload")
	// The watcher starts with Run; give it a moment, then create the file.
	time.Sleep(100 * time.Millisecond)
	os.WriteFile(trigger, nil, 0o644)
	waitFor(t, 5*time.Second, "generation 2 after creating the trigger", func() bool { return fetchStatus(t, base).Generation >= 2 })
	before := fetchStatus(t, base).Generation
	now := time.Now().Add(time.Second)
	os.Chtimes(trigger, now, now) // `touch` of an existing file
	waitFor(t, 5*time.Second, "generation advance after touching the trigger", func() bool { return fetchStatus(t, base).Generation > before })
}

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	store := newFakeStore(t)
	srv, err := New(testConfig(copyDocroot(t)), quietLogger(), store)
	if err != nil {
		t.Fatal(err)
	}
	base, stop := runServer(t, srv)
	c := browser(t)
	waitFor(t, 5*time.Second, "server up", func() bool {
		resp, err := c.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	if resp, _ := login(t, c, base, "user@example.test", "battery staple"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}

	// The next account page blocks inside the store until released.
	store.mu.Lock()
	store.block = make(chan struct{})
	store.entered = make(chan struct{}, 1)
	store.mu.Unlock()
	type result struct {
		code int
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := c.Get(base + "/account")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-store.entered

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// While draining, the listener is closed: new connections are refused.
	waitFor(t, 5*time.Second, "listener closed", func() bool {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 200*time.Millisecond)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) before the request in flight finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(store.block)
	r := <-inflight
	if r.err != nil || r.code != 200 || !strings.Contains(r.body, "user@example.test") {
		t.Fatalf("request in flight during shutdown: code %d err %v", r.code, r.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
}
