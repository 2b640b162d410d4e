package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/logtext"
	"github.com/tts-portal/ttsui/internal/ui"
	"github.com/tts-portal/ttsui/internal/watch"
)

// dashboardFPS bounds redraws: Bubble Tea's renderer wakes at this rate even
// when idle (about 0.02% of a core per frame per second, measured), and a
// key must reach the screen within one frame: 20 fps is 50 ms.
const dashboardFPS = 20

// runDashboard is the root command: the TUI over the stack.
func runDashboard(cmd *cobra.Command, g *globalFlags) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()

	var program *tea.Program
	var programMu sync.Mutex
	send := func(m tea.Msg) {
		programMu.Lock()
		p := program
		programMu.Unlock()
		if p != nil {
			p.Send(m)
		}
	}
	// SDK warnings outside actions become status lines, never terminal output.
	out := &logtext.LineWriter{Emit: func(s string) { send(ui.ConsoleLogMsg{Text: s}) }}
	stack, err := g.open(ctx, out)
	if err != nil {
		return err
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	// The file watcher (Watchman's job): failing to start it is a status
	// line, not a reason to refuse the console.
	var runner *watch.Runner
	watcher, werr := watch.New(watch.Options{Root: stack.State().Project.WorkingDir})
	if werr == nil {
		defer watcher.Close()
		runner = watch.NewRunner(stackActions{s: stack, out: func(string, ...any) {}})
	}
	var submit func(watch.Plan)
	if runner != nil {
		submit = runner.Submit
	}
	// The SQL pane's history: losing it is a status line, not a refusal.
	conn := &sqlConnector{stack: stack, exports: filepath.Join(stack.State().Project.WorkingDir, "exports"), timeout: g.sqlTimeout}
	var history []string
	if path, err := dbops.HistoryPath(stack.ProjectName()); err == nil {
		conn.history, history, err = dbops.OpenHistory(path, 1000)
		if err != nil {
			go send(ui.ConsoleLogMsg{Text: "SQL history is off: " + err.Error()})
		}
	}
	app := ui.New(stack, ui.Options{
		SQL:         conn,
		SQLLimit:    g.sqlLimit,
		SQLHistory:  history,
		SubmitWatch: submit,
		Dark:        lipgloss.HasDarkBackground(os.Stdin, os.Stdout),
		NoColor:     noColor,
		Send:        send,
		ShellCommand: func(id string) *exec.Cmd {
			args := []string{}
			if g.context != "" {
				args = append(args, "--context", g.context)
			}
			if g.host != "" {
				args = append(args, "-H", g.host)
			}
			args = append(args, "exec", "-it", id, "sh", "-c", "command -v bash >/dev/null && exec bash || exec sh")
			return exec.Command("docker", args...)
		},
	})
	p := tea.NewProgram(app, tea.WithFPS(dashboardFPS), tea.WithContext(ctx))
	programMu.Lock()
	program = p
	programMu.Unlock()

	var wg sync.WaitGroup
	events := stack.Subscribe(ctx)
	wg.Go(func() { stack.Watch(ctx) })
	states := make(chan dockerops.State, 1)
	wg.Go(func() {
		for e := range events {
			switch e := e.(type) {
			case dockerops.StateChanged:
				send(ui.StateMsg{State: e.State})
				select { // the log follower wants only the latest
				case <-states:
				default:
				}
				states <- e.State
			case dockerops.EngineLost:
				send(ui.EngineMsg{Lost: true, Err: e.Err})
			case dockerops.EngineBack:
				send(ui.EngineMsg{})
			}
		}
	})
	wg.Go(func() { followLogs(ctx, stack, states, send) })
	if watcher != nil {
		changes := make(chan watch.ChangeSet, 16)
		wg.Go(func() { watcher.Run(ctx, changes) })
		wg.Go(func() { runner.Run(ctx, func(o watch.Outcome) { send(ui.WatchOutcomeMsg{Outcome: o}) }) })
		rules, rerr := watch.LoadRules(stack.State().Project.WorkingDir)
		if rerr != nil {
			rules = watch.DefaultRules()
			go send(ui.ConsoleLogMsg{Text: rerr.Error() + " (using the default rules)"})
		}
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case cs := <-changes:
					send(ui.WatchChangeMsg{Change: cs, Plan: watch.Decide(cs, rules)})
				}
			}
		})
	} else {
		go send(ui.ConsoleLogMsg{Text: "file watching is off: " + werr.Error()})
	}

	_, err = p.Run()
	cancel()
	wg.Wait()
	if err != nil && err != tea.ErrProgramKilled {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// followLogs follows the running containers' logs and sends them in
// batches. When the set of running containers changes it restarts the
// follow from the last line's time, so a restarted container's output keeps
// flowing without repeats.
func followLogs(ctx context.Context, s *dockerops.Stack, states <-chan dockerops.State, send func(tea.Msg)) {
	batch := newLogBatcher(send)
	var running []string
	var sinceMu sync.Mutex // written by the follow goroutine, read here
	var since time.Time
	var stop context.CancelFunc = func() {}
	defer func() { stop() }()
	for {
		select {
		case <-ctx.Done():
			return
		case st := <-states:
			ids := runningIDs(st)
			if slices.Equal(ids, running) {
				continue
			}
			running = ids
			stop()
			if len(ids) == 0 {
				continue
			}
			fctx, cancel := context.WithCancel(ctx)
			stop = cancel
			q := dockerops.LogQuery{Follow: true, Timestamps: true, Tail: "200"}
			sinceMu.Lock()
			if !since.IsZero() {
				q.Tail, q.Since = "all", fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()+1)
			}
			sinceMu.Unlock()
			go func() {
				err := s.Logs(fctx, q, func(l logtext.LogLine) {
					sinceMu.Lock()
					if l.Time.After(since) {
						since = l.Time
					}
					sinceMu.Unlock()
					batch.add(l)
				})
				// A stream that ends because its container stopped is
				// normal (the next state restarts the follow); say the rest.
				if err != nil && fctx.Err() == nil {
					send(ui.ConsoleLogMsg{Text: err.Error() + " (the log pane resumes when the containers change)"})
				}
			}()
		}
	}
}

func runningIDs(st dockerops.State) []string {
	var ids []string
	for _, c := range st.Containers {
		if c.State == "running" {
			ids = append(ids, c.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// logBatcher collects lines and sends them at most every 50 ms. The flush
// timer is armed by the first line of a batch, so an idle stack costs no
// wake-ups.
type logBatcher struct {
	mu      sync.Mutex
	pending []logtext.LogLine
	armed   bool
	send    func(tea.Msg)
}

func newLogBatcher(send func(tea.Msg)) *logBatcher { return &logBatcher{send: send} }

func (b *logBatcher) add(l logtext.LogLine) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = append(b.pending, l)
	if !b.armed {
		b.armed = true
		time.AfterFunc(50*time.Millisecond, b.flush)
	}
}

func (b *logBatcher) flush() {
	b.mu.Lock()
	lines := b.pending
	b.pending, b.armed = nil, false
	b.mu.Unlock()
	if len(lines) > 0 {
		b.send(ui.LogBatchMsg{Lines: lines})
	}
}
