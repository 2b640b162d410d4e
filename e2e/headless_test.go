package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/envfile"
	"github.com/tts-portal/ttsui/internal/testutil/tcpproxy"
	"github.com/tts-portal/ttsui/internal/testutil/treecopy"
)

// buildTTSUI compiles the console once for the package.
var (
	ttsuiOnce sync.Once
	ttsuiBin  string
	ttsuiErr  error
)

func ttsui(t *testing.T) string {
	t.Helper()
	ttsuiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ttsui-bin-")
		if err != nil {
			ttsuiErr = err
			return
		}
		ttsuiBin = filepath.Join(dir, "ttsui")
		out, err := exec.Command("go", "build", "-o", ttsuiBin, "../cmd/ttsui").CombinedOutput()
		if err != nil {
			ttsuiErr = fmt.Errorf("build ttsui: %v\n%s", err, out)
		}
	})
	if ttsuiErr != nil {
		t.Fatal(ttsuiErr)
	}
	return ttsuiBin
}

// project is a private copy of the stack's files, so tests may edit
// templates and Go code without touching the checkout.
type project struct {
	dir, name, envFile string
	env                map[string]string
	webPort            int
}

func newProject(t *testing.T, name string) *project {
	t.Helper()
	repo, _ := filepath.Abs("..")
	dir := t.TempDir()
	for _, f := range []string{"docker-compose.yaml", "Dockerfile.web", "Dockerfile.db", ".dockerignore", "go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	for _, d := range []string{"docroot", "db", "cmd/ttsportal", "internal/webapp", "internal/portal"} {
		treecopy.Copy(t, filepath.Join(repo, d), filepath.Join(dir, d))
	}
	p := &project{dir: dir, name: fmt.Sprintf("%s-%d", name, os.Getpid()), envFile: filepath.Join(dir, ".env")}
	if _, err := envfile.Ensure(p.envFile, envfile.Defaults()); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	p.webPort = port
	f, _ := os.OpenFile(p.envFile, os.O_APPEND|os.O_WRONLY, 0o600)
	fmt.Fprintf(f, "WEB_PORT=%d\nWEB_CONCURRENCY=2\nTTS_VERSION=%s\nGO_IMAGE=%s\nDB_IMAGE=%s\n", port, p.name,
		envOr("GO_IMAGE", "ttsui-local/go:1.26"), envOr("DB_IMAGE", "ttsui-local/mariadb:10.11"))
	f.Close()
	p.env, _ = envfile.Load(p.envFile)
	t.Cleanup(func() {
		if os.Getenv("TTSUI_E2E_KEEP") != "" {
			return
		}
		cmd := exec.Command(ttsui(t), p.args("down", "--volumes")...)
		cmd.Env = filterEnv(os.Environ(), "GO_IMAGE", "DB_IMAGE", "WEB_CONCURRENCY")
		cmd.Run()
		exec.Command("docker", "image", "rm", "tts-portal-web:"+p.name, "tts-portal-db:"+p.name).Run()
	})
	return p
}

func (p *project) args(a ...string) []string {
	return append([]string{"--project-directory", p.dir, "-p", p.name, "--env-file", p.envFile}, a...)
}

// run runs ttsui on the project and returns its stdout, stderr and error.
func (p *project) run(t *testing.T, env []string, a ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(ttsui(t), p.args(a...)...)
	cmd.Env = append(filterEnv(os.Environ(), "GO_IMAGE", "DB_IMAGE", "WEB_CONCURRENCY", "WEB_PORT", "TTS_VERSION"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func (p *project) must(t *testing.T, a ...string) string {
	t.Helper()
	out, errOut, err := p.run(t, nil, a...)
	if err != nil {
		t.Fatalf("ttsui %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(a, " "), err, out, tail(errOut, 40))
	}
	return out
}

func (p *project) status(t *testing.T) dockerops.State {
	t.Helper()
	var st dockerops.State
	out := p.must(t, "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return st
}

func (p *project) base() string { return "http://127.0.0.1:" + strconv.Itoa(p.webPort) }

// load runs concurrent GETs of the landing page until stop is closed and
// counts failures.
func load(base string, workers int) (stop func() (ok, failed int64, first string)) {
	var okN, failN atomic.Int64
	var mu sync.Mutex
	firstErr := ""
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			c := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-done:
					return
				default:
				}
				resp, err := c.Get(base + "/")
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failN.Add(1)
					mu.Lock()
					if firstErr == "" {
						firstErr = err.Error()
					}
					mu.Unlock()
					continue
				}
				okN.Add(1)
			}
		})
	}
	return func() (int64, int64, string) {
		close(done)
		wg.Wait()
		return okN.Load(), failN.Load(), firstErr
	}
}

// TestHeadlessLifecycle drives every headless action on a private copy of
// the stack: up from nothing, status, reload under load, a failed reload,
// rebuild after a Go change, purge with its refusals, up again, down.
func TestHeadlessLifecycle(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	p := newProject(t, "ttsui-e2e-headless")

	st := p.status(t)
	if !st.Engine.Reachable || len(st.Containers) != 0 {
		t.Fatalf("before up: %+v", st)
	}

	p.must(t, "up")
	st = p.status(t)
	healthy := map[string]bool{}
	for _, c := range st.Containers {
		healthy[c.Service] = c.State == "running" && c.Health == "healthy"
	}
	if !healthy["web"] || !healthy["db"] || len(st.Containers) != 2 {
		t.Fatalf("after up: %+v", st.Containers)
	}
	if len(st.Workers) != 1 {
		t.Fatalf("workers: %+v", st.Workers)
	}
	for name, w := range st.Workers {
		if w.Workers != 2 || w.Database != "ok" {
			t.Fatalf("workers of %s: %+v", name, w)
		}
	}
	// Debian's docker-compose sees the same containers.
	dc, err := exec.Command("docker-compose", "-p", p.name, "-f", filepath.Join(p.dir, "docker-compose.yaml"), "--env-file", p.envFile, "ps", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("docker-compose ps: %v %s", err, dc)
	}
	for _, c := range st.Containers {
		if !strings.Contains(string(dc), c.ID) {
			t.Errorf("docker-compose ps does not list %s:\n%s", c.Name, dc)
		}
	}

	t.Run("reload under load", func(t *testing.T) {
		stop := load(p.base(), 8)
		time.Sleep(300 * time.Millisecond)
		out := p.must(t, "reload", "--json")
		time.Sleep(300 * time.Millisecond)
		ok, failed, first := stop()
		var res dockerops.ReloadResult
		if err := json.Unmarshal([]byte(out), &res); err != nil || !res.OK() || res.Containers[0].After <= res.Containers[0].Before {
			t.Fatalf("reload result: %v\n%s", err, out)
		}
		if failed != 0 || ok < 50 {
			t.Fatalf("%d requests failed (%d ok) during the reload; first: %s", failed, ok, first)
		}
	})

	t.Run("broken template reload fails and the old generation serves", func(t *testing.T) {
		idx := filepath.Join(p.dir, "docroot", "templates", "index.html")
		good, _ := os.ReadFile(idx)
		os.WriteFile(idx, []byte(`{{define "content"}}{{.Broken`), 0o644)
		out, errOut, err := p.run(t, nil, "reload")
		if err == nil || !strings.Contains(out+errOut, "reload failed") {
			t.Fatalf("broken reload did not fail clearly: %v\n%s\n%s", err, out, errOut)
		}
		code, body := httpGet(t, http.DefaultClient, p.base()+"/")
		if code != 200 || !strings.Contains(body, "Welcome") {
			t.Fatalf("old generation not serving: %d", code)
		}
		os.WriteFile(idx, good, 0o644)
		p.must(t, "reload")
	})

	t.Run("rebuild serves changed Go code", func(t *testing.T) {
		src := filepath.Join(p.dir, "internal", "webapp", "server.go")
		b, _ := os.ReadFile(src)
		changed := strings.Replace(string(b), `w.Write([]byte("ok\n"))`, `w.Write([]byte("ok, rebuilt\n"))`, 1)
		if changed == string(b) {
			t.Fatal("could not find the /healthz body to change")
		}
		os.WriteFile(src, []byte(changed), 0o644)
		p.must(t, "rebuild", "web")
		waitUntil(t, 60*time.Second, "the rebuilt portal", func() bool {
			_, body := httpGet(t, http.DefaultClient, p.base()+"/healthz")
			return body == "ok, rebuilt\n"
		})
	})

	t.Run("purge", func(t *testing.T) {
		vol := p.name + "_tts-db"
		// Refused: no confirmation and no terminal.
		if out, errOut, err := p.run(t, nil, "purge", vol); err == nil || !strings.Contains(out+errOut, "refused") {
			t.Fatalf("purge without --yes: %v %s %s", err, out, errOut)
		}
		// Refused: a volume of another project.
		foreign := "ttsui-e2e-foreign-" + strconv.Itoa(os.Getpid())
		exec.Command("docker", "volume", "create", "--label", "com.docker.compose.project=someone-else", foreign).Run()
		defer exec.Command("docker", "volume", "rm", "-f", foreign).Run()
		if out, errOut, err := p.run(t, nil, "purge", foreign, "--yes"); err == nil || !strings.Contains(out+errOut, "belongs to project") {
			t.Fatalf("purge of a foreign volume: %v %s %s", err, out, errOut)
		}
		if err := exec.Command("docker", "volume", "inspect", foreign).Run(); err != nil {
			t.Fatal("the foreign volume was touched")
		}
		// Mark the database so a fresh one can be told apart.
		db := openDB(t, p.dbAddr(t), p.env)
		if _, err := db.Exec("CREATE TABLE purge_marker (x INT)"); err != nil {
			t.Fatal(err)
		}
		db.Close()

		backups := filepath.Join(p.dir, "backups")
		out := p.must(t, "purge", vol, "--yes", "--backup-dir", backups)
		if !strings.Contains(out, "dump written to") {
			t.Fatalf("purge output: %s", out)
		}
		dumps, _ := filepath.Glob(filepath.Join(backups, vol+"-*.sql"))
		if len(dumps) != 1 {
			t.Fatalf("dumps: %v", dumps)
		}
		dump, _ := os.ReadFile(dumps[0])
		if !strings.Contains(string(dump), "CREATE TABLE `users`") || !strings.Contains(string(dump), "purge_marker") {
			t.Fatalf("the dump lacks the schema:\n%s", tail(string(dump), 20))
		}
		if fi, _ := os.Stat(dumps[0]); fi.Mode().Perm() != 0o600 {
			t.Errorf("dump mode %v, want 0600", fi.Mode().Perm())
		}
		if err := exec.Command("docker", "volume", "inspect", vol).Run(); err == nil {
			t.Fatal("the volume still exists after purge")
		}

		p.must(t, "up")
		db = openDB(t, p.dbAddr(t), p.env)
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'purge_marker'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("the database after purge + up is not fresh: marker count %d, %v", n, err)
		}
	})

	t.Run("down leaves no container or network", func(t *testing.T) {
		p.must(t, "down")
		for _, kind := range []string{"ps", "network"} {
			args := []string{kind, "ls", "-q", "--filter", "label=com.docker.compose.project=" + p.name}
			if kind == "ps" {
				args = []string{"ps", "-aq", "--filter", "label=com.docker.compose.project=" + p.name}
			}
			out, _ := exec.Command("docker", args...).CombinedOutput()
			if strings.TrimSpace(string(out)) != "" {
				t.Fatalf("%s left behind after down: %s", kind, out)
			}
		}
		if err := exec.Command("docker", "volume", "inspect", p.name+"_tts-db").Run(); err != nil {
			t.Fatal("down removed the volume; it must keep it unless asked")
		}
	})
}

func (p *project) dbAddr(t *testing.T) string {
	t.Helper()
	st := p.status(t)
	for _, c := range st.Containers {
		if c.Service == "db" {
			if addr, ok := c.PublishedPort(3306); ok {
				return addr
			}
		}
	}
	t.Fatalf("no published db port: %+v", st.Containers)
	return ""
}

func TestUnreachableEngineFailsFast(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	p := newProject(t, "ttsui-e2e-dead")
	start := time.Now()
	out, errOut, err := p.run(t, []string{"DOCKER_HOST=tcp://127.0.0.1:1"}, "status")
	took := time.Since(start)
	if err == nil {
		t.Fatalf("status against a dead engine succeeded:\n%s", out)
	}
	if took > 5*time.Second {
		t.Fatalf("took %s to fail, want under 5s", took)
	}
	if !strings.Contains(errOut, "unreachable") || !strings.Contains(errOut, "DOCKER_HOST") {
		t.Fatalf("unclear error: %s", errOut)
	}
}

// TestRemoteEngineOverTCP reaches the engine through a TCP proxy in front of
// its socket, as a remote tcp:// engine: status, up and down all work.
func TestRemoteEngineOverTCP(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	proxy := engineProxy(t)
	p := newProject(t, "ttsui-e2e-tcp")
	host := "tcp://" + proxy.Addr()
	if out, errOut, err := p.run(t, nil, "-H", host, "up"); err != nil {
		t.Fatalf("up over tcp: %v\n%s\n%s", err, out, tail(errOut, 30))
	}
	out, _, err := p.run(t, nil, "-H", host, "status", "--json")
	var st dockerops.State
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.Engine.Host != host || len(st.Containers) != 2 {
		t.Fatalf("status over tcp: %v %s", err, out)
	}
	if _, errOut, err := p.run(t, nil, "-H", host, "down"); err != nil {
		t.Fatalf("down over tcp: %v %s", err, errOut)
	}
}

// TestEventsStreamReconnects cuts the connection to the engine under a
// watching Stack, changes the stack meanwhile, restores the connection and
// expects the snapshot to catch up.
func TestEventsStreamReconnects(t *testing.T) {
	s := upStack(t) // the shared stack from stack_test.go
	proxy := engineProxy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := dockerops.Open(ctx, dockerops.Options{Dir: s.repo, Project: s.project, EnvFile: s.envFile, Host: "tcp://" + proxy.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	events := st.Subscribe(ctx)
	go st.Watch(ctx)
	waitEvent(t, events, 10*time.Second, "connected", func(e dockerops.Event) bool { _, ok := e.(dockerops.EngineBack); return ok })

	webID, _ := s.container("web")
	before := startedAt(st.State(), webID)
	proxy.Cut()
	waitEvent(t, events, 10*time.Second, "EngineLost", func(e dockerops.Event) bool { _, ok := e.(dockerops.EngineLost); return ok })
	if st.State().Engine.Reachable {
		t.Fatal("state still says reachable while the stream is cut")
	}
	// A change the stream cannot see.
	if out, err := exec.Command("docker", "restart", "-t", "2", webID).CombinedOutput(); err != nil {
		t.Fatalf("restart web: %v %s", err, out)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, 30*time.Second, "catch-up after reconnecting", func(e dockerops.Event) bool {
		sc, ok := e.(dockerops.StateChanged)
		return ok && sc.State.Engine.Reachable && startedAt(sc.State, webID).After(before)
	})
	if err := s.waitHealthy(time.Minute); err != nil {
		t.Fatal(err)
	}
}

func startedAt(st dockerops.State, id string) time.Time {
	for _, c := range st.Containers {
		if c.ID == id {
			return c.StartedAt
		}
	}
	return time.Time{}
}

func waitEvent(t *testing.T, ch <-chan dockerops.Event, timeout time.Duration, what string, match func(dockerops.Event) bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("event channel closed waiting for %s", what)
			}
			if match(e) {
				return
			}
		case <-deadline:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// TestCrashLoopShowsRestartsAndExitCode runs a service that exits 3 under
// restart: always and expects the snapshot to show both.
func TestCrashLoopShowsRestartsAndExitCode(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	p := scratchProject(t, "crash", "crasher", "echo crashing; exit 3", "    restart: always\n")
	ctx := context.Background()
	st, err := dockerops.Open(ctx, dockerops.Options{Dir: p.dir, Project: p.name})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Down(context.Background(), dockerops.DownOptions{Volumes: true}, nil)
	upCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	st.Up(upCtx, nil) // waiting for a crash-looping service fails: expected
	cancel()
	waitUntil(t, 60*time.Second, "restarts and exit code 3", func() bool {
		st.Refresh(ctx)
		for _, c := range st.State().Containers {
			if c.Service == "crasher" && c.Restarts >= 2 && c.ExitCode == 3 {
				return true
			}
		}
		return false
	})
}

// engineProxy is a loopback TCP proxy in front of the engine's socket, for
// tests of tcp:// engines, contexts and lost connections. Closed with the test.
func engineProxy(t *testing.T) *tcpproxy.Proxy {
	t.Helper()
	proxy, err := tcpproxy.Start("unix:///var/run/docker.sock")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	return proxy
}

// scratchProject writes a one-service compose project running the local
// MariaDB image's shell with the given entrypoint script and extra YAML.
func scratchProject(t *testing.T, kind, service, script, extra string) *project {
	t.Helper()
	dir := t.TempDir()
	compose := fmt.Sprintf("services:\n  %s:\n    image: %s\n    entrypoint: [\"sh\", \"-c\", %q]\n%s", service, envOr("DB_IMAGE", "ttsui-local/mariadb:10.11"), script, extra)
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	return &project{dir: dir, name: fmt.Sprintf("ttsui-e2e-%s-%d", kind, os.Getpid()), envFile: filepath.Join(dir, ".env")}
}
