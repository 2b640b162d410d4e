package ui

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/logtext"
	"github.com/tts-portal/ttsui/internal/portal"
	"github.com/tts-portal/ttsui/internal/watch"
)

// fakeBackend records calls; the real one is driven in e2e/dashboard_test.go.
type fakeBackend struct {
	mu    sync.Mutex
	state dockerops.State
	calls []string
	err   error
}

func (f *fakeBackend) record(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
	return f.err
}
func (f *fakeBackend) State() dockerops.State { return f.state }
func (f *fakeBackend) Up(_ context.Context, p dockerops.Progress) error {
	p(dockerops.Step{Resource: "Container web-1", Text: "Started"})
	return f.record("up")
}
func (f *fakeBackend) Down(context.Context, dockerops.DownOptions, dockerops.Progress) error {
	return f.record("down")
}
func (f *fakeBackend) Rebuild(_ context.Context, s []string, _ dockerops.Progress) error {
	return f.record("rebuild " + strings.Join(s, ","))
}
func (f *fakeBackend) Reload(context.Context, dockerops.Progress) (dockerops.ReloadResult, error) {
	return dockerops.ReloadResult{Containers: []dockerops.ContainerReload{{Container: "web-1", Before: 1, After: 2}}}, f.record("reload")
}
func (f *fakeBackend) Purge(_ context.Context, v string, o dockerops.PurgeOptions, _ dockerops.Progress) (dockerops.PurgeResult, error) {
	return dockerops.PurgeResult{Volume: v, Dump: "backups/x.sql"}, f.record("purge " + v + " confirm=" + o.Confirm)
}
func (f *fakeBackend) RefreshVolumeSizes(context.Context) error { return f.record("sizes") }
func (f *fakeBackend) Refresh(context.Context) error            { return nil }
func (f *fakeBackend) Sample(_ context.Context, ids []string) ([]dockerops.Usage, error) {
	var out []dockerops.Usage
	for i, id := range ids {
		out = append(out, dockerops.Usage{Container: id, CPUPercent: float64(10 * (i + 1)), MemBytes: 64 << 20})
	}
	return out, f.record("sample")
}

func sampleState() dockerops.State {
	now := time.Now()
	return dockerops.State{
		Project:  dockerops.ProjectInfo{Name: "tts-portal", WorkingDir: "/p", Files: []string{"/p/docker-compose.yaml"}, EnvFile: "/p/.env"},
		Engine:   dockerops.EngineInfo{Host: "unix:///var/run/docker.sock", Version: "20.10.24", Reachable: true},
		Services: []dockerops.ServiceInfo{{Name: "db", Role: dockerops.RoleDB}, {Name: "web", Role: dockerops.RoleWeb}},
		Containers: []dockerops.Container{
			{ID: "c-db", Name: "tts-portal-db-1", Service: "db", State: "running", Health: "healthy", StartedAt: now.Add(-time.Hour)},
			{ID: "c-web", Name: "tts-portal-web-1", Service: "web", State: "running", Health: "healthy", StartedAt: now.Add(-90 * time.Second),
				Ports: []dockerops.Port{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		},
		Volumes: []dockerops.Volume{{Name: "tts-portal_tts-db", Size: 5 << 20, UsedBy: []string{"tts-portal-db-1"}}},
		Workers: map[string]dockerops.WorkerStatus{"tts-portal-web-1": {Status: portal.Status{Workers: 4, Busy: 1, Served: 42, Generation: 3}}},
	}
}

// newTestApp builds an App at a size, collecting messages that actions send.
func newTestApp(t *testing.T, w, h int) (*App, *fakeBackend, *[]tea.Msg) {
	t.Helper()
	fb := &fakeBackend{state: sampleState()}
	var mu sync.Mutex
	var sent []tea.Msg
	a := New(fb, Options{Dark: true, NoColor: true, Send: func(m tea.Msg) { mu.Lock(); sent = append(sent, m); mu.Unlock() }})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return a, fb, &sent
}

func press(a *App, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		default:
			r := []rune(k)
			msg = tea.KeyPressMsg{Code: r[0], Text: k}
		}
		_, last = a.Update(msg)
	}
	return last
}

// typeText sends each rune as a key press.
func typeText(a *App, s string) {
	for _, r := range s {
		press(a, string(r))
	}
}

// runCmd executes a command and feeds its message back, as the runtime would.
func runCmd(t *testing.T, a *App, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command to run")
	}
	msg := cmd()
	a.Update(msg)
	return msg
}

// screen is what the user reads: the render with styling stripped.
func screen(a *App) string { return ansi.Strip(a.render()) }

func TestViewFitsTheScreenAtEverySize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {200, 60}, {60, 15}} {
		a, _, _ := newTestApp(t, size[0], size[1])
		a.Update(LogBatchMsg{Lines: []logtext.LogLine{{Service: "web", Text: strings.Repeat("long line ", 50)}}})
		out := screen(a)
		lines := strings.Split(a.render(), "\n")
		if len(lines) > size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := lipgloss.Width(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", size[0], size[1], i, w, l)
			}
		}
		for _, want := range []string{"tts-portal", "Containers", "Workers", "Volumes", "Logs", "q quit"} {
			if !strings.Contains(out, want) {
				t.Errorf("%dx%d: %q missing", size[0], size[1], want)
			}
		}
	}
}

func TestPanesShowTheState(t *testing.T) {
	a, _, _ := newTestApp(t, 120, 40)
	out := screen(a)
	for _, want := range []string{"web", "healthy", "8080→80", "tts-portal-web-1", "42", "tts-portal_tts-db", "5.0 MiB", "Docker 20.10.24"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from:\n%s", want, out)
		}
	}
}

func TestEmptyAndUnreachableStates(t *testing.T) {
	a, _, _ := newTestApp(t, 100, 30)
	a.Update(StateMsg{State: dockerops.State{Project: dockerops.ProjectInfo{Name: "tts-portal"},
		Engine: dockerops.EngineInfo{Host: "tcp://127.0.0.1:1", Reachable: false, Error: "engine unreachable at tcp://127.0.0.1:1: is dockerd running?"}}})
	out := screen(a)
	for _, want := range []string{"engine unreachable", "is dockerd running", "the stack is down"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing:\n%s", want, out)
		}
	}
	a.Update(StateMsg{State: sampleState()})
	if out := screen(a); strings.Contains(out, "unreachable") {
		t.Error("the header still says unreachable after the engine came back")
	}
}

func TestActionsRunAndLandInTheCommandLog(t *testing.T) {
	a, fb, sent := newTestApp(t, 100, 30)
	runCmd(t, a, press(a, "u"))
	runCmd(t, a, press(a, "r"))
	if strings.Join(fb.calls, ";") != "up;reload" {
		t.Fatalf("calls: %v", fb.calls)
	}
	if len(*sent) == 0 {
		t.Fatal("progress steps were not sent")
	}
	out := screen(a)
	if !strings.Contains(out, "up") || !strings.Contains(out, "generation 1 → 2") {
		t.Fatalf("command log:\n%s", out)
	}
	fb.err = errors.New("engine said no")
	runCmd(t, a, press(a, "b"))
	if out := screen(a); !strings.Contains(out, "FAILED") || !strings.Contains(out, "engine said no") {
		t.Fatalf("a failure is not shown:\n%s", out)
	}
}

func TestRebuildTargetsTheSelectedContainer(t *testing.T) {
	a, fb, _ := newTestApp(t, 100, 30)
	press(a, "j") // the web container
	runCmd(t, a, press(a, "b"))
	if fb.calls[0] != "rebuild web" {
		t.Fatalf("calls: %v", fb.calls)
	}
}

func TestDownAsksFirst(t *testing.T) {
	a, fb, _ := newTestApp(t, 100, 30)
	if cmd := press(a, "D"); cmd != nil {
		t.Fatal("down ran without asking")
	}
	if !strings.Contains(screen(a), "Volumes (the database) are kept") {
		t.Fatal("no confirmation dialog")
	}
	press(a, "n")
	if len(fb.calls) != 0 || len(a.dialogs) != 0 {
		t.Fatal("n did not cancel")
	}
	press(a, "D")
	runCmd(t, a, press(a, "y"))
	if fb.calls[0] != "down" {
		t.Fatalf("calls: %v", fb.calls)
	}
}

func TestPurgeNeedsTheVolumeNameTyped(t *testing.T) {
	a, fb, _ := newTestApp(t, 100, 30)
	press(a, "P")
	out := screen(a)
	if !strings.Contains(out, "Purge volume tts-portal_tts-db") || !strings.Contains(out, "5.0 MiB") || !strings.Contains(out, "tts-portal-db-1") {
		t.Fatalf("purge dialog does not show size and users:\n%s", out)
	}
	typeText(a, "tts-portal_tts-dx")
	if cmd := press(a, "enter"); cmd != nil {
		t.Fatal("a wrong name ran the purge")
	}
	if !strings.Contains(screen(a), "not the volume's name") {
		t.Fatal("no message for a wrong name")
	}
	if len(fb.calls) != 0 {
		t.Fatal("purged with the wrong name")
	}
	press(a, "backspace")
	typeText(a, "b")
	runCmd(t, a, press(a, "enter"))
	if len(fb.calls) != 1 || fb.calls[0] != "purge tts-portal_tts-db confirm=tts-portal_tts-db" {
		t.Fatalf("calls: %v", fb.calls)
	}
	// esc cancels.
	press(a, "P")
	press(a, "esc")
	if len(a.dialogs) != 0 {
		t.Fatal("esc did not close the dialog")
	}
}

func TestQuitWhileAnActionRunsAsks(t *testing.T) {
	a, _, _ := newTestApp(t, 100, 30)
	press(a, "u") // not run: the command is pending, so the action counts as running
	if cmd := press(a, "q"); cmd != nil {
		t.Fatal("quit did not ask while up runs")
	}
	if !strings.Contains(screen(a), "still running") {
		t.Fatal("no quit confirmation")
	}
	if cmd := press(a, "y"); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("y did not quit")
	}
	b, _, _ := newTestApp(t, 100, 30)
	if cmd := press(b, "q"); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("q does not quit when idle")
	}
}

func TestOneActionAtATime(t *testing.T) {
	a, _, _ := newTestApp(t, 100, 30)
	press(a, "u")
	if cmd := press(a, "r"); cmd != nil {
		t.Fatal("a second action started while the first runs")
	}
	if !strings.Contains(screen(a), "still running") {
		t.Fatal("no explanation")
	}
}

func TestFocusCyclesAndKeysGoToTheFocusedPane(t *testing.T) {
	a, _, _ := newTestApp(t, 100, 30)
	if a.containers.Selected() != "c-db" {
		t.Fatal("first row not selected")
	}
	press(a, "j")
	if a.containers.Selected() != "c-web" {
		t.Fatal("j did not move the containers cursor")
	}
	press(a, "tab", "tab", "tab") // logs
	if a.panes[a.focus] != Pane(a.logs) {
		t.Fatal("tab did not reach the logs pane")
	}
	press(a, "j")
	if a.containers.Selected() != "c-web" {
		t.Fatal("a key reached an unfocused pane")
	}
	// The cursor stays on the same container across a state update.
	a.Update(StateMsg{State: sampleState()})
	if a.containers.Selected() != "c-web" {
		t.Fatal("the cursor jumped on a state update")
	}
}

func TestLogsSearchFollowAndInertText(t *testing.T) {
	a, _, _ := newTestApp(t, 100, 30)
	var lines []logtext.LogLine
	for i := range 200 {
		lines = append(lines, logtext.LogLine{Service: "web", Text: "request " + strings.Repeat("x", i%7)})
	}
	lines = append(lines, logtext.LogLine{Service: "web", Text: logtext.Sanitize("needle \x1b[2J\x1b]0;title\x07 here")})
	lines = append(lines, logtext.LogLine{Service: "db", Text: "after"})
	a.Update(LogBatchMsg{Lines: lines})
	out := screen(a)
	for _, raw := range []string{"\x1b[2J", "\x1b]0;", "\a"} {
		if strings.Contains(a.render(), raw) {
			t.Fatalf("%q from a container reached the screen", raw)
		}
	}
	if !strings.Contains(out, "needle ␛[2J␛]0;title␇ here") {
		t.Fatalf("inert text missing:\n%s", out)
	}
	press(a, "tab", "tab", "tab")
	press(a, "/")
	typeText(a, "needle")
	press(a, "enter")
	if a.logs.follow || a.logs.offset != 1 {
		t.Fatalf("search did not jump to the match: follow %v offset %d", a.logs.follow, a.logs.offset)
	}
	if !strings.Contains(screen(a), `search "needle"`) {
		t.Fatal("search state not shown")
	}
	press(a, "F")
	if body := a.logs.body(10); strings.Contains(strings.Join(body, "\n"), "request") {
		t.Fatal("filter mode shows non-matching lines")
	}
	press(a, "G")
	if !a.logs.follow {
		t.Fatal("G did not resume following")
	}
	press(a, "s") // first service: db
	if a.logs.service != "db" || !strings.Contains(screen(a), "Logs: db") {
		t.Fatalf("service filter: %q", a.logs.service)
	}
}

func TestLogsRingIsBoundedAndCountsDrops(t *testing.T) {
	a, _, _ := newTestApp(t, 100, 30)
	batch := make([]logtext.LogLine, 1000)
	for i := range batch {
		batch[i] = logtext.LogLine{Service: "web", Text: "x"}
	}
	for range (logCapacity / 1000) + 5 {
		a.Update(LogBatchMsg{Lines: batch})
	}
	a.Update(LogBatchMsg{Lines: []logtext.LogLine{{Service: "db", Text: "quiet one"}}})
	if held := a.logs.held(); held != logCapacity+1 || a.logs.book.Dropped() != 5000 {
		t.Fatalf("held %d dropped %d", held, a.logs.book.Dropped())
	}
	if !strings.Contains(screen(a), "5000 dropped") {
		t.Fatal("the dropped count is not shown")
	}
	// The chatty service did not push the quiet one out.
	press(a, "tab", "tab", "tab", "s")
	if !strings.Contains(screen(a), "quiet one") {
		t.Fatalf("the quiet service's line is gone:\n%s", screen(a))
	}
}

func TestMergedLogsInterleaveByTime(t *testing.T) {
	a, _, _ := newTestApp(t, 100, 30)
	t0 := time.Now()
	a.Update(LogBatchMsg{Lines: []logtext.LogLine{
		{Service: "web", Text: "w1", Time: t0}, {Service: "web", Text: "w3", Time: t0.Add(2 * time.Second)},
	}})
	a.Update(LogBatchMsg{Lines: []logtext.LogLine{
		{Service: "db", Text: "d2", Time: t0.Add(time.Second)}, {Service: "db", Text: "d4", Time: t0.Add(3 * time.Second)},
	}})
	body := ansi.Strip(strings.Join(a.logs.body(4), "\n"))
	if body != "web | w1\ndb | d2\nweb | w3\ndb | d4" {
		t.Fatalf("merged order:\n%s", body)
	}
}

func TestHelpOverlay(t *testing.T) {
	a, _, _ := newTestApp(t, 120, 40)
	press(a, "?")
	out := screen(a)
	for _, want := range []string{"Actions", "Navigation", "purge volume", "timestamps"} {
		if !strings.Contains(out, want) {
			t.Fatalf("help lacks %q:\n%s", want, out)
		}
	}
	press(a, "esc")
	if len(a.dialogs) != 0 {
		t.Fatal("esc did not close help")
	}
}

func TestPresentation(t *testing.T) {
	for d, want := range map[time.Duration]string{45 * time.Second: "45s", 12 * time.Minute: "12m", 3*time.Hour + 4*time.Minute: "3h4m", 53 * time.Hour: "2d5h"} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %s, want %s", d, got, want)
		}
	}
	for n, want := range map[int64]string{-1: "?", 512: "512 B", 1536: "1.5 KiB", 5 << 20: "5.0 MiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %s, want %s", n, got, want)
		}
	}
	c := dockerops.Container{Service: "web", State: "restarting", Restarts: 4, ExitCode: 3}
	if cells := containerCells(c, time.Now(), nil); cells[4] != "4" || cells[5] != "3" || cells[3] != "-" || cells[6] != "-" {
		t.Errorf("crash-looping row: %v", cells)
	}
	if got := truncate("héllo wörld", 6); got != "héllo…" {
		t.Errorf("truncate: %q", got)
	}
}

// BenchmarkView measures one full render at 200x60 with a full log pane.
func BenchmarkView(b *testing.B) {
	fb := &fakeBackend{state: sampleState()}
	a := New(fb, Options{Dark: true})
	a.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	lines := make([]logtext.LogLine, logCapacity)
	for i := range lines {
		lines[i] = logtext.LogLine{Service: "web", Stream: logtext.Stream(1 + i%2), Time: time.Now(), Text: "GET /static/css/portal.css 200 0.42ms request " + strings.Repeat("z", i%40)}
	}
	a.Update(LogBatchMsg{Lines: lines})
	b.ResetTimer()
	for range b.N {
		_ = a.View()
	}
}

// BenchmarkLogPaneMemory pushes 1M lines through the log pane and reports
// the heap it holds afterwards: bounded by the ring, not by the input.
func BenchmarkLogPaneMemory(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p := newLogsPane(&Styles{}, DefaultKeyMap())
		for j := range 1000 { // every line its own string, as from a container
			batch := make([]logtext.LogLine, 1000)
			for i := range batch {
				batch[i] = logtext.LogLine{Service: "web", Text: fmt.Sprintf("GET /static/css/portal.css 200 0.42ms request %d-%d", j, i)}
			}
			p.Update(LogBatchMsg{Lines: batch})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "MB-after-1M-lines")
		b.ReportMetric(float64(p.held()), "lines-held")
		runtime.KeepAlive(p)
	}
}

func TestLiveStatsSampleOnlyWhileOn(t *testing.T) {
	a, fb, _ := newTestApp(t, 140, 40)
	cmd := press(a, "c")
	msg := runCmd(t, a, cmd) // the first sample
	if _, ok := msg.(usageMsg); !ok {
		t.Fatalf("first message %T", msg)
	}
	out := screen(a)
	if !strings.Contains(out, "64.0 MiB") {
		t.Fatalf("memory not shown:\n%s", out)
	}
	// A second sample gives a sparkline of two points.
	gen := a.liveGen
	a.Update(liveTickMsg{gen: gen})
	_, next := a.Update(a.sample(gen)())
	if next == nil {
		t.Fatal("live mode did not schedule the next tick")
	}
	if !strings.Contains(screen(a), "10.0% ▁▁") {
		t.Fatalf("no sparkline:\n%s", screen(a))
	}
	press(a, "c") // off: a stale tick or sample must not restart sampling
	calls := len(fb.calls)
	if _, cmd := a.Update(liveTickMsg{gen: gen}); cmd != nil {
		t.Fatal("a tick after switching off sampled again")
	}
	if _, cmd := a.Update(usageMsg{gen: gen}); cmd != nil || len(fb.calls) != calls {
		t.Fatal("a late sample after switching off scheduled more")
	}
}

func TestRequestRateFromServedDeltas(t *testing.T) {
	a, _, _ := newTestApp(t, 140, 40)
	st := sampleState()
	t0 := time.Now()
	a.updateRates(st, t0)
	w := st.Workers["tts-portal-web-1"]
	w.Served += 30
	st.Workers["tts-portal-web-1"] = w
	a.updateRates(st, t0.Add(2*time.Second))
	if r := a.rates["tts-portal-web-1"]; r != 15 {
		t.Fatalf("rate %v, want 15", r)
	}
}

func TestMouseClickFocusesAndSelects(t *testing.T) {
	a, _, _ := newTestApp(t, 120, 40)
	// Header 2 lines, then Containers: title (y=2), column header (y=3), db (y=4), web (y=5).
	a.Update(tea.MouseClickMsg{X: 10, Y: 5, Button: tea.MouseLeft})
	if a.panes[a.focus] != Pane(a.containers) || a.containers.Selected() != "c-web" {
		t.Fatalf("focus %d selected %q", a.focus, a.containers.Selected())
	}
	a.Update(tea.MouseClickMsg{X: 10, Y: 38, Button: tea.MouseLeft}) // near the bottom: the logs
	if a.panes[a.focus] != Pane(a.logs) {
		t.Fatalf("a click on the logs focused pane %d", a.focus)
	}
}

func TestWatchAutoModeSubmitsPlans(t *testing.T) {
	var submitted []watch.Plan
	fb := &fakeBackend{state: sampleState()}
	a := New(fb, Options{NoColor: true, SubmitWatch: func(p watch.Plan) { submitted = append(submitted, p) }})
	a.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
	change := WatchChangeMsg{Change: watch.ChangeSet{Paths: []string{"docroot/templates/index.html"}}, Plan: watch.Plan{Reload: []string{"web"}}}
	_, cmd := a.Update(change)
	if cmd == nil {
		t.Fatal("auto mode did not submit")
	}
	cmd()
	if len(submitted) != 1 || !strings.Contains(screen(a), "watch: auto on · last: docroot/templates/index.html → reload web") {
		t.Fatalf("submitted %d:\n%s", len(submitted), screen(a))
	}
	a.Update(WatchOutcomeMsg{Outcome: watch.Outcome{Did: "reload web"}})
	if !strings.Contains(screen(a), "watch: reload web") || !strings.Contains(screen(a), "reload web: ok") {
		t.Fatalf("outcome not shown:\n%s", screen(a))
	}
	press(a, "a")
	if _, cmd := a.Update(change); cmd != nil {
		t.Fatal("auto off still submits")
	}
	if !strings.Contains(screen(a), "(auto off)") {
		t.Fatal("auto off is not shown")
	}
	// A db change: a notice in the status line, nothing submitted.
	press(a, "a")
	a.Update(WatchChangeMsg{Change: watch.ChangeSet{Paths: []string{"db/01-schema.sql"}}, Plan: watch.Plan{Notices: []string{"database files changed: nothing is rebuilt automatically"}}})
	if !strings.Contains(screen(a), "database files changed") || len(submitted) != 1 {
		t.Fatalf("notice: submitted %d\n%s", len(submitted), screen(a))
	}
}
