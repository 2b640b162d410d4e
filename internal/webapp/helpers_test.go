package webapp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tts-portal/ttsui/internal/testutil/treecopy"
)

// copyDocroot copies the repository's real docroot into a temp dir, so tests
// exercise the shipped templates and can edit them freely.
func copyDocroot(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	treecopy.Copy(t, filepath.Join("..", "..", "docroot"), dst)
	return dst
}

func testConfig(docroot string) Config {
	return Config{
		Addr: "127.0.0.1:0", Docroot: docroot,
		SecretKey: []byte("test-secret-key-0123456789abcdef"),
		Workers:   4, QueueLimit: 64, QueueTimeout: 2 * time.Second,
		ShutdownTimeout: 5 * time.Second, ReloadTrigger: ".reload",
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeStore is an in-memory UserStore for unit tests of the HTTP layer; the
// real store is tested against MariaDB in store_integration_test.go.
type fakeStore struct {
	mu      sync.Mutex
	users   map[int64]*User
	down    error         // when set, every call fails with it
	block   chan struct{} // when set, UserByID waits on it
	entered chan struct{} // signalled when UserByID starts waiting
	panicOn string        // "UserByID" makes that call panic
}

func newFakeStore(t testing.TB) *fakeStore {
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	changed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &fakeStore{users: map[int64]*User{
		1: {ID: 1, FirstName: "Ada", LastName: "Admin", Email: "admin@example.test", PasswordHash: hash("correct horse"), SecurityLevel: 1, Created: changed, PasswordChanged: &changed},
		2: {ID: 2, FirstName: "Uma", LastName: "User", Email: "user@example.test", PasswordHash: hash("battery staple"), SecurityLevel: 2, Created: changed},
	}}
}

func (f *fakeStore) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

func (f *fakeStore) Check(context.Context) error { return f.err() }

func (f *fakeStore) Authenticate(_ context.Context, email, password string) (*User, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if strings.EqualFold(u.Email, email) {
			if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil {
				c := *u
				return &c, nil
			}
			return nil, ErrNoUser
		}
	}
	return nil, ErrNoUser
}

func (f *fakeStore) UserByID(ctx context.Context, id int64) (*User, error) {
	f.mu.Lock()
	entered, block, panicOn := f.entered, f.block, f.panicOn
	f.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if panicOn == "UserByID" {
		panic("boom")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return nil, ErrNoUser
	}
	c := *u
	return &c, nil
}

func (f *fakeStore) ListUsers(context.Context) ([]User, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []User
	for _, id := range []int64{1, 2} {
		out = append(out, *f.users[id])
	}
	return out, nil
}

func (f *fakeStore) RecordLogin(context.Context, int64) error { return f.err() }

func (f *fakeStore) EnsureAdmin(context.Context, string, string) (bool, error) {
	return false, f.err()
}

var errDBDown = errors.New("database unreachable: dial tcp 127.0.0.1:3306: connect: connection refused")

// newTestServer starts the portal's handler on an httptest server.
func newTestServer(t testing.TB, store UserStore) (*Server, *httptest.Server) {
	t.Helper()
	cfg := testConfig(copyDocroot(t))
	srv, err := New(cfg, quietLogger(), store)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return srv, ts
}

// browser is an HTTP client with a cookie jar that does not follow redirects,
// so tests see each 303 as a browser would receive it.
func browser(t testing.TB) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// get fetches a page and returns status and body.
func get(t testing.TB, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// csrfFrom loads the login page and extracts the form token.
func csrfFrom(t testing.TB, c *http.Client, base string) string {
	t.Helper()
	_, body := get(t, c, base+"/login")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token in login page:\n%s", body)
	}
	return m[1]
}

func postForm(t testing.TB, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// login submits the login form with a valid token.
func login(t testing.TB, c *http.Client, base, email, password string) (*http.Response, string) {
	t.Helper()
	tok := csrfFrom(t, c, base)
	return postForm(t, c, base+"/login", url.Values{"email": {email}, "password": {password}, "csrf_token": {tok}})
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
