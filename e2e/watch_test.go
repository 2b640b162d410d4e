package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/testutil/syncbuf"
)

// TestWatchKeepsTheStackInStep runs `ttsui watch` on a private copy of the
// stack: 20 template edits under load are each served with no failed
// request, a Go edit is rebuilt and served, a db/ edit gives a notice only.
func TestWatchKeepsTheStackInStep(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	p := newProject(t, "ttsui-e2e-watch")
	p.must(t, "up")

	var out syncbuf.Buffer
	cmd := exec.Command(ttsui(t), p.args("watch")...)
	cmd.Env = filterEnv(os.Environ(), "GO_IMAGE", "DB_IMAGE", "WEB_CONCURRENCY", "WEB_PORT", "TTS_VERSION")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}()
	waitUntil(t, 20*time.Second, "the watcher to start", func() bool { return strings.Contains(out.String(), "watching ") })

	idx := filepath.Join(p.dir, "docroot", "templates", "index.html")
	orig, _ := os.ReadFile(idx)
	stop := load(p.base(), 6)
	for i := 1; i <= 20; i++ {
		marker := fmt.Sprintf("watched edit %d", i)
		body := strings.Replace(string(orig), "Welcome to {{.Site.Title}}", marker, 1)
		tmp := idx + ".new"
		os.WriteFile(tmp, []byte(body), 0o644)
		os.Rename(tmp, idx) // an editor's atomic save
		waitUntil(t, 15*time.Second, marker+" to be served", func() bool {
			_, b := httpGet(t, http.DefaultClient, p.base()+"/")
			return strings.Contains(b, marker)
		})
	}
	ok, failed, first := stop()
	if failed != 0 {
		t.Fatalf("%d of %d requests failed during 20 template edits; first: %s\nwatch output:\n%s", failed, ok+failed, first, out.String())
	}

	// A database file: a notice, never a rebuild.
	before := strings.Count(out.String(), "rebuild web")
	f, _ := os.OpenFile(filepath.Join(p.dir, "db", "01-schema.sql"), os.O_APPEND|os.O_WRONLY, 0o644)
	f.WriteString("\n-- touched by the watch test\n")
	f.Close()
	waitUntil(t, 10*time.Second, "the db notice", func() bool { return strings.Contains(out.String(), "notice: database files changed") })
	time.Sleep(time.Second)
	if strings.Count(out.String(), "rebuild web") != before {
		t.Fatalf("a db change triggered a rebuild:\n%s", out.String())
	}

	// A Go handler: rebuilt and served.
	src := filepath.Join(p.dir, "internal", "webapp", "server.go")
	b, _ := os.ReadFile(src)
	os.WriteFile(src, []byte(strings.Replace(string(b), `w.Write([]byte("ok\n"))`, `w.Write([]byte("ok, watched\n"))`, 1)), 0o644)
	waitUntil(t, 3*time.Minute, "the rebuilt portal", func() bool {
		return tryGet(p.base()+"/healthz") == "ok, watched\n" // refused while recreated
	})
	waitUntil(t, 30*time.Second, "the rebuild result line", func() bool { return strings.Contains(out.String(), "rebuild web: ok") })
}

// tryGet returns the body, or "" while the server is not answering.
func tryGet(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
