package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tts-portal/ttsui/internal/logtext"
)

// Per service, the pane keeps at most logCapacity lines and logBytes of
// text, whatever containers write: a chatty service cannot push a quiet
// one's lines out.
const (
	logCapacity = 10000
	logBytes    = 8 << 20
)

// logsPane shows container output: merged or one service, following the
// end or scrolled back, with search (highlight, n/N), a filter mode, and
// timestamps and wrap toggles. Lines live in a bounded ring per service
// (logtext.LogBook); the merged view interleaves them by time.
type logsPane struct {
	styles *Styles
	keys   KeyMap

	book *logtext.LogBook

	services []string // known services, for cycling with s
	service  string   // "" = merged

	follow     bool
	offset     int // lines scrolled back from the end, when not following
	timestamps bool
	wrap       bool
	filter     bool // show only lines matching the query

	searching bool   // typing a query
	query     string // the active search
	input     string
	match     int // jumps made for the current query

	width, height int
	focused       bool
}

func newLogsPane(st *Styles, keys KeyMap) *logsPane {
	return &logsPane{styles: st, keys: keys, book: logtext.NewLogBook(logCapacity, logBytes), follow: true}
}

func (p *logsPane) SetSize(w, h int) { p.width, p.height = w, h }
func (p *logsPane) Focus()           { p.focused = true }
func (p *logsPane) Blur()            { p.focused = false; p.searching = false }

// Capturing reports whether the pane is taking raw key input (a search is
// being typed), so global keys must not fire.
func (p *logsPane) Capturing() bool { return p.searching }

func (p *logsPane) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Search, p.keys.NextMatch, p.keys.Follow, p.keys.Service}
}

func (p *logsPane) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.keys.Search, p.keys.NextMatch, p.keys.Filter, p.keys.Follow, p.keys.Timestamps, p.keys.Wrap, p.keys.Service}}
}

func (p *logsPane) add(l logtext.LogLine) {
	p.book.Add(l)
	if !p.follow {
		p.offset++ // keep the view where the reader left it
	}
}

// walk calls fn for each shown line, newest first, until fn returns false.
// With one service it walks that ring; merged, it takes the newest of the
// rings' tails at each step (a k-way merge), so its cost follows what is
// shown, not what is held.
func (p *logsPane) walk(fn func(l *logtext.LogLine) bool) {
	services := p.book.Services()
	if p.service != "" {
		services = []string{p.service}
	}
	rings := make([]*logtext.Ring, len(services))
	pos := make([]int, len(services))
	heads := make([]logtext.LogLine, len(services))
	for i, s := range services {
		rings[i] = p.book.Ring(s)
		pos[i] = rings[i].Len() - 1
		if pos[i] >= 0 {
			heads[i] = rings[i].At(pos[i])
		}
	}
	for {
		best := -1
		for i := range rings {
			if pos[i] >= 0 && (best < 0 || heads[i].Time.After(heads[best].Time)) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		l := heads[best]
		pos[best]--
		if pos[best] >= 0 {
			heads[best] = rings[best].At(pos[best])
		}
		if p.filter && p.query != "" && !strings.Contains(l.Text, p.query) {
			continue
		}
		if !fn(&l) {
			return
		}
	}
}

func (p *logsPane) held() int {
	n := 0
	for _, s := range p.book.Services() {
		n += p.book.Ring(s).Len()
	}
	return n
}

func (p *logsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case LogBatchMsg:
		for _, l := range msg.Lines {
			p.add(l)
		}
	case StateMsg:
		p.services = p.services[:0]
		for _, s := range msg.State.Services {
			p.services = append(p.services, s.Name)
		}
	case tea.KeyPressMsg:
		if p.searching {
			p.typeSearch(msg)
			return p, nil
		}
		switch msg.String() {
		case "/":
			p.searching, p.input = true, ""
		case "n":
			p.jump(1)
		case "N":
			p.jump(-1)
		case "F":
			p.filter = !p.filter && p.query != ""
		case "f":
			p.follow, p.offset = !p.follow, 0
		case "t":
			p.timestamps = !p.timestamps
		case "w":
			p.wrap = !p.wrap
		case "s":
			p.cycleService()
		case "j", "down":
			p.scroll(-1)
		case "k", "up":
			p.scroll(1)
		case "pgdown", "ctrl+d":
			p.scroll(-max(1, p.height-2))
		case "pgup", "ctrl+u":
			p.scroll(max(1, p.height-2))
		case "g", "home":
			p.follow, p.offset = false, p.held()
		case "G", "end":
			p.follow, p.offset = true, 0
		case "esc":
			p.query, p.filter = "", false
		}
	}
	return p, nil
}

func (p *logsPane) typeSearch(msg tea.KeyPressMsg) {
	switch msg.String() {
	case "enter":
		p.searching, p.query, p.match = false, p.input, 0
		if p.query != "" {
			p.jump(1)
		}
	case "esc":
		p.searching = false
	case "backspace":
		if r := []rune(p.input); len(r) > 0 {
			p.input = string(r[:len(r)-1])
		}
	default:
		if t := msg.Text; t != "" {
			p.input += t
		}
	}
}

// cycleService steps through: all services, each service, all again.
func (p *logsPane) cycleService() {
	if p.service == "" {
		if len(p.services) > 0 {
			p.service = p.services[0]
		}
		return
	}
	for i, s := range p.services {
		if s == p.service && i+1 < len(p.services) {
			p.service = p.services[i+1]
			return
		}
	}
	p.service = ""
}

func (p *logsPane) scroll(delta int) {
	p.offset = max(0, p.offset+delta)
	p.follow = p.offset == 0
}

// jump scrolls to the next older (dir 1, n) or newer (dir -1, N) line that
// contains the query, making it the bottom line.
func (p *logsPane) jump(dir int) {
	if p.query == "" {
		return
	}
	off := 0
	best := -1
	p.walk(func(l *logtext.LogLine) bool {
		if strings.Contains(l.Text, p.query) {
			if dir > 0 && (off > p.offset || p.follow && off == 0 && p.match == 0) {
				best = off
				return false
			}
			if dir < 0 && off < p.offset {
				best = off // the nearest newer one is the last below offset
			}
		}
		off++
		return dir > 0 || off < p.offset
	})
	if best < 0 {
		return
	}
	p.match++
	p.offset = best
	p.follow = false
}

func (p *logsPane) title() string {
	what := "all services"
	if p.service != "" {
		what = p.service
	}
	flags := []string{}
	if p.follow {
		flags = append(flags, "follow")
	} else {
		flags = append(flags, fmt.Sprintf("scrolled %d", p.offset))
	}
	if p.query != "" {
		mode := "search"
		if p.filter {
			mode = "filter"
		}
		flags = append(flags, fmt.Sprintf("%s %q", mode, p.query))
	}
	if d := p.book.Dropped(); d > 0 {
		flags = append(flags, fmt.Sprintf("%d dropped", d))
	}
	return fmt.Sprintf("Logs: %s [%s]", what, strings.Join(flags, ", "))
}

func (p *logsPane) format(l *logtext.LogLine) string {
	var b strings.Builder
	if p.timestamps && !l.Time.IsZero() {
		b.WriteString(l.Time.Local().Format("15:04:05.000 "))
	}
	if p.service == "" {
		b.WriteString(l.Service)
		b.WriteString(" | ")
	}
	b.WriteString(l.Text)
	if l.Truncated {
		b.WriteString(" …[truncated]")
	}
	return b.String()
}

func (p *logsPane) View() string {
	titleStyle := p.styles.PaneTitle
	if p.focused {
		titleStyle = p.styles.PaneTitleFocused
	}
	out := make([]string, 0, p.height)
	out = append(out, titleStyle.Render(pad(p.title(), p.width)))
	room := p.height - 1
	if p.searching {
		room--
	}
	if room > 0 {
		out = append(out, p.body(room)...)
	}
	if p.searching {
		out = append(out, p.styles.Key.Render("/")+pad(p.input+"█", p.width-1))
	}
	return strings.Join(out, "\n")
}

// body renders the room lines that end offset lines before the newest
// visible one. It walks back from the end, so its cost follows the screen
// size, not the buffer size.
func (p *logsPane) body(room int) []string {
	var rev []string
	skip := p.offset
	any := false
	p.walk(func(l *logtext.LogLine) bool {
		any = true
		if skip > 0 {
			skip--
			return true
		}
		text := p.format(l)
		var parts []string
		if p.wrap && p.width > 0 {
			parts = wrapCells(text, p.width)
		} else {
			parts = []string{truncate(text, p.width)}
		}
		for j := len(parts) - 1; j >= 0 && len(rev) < room; j-- {
			s := parts[j]
			if p.query != "" {
				s = highlight(s, p.query, p.styles.Highlight)
			} else if l.Stream == logtext.Stderr {
				s = p.styles.Warn.Render(s)
			}
			rev = append(rev, s)
		}
		return len(rev) < room
	})
	out := make([]string, 0, room)
	for i := room - len(rev); i > 0; i-- {
		out = append(out, "")
	}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	if !any && room > 0 {
		out[room-1] = p.styles.Muted.Render("no log lines yet")
	}
	return out
}

// wrapCells splits s into pieces of at most width cells.
func wrapCells(s string, width int) []string {
	var out []string
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if w+rw > width {
			out = append(out, b.String())
			b.Reset()
			w = 0
		}
		b.WriteRune(r)
		w += rw
	}
	return append(out, b.String())
}

// highlight marks every occurrence of q in s.
func highlight(s, q string, st lipgloss.Style) string {
	if q == "" || !strings.Contains(s, q) {
		return s
	}
	parts := strings.Split(s, q)
	return strings.Join(parts, st.Render(q))
}
