package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// cmdEntry is one action in the command log.
type cmdEntry struct {
	action  string
	started time.Time
	took    time.Duration
	done    bool
	err     error
	result  string
	last    string // the latest progress step, while running
}

// cmdLogPane records what ran, when, and how it ended; while an action runs
// it shows its latest progress step.
type cmdLogPane struct {
	styles        *Styles
	entries       []cmdEntry
	watchLine     string // the file watcher's state, shown in the title
	width, height int
	focused       bool
}

const maxCmdEntries = 100

func (p *cmdLogPane) SetSize(w, h int)          { p.width, p.height = w, h }
func (p *cmdLogPane) Focus()                    { p.focused = true }
func (p *cmdLogPane) Blur()                     { p.focused = false }
func (p *cmdLogPane) ShortHelp() []key.Binding  { return nil }
func (p *cmdLogPane) FullHelp() [][]key.Binding { return nil }

func (p *cmdLogPane) start(action string, now time.Time) {
	p.entries = append(p.entries, cmdEntry{action: action, started: now})
	if len(p.entries) > maxCmdEntries {
		p.entries = p.entries[len(p.entries)-maxCmdEntries:]
	}
}

// record adds a finished entry (actions the file watcher ran).
func (p *cmdLogPane) record(action string, err error, now time.Time) {
	p.start(action, now)
	e := &p.entries[len(p.entries)-1]
	e.done, e.err = true, err
}

func (p *cmdLogPane) current(action string) *cmdEntry {
	for i := len(p.entries) - 1; i >= 0; i-- {
		if p.entries[i].action == action && !p.entries[i].done {
			return &p.entries[i]
		}
	}
	return nil
}

func (p *cmdLogPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case StepMsg:
		if e := p.current(msg.Action); e != nil {
			st := msg.Step
			text := strings.TrimSpace(st.Resource + " " + st.Text)
			if st.Details != "" {
				text += ": " + st.Details
			}
			e.last = text
		}
	case ActionDoneMsg:
		if e := p.current(msg.Action); e != nil {
			e.done, e.err, e.result, e.took = true, msg.Err, msg.Result, msg.Took
		}
	}
	return p, nil
}

func (p *cmdLogPane) line(e cmdEntry) string {
	ts := e.started.Format("15:04:05")
	var text string
	style := p.styles.OK
	switch {
	case !e.done:
		text, style = fmt.Sprintf("%s %-14s running… %s", ts, e.action, e.last), p.styles.Accent
	case e.err != nil:
		text, style = fmt.Sprintf("%s %-14s FAILED after %s: %v", ts, e.action, e.took.Round(100*time.Millisecond), e.err), p.styles.Bad
	default:
		msg := e.result
		if msg == "" {
			msg = "done"
		}
		text = fmt.Sprintf("%s %-14s ok in %s: %s", ts, e.action, e.took.Round(100*time.Millisecond), msg)
	}
	return style.Render(truncate("  "+text, p.width))
}

func (p *cmdLogPane) View() string {
	title := p.styles.PaneTitle
	if p.focused {
		title = p.styles.PaneTitleFocused
	}
	head := "Commands"
	if p.watchLine != "" {
		head += " · " + p.watchLine
	}
	out := []string{title.Render(pad(head, p.width))}
	room := p.height - 1
	if len(p.entries) == 0 && room > 0 {
		out = append(out, p.styles.Muted.Render(pad("  nothing run yet: u up · D down · b rebuild · r reload · P purge", p.width)))
	}
	for _, e := range p.entries[max(0, len(p.entries)-room):] {
		out = append(out, p.line(e))
	}
	return strings.Join(out, "\n")
}
