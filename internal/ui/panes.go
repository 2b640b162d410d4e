package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tts-portal/ttsui/internal/dockerops"
)

// Pane is one region of the screen.
type Pane interface {
	SetSize(width, height int)
	Update(msg tea.Msg) (Pane, tea.Cmd)
	View() string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	Focus()
	Blur()
}

// listPane shows rows of the snapshot with a cursor. Which rows is decided
// by extract, so the containers, workers and volumes panes share it.
type listPane struct {
	title   string
	header  []string
	extract func(st dockerops.State, now time.Time) (rows [][]string, ids []string)
	empty   string
	styles  *Styles
	keys    KeyMap

	rows          [][]string
	ids           []string
	cursor        int
	width, height int
	focused       bool
	lines         []string // rendered rows, rebuilt only when data or size change
}

func newListPane(title string, header []string, empty string, st *Styles, keys KeyMap, extract func(dockerops.State, time.Time) ([][]string, []string)) *listPane {
	return &listPane{title: title, header: header, empty: empty, styles: st, keys: keys, extract: extract}
}

func (p *listPane) SetSize(w, h int) { p.width, p.height = w, h; p.render() }
func (p *listPane) Focus()           { p.focused = true }
func (p *listPane) Blur()            { p.focused = false }

// Selected is the id of the row under the cursor, or "".
func (p *listPane) Selected() string {
	if p.cursor < len(p.ids) {
		return p.ids[p.cursor]
	}
	return ""
}

func (p *listPane) ShortHelp() []key.Binding { return []key.Binding{p.keys.Cursor} }
func (p *listPane) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.keys.Cursor, p.keys.Top, p.keys.Bottom}}
}

func (p *listPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case StateMsg:
		sel := p.Selected()
		p.rows, p.ids = p.extract(msg.State, time.Now())
		p.cursor = 0
		for i, id := range p.ids { // keep the cursor on the same thing
			if id == sel {
				p.cursor = i
			}
		}
		p.render()
	case tea.KeyPressMsg:
		switch msg.String() {
		case "j", "down":
			p.cursor = min(p.cursor+1, max(0, len(p.rows)-1))
		case "k", "up":
			p.cursor = max(p.cursor-1, 0)
		case "g", "home":
			p.cursor = 0
		case "G", "end":
			p.cursor = max(0, len(p.rows)-1)
		}
	}
	return p, nil
}

// clickRow selects the row at a visible position, if there is one.
func (p *listPane) clickRow(visible int) {
	n := p.height - 2
	start := 0
	if p.cursor >= n {
		start = p.cursor - n + 1
	}
	if i := start + visible; visible >= 0 && i < len(p.rows) {
		p.cursor = i
	}
}

func (p *listPane) render() {
	if len(p.rows) == 0 {
		p.lines = []string{p.empty}
		return
	}
	p.lines = table(p.header, p.rows, p.width-2)
}

// rowsHeight is how many lines the pane wants: title, header, rows.
func (p *listPane) rowsHeight() int { return 1 + len(p.lines) }

func (p *listPane) View() string {
	title := p.styles.PaneTitle
	if p.focused {
		title = p.styles.PaneTitleFocused
	}
	out := []string{title.Render(pad(p.title, p.width))}
	room := p.height - 1
	if room <= 0 {
		return out[0]
	}
	lines := p.lines
	if len(p.rows) == 0 {
		out = append(out, p.styles.Muted.Render(pad("  "+lines[0], p.width)))
		return strings.Join(out, "\n")
	}
	// Header, then a window of rows that keeps the cursor visible.
	out = append(out, p.styles.Muted.Render(pad("  "+lines[0], p.width)))
	rows := lines[1:]
	n := room - 1
	start := 0
	if p.cursor >= n {
		start = p.cursor - n + 1
	}
	for i := start; i < len(rows) && i < start+n; i++ {
		line := pad("  "+rows[i], p.width)
		if i == p.cursor && p.focused {
			line = p.styles.Selected.Render(pad("> "+rows[i], p.width))
		}
		out = append(out, line)
	}
	if len(rows) > n {
		out[0] = title.Render(pad(fmt.Sprintf("%s (%d/%d)", p.title, p.cursor+1, len(rows)), p.width))
	}
	return strings.Join(out, "\n")
}

func volumesExtract(st dockerops.State, _ time.Time) ([][]string, []string) {
	var rows [][]string
	var ids []string
	for _, v := range st.Volumes {
		rows = append(rows, volumeCells(v))
		ids = append(ids, v.Name)
	}
	return rows, ids
}
