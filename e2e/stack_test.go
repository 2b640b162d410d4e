// Package e2e brings the real stack up on the real Docker engine, built from
// this checkout, and checks it from the outside through 127.0.0.1: the portal's
// probes and status, a login with the admin from the env file (over HTTP and in
// a real browser), the non-root web container and the database's persistence
// across a restart.
//
// It runs when TTSUI_E2E or CI is set (make test sets it) and then fails, never
// skips, when the engine is missing. Each run uses its own compose project,
// host port and env file, so it never touches a developer's tts-portal stack.
package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tts-portal/ttsui/internal/envfile"
	"github.com/tts-portal/ttsui/internal/portal"
)

func enabled() bool { return os.Getenv("TTSUI_E2E") != "" || os.Getenv("CI") != "" }

var (
	stackOnce sync.Once
	theStack  *stack
	stackErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theStack != nil && os.Getenv("TTSUI_E2E_KEEP") == "" {
		if out, err := theStack.compose("down", "-v", "--remove-orphans"); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: tearing down %s: %v\n%s", theStack.project, err, out)
		}
	}
	os.Exit(code)
}

// stack is one running copy of the TTS portal stack.
type stack struct {
	repo, project, envFile string
	env                    map[string]string
	composeCmd             []string
	webPort                int
}

// upStack builds and starts the stack once for the whole package.
func upStack(t *testing.T) *stack {
	t.Helper()
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	stackOnce.Do(func() { theStack, stackErr = startStack() })
	if stackErr != nil {
		t.Fatalf("bring the stack up: %v", stackErr)
	}
	return theStack
}

func startStack() (*stack, error) {
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("the Docker engine is not reachable (start dockerd, or check DOCKER_HOST): %v: %s", err, out)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	s := &stack{repo: repo, project: fmt.Sprintf("ttsui-e2e-%d", os.Getpid())}
	if exec.Command("docker", "compose", "version").Run() == nil {
		s.composeCmd = []string{"docker", "compose"}
	} else if p, err := exec.LookPath("docker-compose"); err == nil {
		s.composeCmd = []string{p}
	} else {
		return nil, fmt.Errorf("no compose client: install the Docker Compose plugin or docker-compose")
	}

	dir, err := os.MkdirTemp("", "ttsui-e2e-")
	if err != nil {
		return nil, err
	}
	s.envFile = filepath.Join(dir, ".env")
	if _, err := envfile.Ensure(s.envFile, envfile.Defaults()); err != nil {
		return nil, err
	}
	s.webPort, err = freePort()
	if err != nil {
		return nil, err
	}
	extra := map[string]string{
		"WEB_PORT":        strconv.Itoa(s.webPort),
		"WEB_CONCURRENCY": "3",
		"TTS_VERSION":     "e2e",
		"GO_IMAGE":        envOr("GO_IMAGE", "ttsui-local/go:1.26"),
		"DB_IMAGE":        envOr("DB_IMAGE", "ttsui-local/mariadb:10.11"),
	}
	f, err := os.OpenFile(s.envFile, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	for k, v := range extra {
		fmt.Fprintf(f, "%s=%s\n", k, v)
	}
	f.Close()
	if s.env, err = envfile.Load(s.envFile); err != nil {
		return nil, err
	}

	if out, err := s.compose("up", "-d", "--build"); err != nil {
		return s, fmt.Errorf("compose up: %v\n%s", err, tail(out, 60))
	}
	if err := s.waitHealthy(5 * time.Minute); err != nil {
		return s, err
	}
	return s, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (s *stack) compose(args ...string) (string, error) {
	full := append(append([]string{}, s.composeCmd[1:]...), "-p", s.project, "-f", filepath.Join(s.repo, "docker-compose.yaml"), "--env-file", s.envFile)
	full = append(full, args...)
	cmd := exec.Command(s.composeCmd[0], full...)
	cmd.Dir = s.repo
	// The env file is the only source of settings: keep the caller's
	// GO_IMAGE and friends from overriding it through the process env.
	cmd.Env = filterEnv(os.Environ(), "GO_IMAGE", "DB_IMAGE", "WEB_PORT", "WEB_CONCURRENCY", "WORKERS_PER_CORE", "MAX_WORKERS", "TTS_VERSION")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func filterEnv(env []string, drop ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, d := range drop {
			if strings.HasPrefix(kv, d+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// container returns the id of the service's container.
func (s *stack) container(service string) (string, error) {
	out, err := s.compose("ps", "-q", service)
	if err != nil {
		return "", fmt.Errorf("compose ps %s: %v: %s", service, err, out)
	}
	id := strings.TrimSpace(out)
	if id == "" {
		return "", fmt.Errorf("no %s container", service)
	}
	return strings.Fields(id)[0], nil
}

func inspect(id, format string) (string, error) {
	out, err := exec.Command("docker", "inspect", "-f", format, id).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// waitHealthy polls the engine until both containers report healthy.
func (s *stack) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok := true
		var states []string
		for _, svc := range []string{"db", "web"} {
			id, err := s.container(svc)
			st := "missing"
			if err == nil {
				st, _ = inspect(id, "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}")
			}
			states = append(states, svc+"="+st)
			if st != "running/healthy" {
				ok = false
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			logs, _ := s.compose("logs", "--tail=40")
			return fmt.Errorf("stack not healthy after %s: %s\n%s", timeout, strings.Join(states, " "), logs)
		}
		time.Sleep(time.Second)
	}
}

func (s *stack) base() string { return "http://127.0.0.1:" + strconv.Itoa(s.webPort) }

// dbPort finds the db's ephemeral loopback port the way ttsui does: by asking
// the engine. It changes when the container restarts.
func (s *stack) dbAddr(t *testing.T) string {
	t.Helper()
	id, err := s.container("db")
	if err != nil {
		t.Fatal(err)
	}
	out, err := inspect(id, `{{json .NetworkSettings.Ports}}`)
	if err != nil {
		t.Fatalf("inspect db ports: %v %s", err, out)
	}
	var ports map[string][]struct{ HostIp, HostPort string }
	if err := json.Unmarshal([]byte(out), &ports); err != nil {
		t.Fatalf("db ports %s: %v", out, err)
	}
	b := ports["3306/tcp"]
	if len(b) != 1 || b[0].HostIp != "127.0.0.1" {
		t.Fatalf("db must be published on 127.0.0.1 only, got %s", out)
	}
	return net.JoinHostPort(b[0].HostIp, b[0].HostPort)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func httpGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestPortalIsReadyWithTheWorkersAsked(t *testing.T) {
	s := upStack(t)
	code, body := httpGet(t, http.DefaultClient, s.base()+"/readyz")
	if code != 200 {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	_, body = httpGet(t, http.DefaultClient, s.base()+"/status")
	var st portal.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("/status: %v\n%s", err, body)
	}
	if st.Workers != 3 || st.Database != "ok" || st.Generation < 1 {
		t.Fatalf("/status with WEB_CONCURRENCY=3: %+v", st)
	}
	id, err := s.container("web")
	if err != nil {
		t.Fatal(err)
	}
	user, _ := inspect(id, "{{.Config.User}}")
	if user == "" || user == "root" || strings.HasPrefix(user, "0") {
		t.Fatalf("web container runs as %q, want a non-root user", user)
	}
	top, err := exec.Command("docker", "top", id, "-o", "uid,pid,args").CombinedOutput()
	if err != nil || !strings.Contains(string(top), "65532") {
		t.Fatalf("web process is not running as uid 65532: %v\n%s", err, top)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func TestAdminFromEnvFileCanLogIn(t *testing.T) {
	s := upStack(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	_, page := httpGet(t, c, s.base()+"/login")
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form token on the login page:\n%s", page)
	}
	resp, err := c.PostForm(s.base()+"/login", url.Values{
		"email": {s.env["ADMIN_EMAIL"]}, "password": {s.env["ADMIN_PASSWORD"]}, "csrf_token": {m[1]},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/account" || !strings.Contains(string(body), s.env["ADMIN_EMAIL"]) {
		t.Fatalf("login as the env file's admin ended at %s with %d:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	if code, body := httpGet(t, c, s.base()+"/admin/users"); code != 200 || !strings.Contains(body, s.env["ADMIN_EMAIL"]) {
		t.Fatalf("admin user list: %d", code)
	}
}

func openAppDB(t *testing.T, s *stack) *sql.DB {
	t.Helper()
	db := openDB(t, s.dbAddr(t), s.env)
	t.Cleanup(func() { db.Close() })
	return db
}

// openDB connects as the application user named in an env file.
func openDB(t *testing.T, addr string, env map[string]string) *sql.DB {
	t.Helper()
	c := mysql.NewConfig()
	c.User, c.Passwd, c.DBName = env["MYSQL_USER"], env["MYSQL_PASSWORD"], env["MYSQL_DATABASE"]
	c.Net, c.Addr = "tcp", addr
	c.Timeout = 3 * time.Second
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestDatabaseSurvivesARestartOfItsContainer(t *testing.T) {
	s := upStack(t)
	db := openAppDB(t, s)
	marker := "survives-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS e2e_markers (v VARCHAR(64) PRIMARY KEY)",
		"INSERT INTO e2e_markers VALUES ('" + marker + "')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var root string
	if err := db.QueryRow("SELECT CURRENT_USER()").Scan(&root); err != nil || strings.HasPrefix(root, "root@") {
		t.Fatalf("the application user is %q (%v): it must not be root", root, err)
	}
	id, err := s.container("db")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "restart", id).CombinedOutput(); err != nil {
		t.Fatalf("restart db: %v %s", err, out)
	}
	if err := s.waitHealthy(3 * time.Minute); err != nil {
		t.Fatal(err)
	}
	db2 := openAppDB(t, s) // the host port changed with the restart
	var got string
	if err := db2.QueryRow("SELECT v FROM e2e_markers WHERE v = ?", marker).Scan(&got); err != nil {
		t.Fatalf("marker row lost across the db restart: %v", err)
	}
	var admins int
	if err := db2.QueryRow("SELECT COUNT(*) FROM users WHERE security_level = 1").Scan(&admins); err != nil || admins != 1 {
		t.Fatalf("admin rows after restart: %d %v", admins, err)
	}
	// The portal reconnects by itself.
	waitUntil(t, 30*time.Second, "the portal to be ready again", func() bool {
		code, _ := httpGet(t, http.DefaultClient, s.base()+"/readyz")
		return code == 200
	})
	if _, err := db2.Exec("DROP TABLE e2e_markers"); err != nil {
		t.Fatal(err)
	}
}
