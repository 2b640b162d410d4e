package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxTerm runs the real ttsui binary in a real terminal (tmux) and reads
// the screen back, as a user would see it.
type tmuxTerm struct {
	t       *testing.T
	session string
}

func startTmux(t *testing.T, name string, env []string, args ...string) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the dashboard tests: apt-get install tmux (.ci/run does)")
	}
	session := fmt.Sprintf("%s-%d", name, os.Getpid())
	quoted := make([]string, 0, len(args)+1)
	quoted = append(quoted, ttsui(t))
	for _, a := range args {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	shell := strings.Join(env, " ") + " " + strings.Join(quoted, " ") + "; echo EXITED $?; sleep 600"
	cmd := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", shell)
	cmd.Env = append(filterEnv(os.Environ(), "TMUX", "GO_IMAGE", "DB_IMAGE"), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	tt := &tmuxTerm{t: t, session: session}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
	return tt
}

func (tt *tmuxTerm) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", tt.session).CombinedOutput()
	if err != nil {
		tt.t.Fatalf("capture-pane: %v %s", err, out)
	}
	return string(out)
}

// keys sends keys one at a time with a pause, as typing does (a fast ESC
// followed by a letter would read as Alt+letter).
func (tt *tmuxTerm) keys(keys ...string) {
	for _, k := range keys {
		args := []string{"send-keys", "-t", tt.session}
		if len([]rune(k)) == 1 || strings.Contains(k, "_") || strings.Contains(k, " ") {
			args = append(args, "-l", k)
		} else {
			args = append(args, k)
		}
		if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
			tt.t.Fatalf("send-keys %q: %v %s", k, err, out)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (tt *tmuxTerm) waitFor(timeout time.Duration, wants ...string) string {
	tt.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tt.screen()
		ok := true
		for _, w := range wants {
			if !strings.Contains(s, w) {
				ok = false
			}
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("after %s the screen lacks %q:\n%s", timeout, wants, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDashboardDrivesTheStack starts the console with the stack down and
// drives it by keys: up, a web log line, search, reload, purge with the
// typed name, down, quit.
func TestDashboardDrivesTheStack(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	p := newProject(t, "ttsui-e2e-dash")
	term := startTmux(t, "ttsui-dash", nil, p.args()...)
	term.waitFor(30*time.Second, "the stack is down", "q quit")

	term.keys("u")
	s := term.waitFor(4*time.Minute, "up: stack is up")
	if strings.Count(s, "healthy") < 2 {
		t.Fatalf("not both services healthy:\n%s", s)
	}
	// The workers panel: WEB_CONCURRENCY=2 in the project's env file.
	webName := p.name + "-web-1"
	term.waitFor(20*time.Second, webName+"  2 ")

	// A log line from web.
	http.Get(p.base() + "/")
	term.waitFor(30*time.Second, "web | ", "portal serving")

	// A shell in the selected container (db, the first row): the dashboard
	// suspends, the shell runs in the same terminal, exit comes back.
	term.keys("x")
	term.waitFor(20*time.Second, "root@") // the shell's prompt: typing before it would reach the dashboard
	term.keys("echo in-shell-$((40+2))", "Enter")
	term.waitFor(20*time.Second, "in-shell-42")
	term.keys("exit", "Enter")
	term.waitFor(20*time.Second, "Containers", "q quit")

	// Search it.
	term.keys("Tab", "Tab", "Tab", "/", "portal serving", "Enter")
	term.waitFor(10*time.Second, `search "portal serving"`)
	term.keys("Escape")
	time.Sleep(300 * time.Millisecond)

	term.keys("r")
	term.waitFor(30*time.Second, "generation 1 → 2")

	// The file watcher in auto mode: a template edit reloads web.
	idx := filepath.Join(p.dir, "docroot", "templates", "index.html")
	b, _ := os.ReadFile(idx)
	os.WriteFile(idx, []byte(strings.Replace(string(b), "Welcome to", "Edited welcome to", 1)), 0o644)
	term.waitFor(30*time.Second, "last: docroot/templates/index.html → reload web", "reload web: ok")
	waitUntil(t, 10*time.Second, "the edited page", func() bool { return strings.Contains(tryGet(p.base()+"/"), "Edited welcome") })

	vol := p.name + "_tts-db"
	term.keys("P")
	term.waitFor(10*time.Second, "Purge volume "+vol, "Type the volume's name")
	term.keys("nope", "Enter")
	term.waitFor(5*time.Second, "not the volume's name")
	for range 4 {
		term.keys("BSpace")
	}
	term.keys(vol, "Enter")
	term.waitFor(2*time.Minute, "volume removed")
	if err := exec.Command("docker", "volume", "inspect", vol).Run(); err == nil {
		t.Fatal("the volume survived the purge")
	}

	term.keys("D")
	term.waitFor(10*time.Second, "Volumes (the database) are kept")
	term.keys("y")
	term.waitFor(2*time.Minute, "stack is down (volumes kept)")

	term.keys("q")
	s = term.waitFor(10*time.Second, "EXITED 0")
	if strings.Contains(s, "Containers") {
		t.Fatalf("the alternate screen was not left on quit:\n%s", s)
	}
}

// TestDashboardShowsEscapeSequencesInert runs a container that writes
// screen-clearing, retitling and carriage-return sequences and checks on
// the captured screen that they are shown, not obeyed.
func TestDashboardShowsEscapeSequencesInert(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	script := `while true; do printf 'before\033[2Jafter\n'; printf 'x\033]0;pwned-title\007y\n'; printf 'one\rtwo\n'; sleep 1; done`
	p := scratchProject(t, "esc", "noisy", script, "    stop_signal: SIGKILL\n")
	defer p.run(t, nil, "down", "--volumes") // the image declares a VOLUME: do not leak it
	p.must(t, "up")

	term := startTmux(t, "ttsui-esc", nil, p.args()...)
	s := term.waitFor(30*time.Second, "before␛[2Jafter", "x␛]0;pwned-title␇y", "one␍two")
	if !strings.Contains(s, "Containers") || !strings.Contains(s, p.name) {
		t.Fatalf("the screen was cleared or redrawn by the container:\n%s", s)
	}
	title, _ := exec.Command("tmux", "display-message", "-p", "-t", term.session, "#{pane_title}").CombinedOutput()
	if strings.Contains(string(title), "pwned") {
		t.Fatalf("the container retitled the terminal: %s", title)
	}
	term.keys("q")
	term.waitFor(10*time.Second, "EXITED 0")
}

// TestDashboardOpensWithoutAnEngineAndRecovers starts the console while the
// engine is unreachable (a cut proxy in front of it): it opens, says so, and
// shows the stack once the engine is back, without a restart.
func TestDashboardOpensWithoutAnEngineAndRecovers(t *testing.T) {
	s := upStack(t)
	proxy := engineProxy(t)
	proxy.Cut()
	p := &project{dir: s.repo, name: s.project, envFile: s.envFile}
	term := startTmux(t, "ttsui-noengine", nil, append(p.args(), "-H", "tcp://"+proxy.Addr())...)
	term.waitFor(30*time.Second, "engine unreachable", "Containers")
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	term.waitFor(30*time.Second, "● Docker 20", "healthy")
	term.keys("q")
	term.waitFor(10*time.Second, "EXITED 0")
}
