package ui

import (
	"context"
	"time"

	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/logtext"
	"github.com/tts-portal/ttsui/internal/watch"
)

// Backend is what the dashboard needs from the stack; *dockerops.Stack
// implements it, UI tests use a fake.
type Backend interface {
	State() dockerops.State
	Up(ctx context.Context, p dockerops.Progress) error
	Down(ctx context.Context, opt dockerops.DownOptions, p dockerops.Progress) error
	Rebuild(ctx context.Context, services []string, p dockerops.Progress) error
	Reload(ctx context.Context, p dockerops.Progress) (dockerops.ReloadResult, error)
	Purge(ctx context.Context, volume string, opt dockerops.PurgeOptions, p dockerops.Progress) (dockerops.PurgeResult, error)
	RefreshVolumeSizes(ctx context.Context) error
	Refresh(ctx context.Context) error
	Sample(ctx context.Context, ids []string) ([]dockerops.Usage, error)
}

// Messages the subscriber sends in.
type (
	// StateMsg carries a new snapshot of the stack.
	StateMsg struct{ State dockerops.State }
	// EngineMsg says the engine connection was lost or is back.
	EngineMsg struct {
		Lost bool
		Err  string
	}
	// LogBatchMsg carries log lines that arrived since the last batch.
	LogBatchMsg struct{ Lines []logtext.LogLine }
	// ConsoleLogMsg is a line of the console's own output (SDK warnings).
	ConsoleLogMsg struct{ Text string }
	// WatchChangeMsg is a change set from the file watcher and its plan.
	WatchChangeMsg struct {
		Change watch.ChangeSet
		Plan   watch.Plan
	}
	// WatchOutcomeMsg is the result of a plan the watcher's runner carried out.
	WatchOutcomeMsg struct{ Outcome watch.Outcome }
)

// Messages the dashboard's own commands produce.
type (
	// StepMsg is a progress step of the running action.
	StepMsg struct {
		Action string
		Step   dockerops.Step
	}
	// ActionDoneMsg ends an action.
	ActionDoneMsg struct {
		Action string
		Result string
		Err    error
		Took   time.Duration
	}
	shellDoneMsg struct{ err error }
	// liveTickMsg asks for the next live sample; gen ties it to one
	// live-stats session so that a stale tick dies out.
	liveTickMsg struct{ gen int }
	// usageMsg carries a live sample.
	usageMsg struct {
		gen    int
		usages []dockerops.Usage
		err    error
	}
)

// action is a value naming what to run; App.run turns it into a tea.Cmd.
type action interface{ name() string }

type (
	upAction      struct{}
	downAction    struct{}
	rebuildAction struct{ services []string }
	reloadAction  struct{}
	purgeAction   struct{ volume string }
	sizesAction   struct{}
)

func (upAction) name() string   { return "up" }
func (downAction) name() string { return "down" }
func (a rebuildAction) name() string {
	if len(a.services) == 0 {
		return "rebuild"
	}
	return "rebuild " + a.services[0]
}
func (reloadAction) name() string  { return "reload" }
func (a purgeAction) name() string { return "purge " + a.volume }
func (sizesAction) name() string   { return "volume sizes" }
