package webapp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLoginFlowAndAccount(t *testing.T) {
	_, ts := newTestServer(t, newFakeStore(t))
	c := browser(t)

	code, body := get(t, c, ts.URL+"/account")
	if code != http.StatusSeeOther {
		t.Fatalf("account without login: %d, want a redirect to login", code)
	}
	resp, _ := login(t, c, ts.URL, "user@example.test", "battery staple")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie missing or not HttpOnly/SameSite: %+v", session)
	}
	code, body = get(t, c, ts.URL+"/account")
	if code != 200 || !strings.Contains(body, "user@example.test") || !strings.Contains(body, "Uma User") {
		t.Fatalf("account page: %d\n%s", code, body)
	}
	// A user of level 2 may not see the admin list.
	if code, _ := get(t, c, ts.URL+"/admin/users"); code != http.StatusForbidden {
		t.Fatalf("admin list for a non-admin: %d, want 403", code)
	}

	// Logout needs the form token too, then the session is gone.
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no logout form token on the account page")
	}
	resp, _ = postForm(t, c, ts.URL+"/logout", url.Values{"csrf_token": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if code, _ := get(t, c, ts.URL+"/account"); code != http.StatusSeeOther {
		t.Fatalf("account after logout: %d, want a redirect", code)
	}
}

func TestAdminSeesUserList(t *testing.T) {
	_, ts := newTestServer(t, newFakeStore(t))
	c := browser(t)
	login(t, c, ts.URL, "admin@example.test", "correct horse")
	code, body := get(t, c, ts.URL+"/admin/users")
	if code != 200 || !strings.Contains(body, "admin@example.test") || !strings.Contains(body, "user@example.test") {
		t.Fatalf("admin list: %d\n%s", code, body)
	}
}

func TestBadLogins(t *testing.T) {
	_, ts := newTestServer(t, newFakeStore(t))
	for _, tc := range []struct {
		name, email, password string
		code                  int
		msg                   string
	}{
		{"wrong password", "user@example.test", "wrong", http.StatusUnauthorized, "Wrong email or password."},
		{"unknown email", "nobody@example.test", "battery staple", http.StatusUnauthorized, "Wrong email or password."},
		{"empty password", "user@example.test", "", http.StatusBadRequest, "Enter your email and password."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := browser(t)
			resp, body := login(t, c, ts.URL, tc.email, tc.password)
			if resp.StatusCode != tc.code || !strings.Contains(body, tc.msg) {
				t.Fatalf("got %d, want %d with %q:\n%s", resp.StatusCode, tc.code, tc.msg, body)
			}
			for _, ck := range resp.Cookies() {
				if ck.Name == sessionCookie && ck.Value != "" {
					t.Fatal("a failed login set a session cookie")
				}
			}
			if tc.email != "" && !strings.Contains(body, `value="`+tc.email+`"`) {
				t.Error("the email typed was not kept in the form")
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	_, ts := newTestServer(t, newFakeStore(t))
	good := url.Values{"email": {"user@example.test"}, "password": {"battery staple"}}

	// No cookie and no token at all: a cross-site form post.
	resp, body := postForm(t, http.DefaultClient, ts.URL+"/login", good)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Fatalf("post without token: %d\n%s", resp.StatusCode, body)
	}
	// A cookie but a token from another browser.
	c1, c2 := browser(t), browser(t)
	tok1 := csrfFrom(t, c1, ts.URL)
	csrfFrom(t, c2, ts.URL)
	form := url.Values{"email": good["email"], "password": good["password"], "csrf_token": {tok1}}
	if resp, _ := postForm(t, c2, ts.URL+"/login", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("token of another browser: %d, want 403", resp.StatusCode)
	}
	// A forged token.
	form.Set("csrf_token", "AAAA")
	if resp, _ := postForm(t, c1, ts.URL+"/login", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged token: %d, want 403", resp.StatusCode)
	}
	// Logout is protected as well.
	if resp, _ := postForm(t, c1, ts.URL+"/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without token: %d, want 403", resp.StatusCode)
	}
	// And the right one works.
	form.Set("csrf_token", tok1)
	if resp, _ := postForm(t, c1, ts.URL+"/login", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid token: %d, want 303", resp.StatusCode)
	}
}

func TestSessionCookieCannotBeForged(t *testing.T) {
	srv, ts := newTestServer(t, newFakeStore(t))
	exp := time.Now().Add(time.Hour)
	other := NewSigner([]byte("some-other-secret-key-123456"))
	changed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix()
	cases := map[string]string{
		"signed with another key": other.EncodeSession(Session{UserID: 1, Expires: exp, PasswordChanged: changed}),
		"expired":                 srv.signer.EncodeSession(Session{UserID: 1, Expires: time.Now().Add(-time.Minute), PasswordChanged: changed}),
		"older password":          srv.signer.EncodeSession(Session{UserID: 1, Expires: exp, PasswordChanged: changed - 60}),
		"garbage":                 "not.a-cookie",
		"deleted user":            srv.signer.EncodeSession(Session{UserID: 99, Expires: exp}),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+"/account", nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: v})
			resp, err := browser(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("got %d, want a redirect to login", resp.StatusCode)
			}
		})
	}
	// The genuine article works, proving the cases above fail for their reason.
	req, _ := http.NewRequest("GET", ts.URL+"/account", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: srv.signer.EncodeSession(Session{UserID: 1, Expires: exp, PasswordChanged: changed})})
	resp, err := browser(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("valid session: %d", resp.StatusCode)
	}
}

func TestLoginRedirectStaysOnSite(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/users":       "/admin/users",
		"//evil.example/x":   "/account",
		"https://evil.test/": "/account",
		`/\evil.example`:     "/account",
		"":                   "/account",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorPages(t *testing.T) {
	store := newFakeStore(t)
	_, ts := newTestServer(t, store)
	c := browser(t)

	code, body := get(t, c, ts.URL+"/no/such/page")
	if code != 404 || !strings.Contains(body, "Page not found") || !strings.Contains(body, "</html>") {
		t.Fatalf("404 page: %d\n%s", code, body)
	}

	login(t, c, ts.URL, "user@example.test", "battery staple")
	store.mu.Lock()
	store.panicOn = "UserByID"
	store.mu.Unlock()
	code, body = get(t, c, ts.URL+"/account")
	if code != 500 || !strings.Contains(body, "Server error") || strings.Contains(body, "boom") {
		t.Fatalf("500 page: %d (must not leak the panic)\n%s", code, body)
	}
	store.mu.Lock()
	store.panicOn = ""
	store.down = errDBDown
	store.mu.Unlock()
	code, body = get(t, c, ts.URL+"/account")
	if code != 503 || !strings.Contains(body, "not reachable") {
		t.Fatalf("account with the database down: %d\n%s", code, body)
	}
	resp, body := login(t, c, ts.URL, "user@example.test", "battery staple")
	if resp.StatusCode != 503 || !strings.Contains(body, "not reachable") {
		t.Fatalf("login with the database down: %d\n%s", resp.StatusCode, body)
	}
	// The landing page does not need the database.
	if code, _ := get(t, c, ts.URL+"/"); code != 200 {
		t.Fatalf("landing page with the database down: %d", code)
	}
}

func TestStaticFiles(t *testing.T) {
	_, ts := newTestServer(t, newFakeStore(t))
	resp, err := http.Get(ts.URL + "/static/css/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || resp.Header.Get("Cache-Control") == "" {
		t.Fatalf("static file: %d etag %q type %q", resp.StatusCode, etag, resp.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest("GET", ts.URL+"/static/css/portal.css", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", resp.StatusCode)
	}
	for _, p := range []string{"/static/", "/static/css", "/static/../site.json", "/static/%2e%2e/site.json", "/static/nope.js"} {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestProbesAndStatus(t *testing.T) {
	store := newFakeStore(t)
	_, ts := newTestServer(t, store)
	c := browser(t)
	if code, body := get(t, c, ts.URL+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("readyz: %d %q", code, body)
	}
	store.mu.Lock()
	store.down = errDBDown
	store.mu.Unlock()
	if code, body := get(t, c, ts.URL+"/readyz"); code != 503 || !strings.Contains(body, "connection refused") {
		t.Fatalf("readyz with the database down: %d %q", code, body)
	}
	if code, _ := get(t, c, ts.URL+"/healthz"); code != 200 {
		t.Fatalf("healthz must not depend on the database: %d", code)
	}
	st := fetchStatus(t, ts.URL)
	if st.Workers != 4 || st.Generation != 1 || !strings.Contains(st.Database, "connection refused") || st.Version == "" || st.Started.IsZero() {
		t.Fatalf("status: %+v", st)
	}
	code, body := get(t, c, ts.URL+"/metrics")
	if code != 200 || !strings.Contains(body, "ttsportal_workers 4\n") || !strings.Contains(body, "ttsportal_database_up 0\n") || !strings.Contains(body, "# TYPE ttsportal_requests_served_total counter") {
		t.Fatalf("metrics: %d\n%s", code, body)
	}
}

// TestStatusAnswersWhileWorkersAreBusy: probes bypass the pool, so an operator
// can see a saturated portal.
func TestStatusAnswersWhileWorkersAreBusy(t *testing.T) {
	store := newFakeStore(t)
	srv, ts := newTestServer(t, store)
	c := browser(t)
	login(t, c, ts.URL, "user@example.test", "battery staple")
	store.mu.Lock()
	store.block = make(chan struct{})
	store.mu.Unlock()
	for range srv.cfg.Workers {
		go c.Get(ts.URL + "/account")
	}
	waitFor(t, 5*time.Second, "all workers busy", func() bool { return srv.pool.Stats().Busy == srv.cfg.Workers })
	st := fetchStatus(t, ts.URL)
	if st.Busy != srv.cfg.Workers {
		t.Fatalf("status while saturated: busy %d", st.Busy)
	}
	close(store.block)
}
