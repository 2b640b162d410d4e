package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// SetSize lays the pane out: the editor takes a third of the height, the
// results the rest, the tables a column on the right when there is room.
func (p *sqlPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.editor.SetWidth(p.mainWidth())
	p.editor.SetHeight(p.editorHeight())
}

func (p *sqlPane) schemaWidth() int {
	if p.width < 80 {
		return 0
	}
	return min(40, p.width/4)
}

func (p *sqlPane) mainWidth() int {
	if sw := p.schemaWidth(); sw > 0 {
		return p.width - sw - 1
	}
	return p.width
}

func (p *sqlPane) editorHeight() int { return max(3, min(12, p.height/3)) }

// gridHeight is what is left for the results: the pane less the status
// line, the editor and its title, the completion line and the results title.
func (p *sqlPane) gridHeight() int {
	return max(2, p.height-1-p.editorHeight()-1-1-1)
}

func (p *sqlPane) statusLine() string {
	st := p.styles
	var conn string
	switch p.state {
	case connUp:
		db := p.database
		mode := "read-only"
		if p.inTx {
			mode = st.Warn.Render("transaction open")
		}
		conn = st.OK.Render("●") + " " + inert(fmt.Sprintf("%s · %s@%s:%d · db %s ·", p.info.Server, p.info.User, p.info.Host, p.info.Port, firstNonEmpty(db, "(none)"))) + " " + mode
		if p.note != "" {
			conn += " · " + st.Accent.Render(inert(p.note))
		}
		// Last: the least needed, the first cut on a narrow screen.
		if p.info.Source != "" {
			conn += st.Muted.Render(" · password from " + inert(p.info.Source))
		}
	case connConnecting:
		conn = st.Warn.Render("● " + inert(firstNonEmpty(p.note, "connecting…")))
	case connDown:
		conn = st.Bad.Render("● " + inert(firstNonEmpty(p.note, "not connected")))
	default:
		conn = st.Muted.Render("● not connected")
	}
	return truncateStyled(conn, p.width)
}

func (p *sqlPane) View() string {
	st := p.styles
	mw := p.mainWidth()
	var main []string
	edTitle := st.PaneTitle
	if p.focus == focusEditor {
		edTitle = st.PaneTitleFocused
	}
	main = append(main, edTitle.Render(pad("SQL", mw)))
	edLines := strings.Split(p.editor.View(), "\n")
	for i := 0; i < p.editorHeight(); i++ {
		l := ""
		if i < len(edLines) {
			l = edLines[i]
		}
		main = append(main, truncateStyled(l, mw)+strings.Repeat(" ", max(0, mw-lipgloss.Width(l))))
	}
	// The completion candidates, or the outcome of the last statement.
	switch {
	case len(p.comp.Items) > 1:
		var b strings.Builder
		for i, it := range p.comp.Items {
			if i == p.compPos {
				b.WriteString(st.Highlight.Render(it) + " ")
			} else {
				b.WriteString(it + " ")
			}
		}
		main = append(main, truncateStyled(b.String(), mw))
	case p.export != nil:
		pr := p.export.progress
		main = append(main, st.Accent.Render(pad(fmt.Sprintf("exporting to %s: %d rows, %s · ctrl+c stops", p.export.path, pr.Rows, humanBytes(pr.Bytes)), mw)))
	case p.running != "" && p.msgBad:
		// A key refused while the statement runs says why.
		main = append(main, st.Bad.Render(pad(p.message+" · running: "+abbreviateSQL(p.running, 40), mw)))
	case p.running != "":
		main = append(main, st.Warn.Render(pad("running: "+abbreviateSQL(p.running, mw-30)+" · ctrl+c cancels", mw)))
	case p.msgBad:
		main = append(main, st.Bad.Render(pad(p.message, mw)))
	default:
		main = append(main, st.Muted.Render(pad(p.message, mw)))
	}
	resTitle := st.PaneTitle
	if p.focus == focusResults {
		resTitle = st.PaneTitleFocused
	}
	title := "Results"
	if p.grid.hasRows() {
		title = fmt.Sprintf("Results (%d/%d, column %d/%d)", p.grid.row+1, len(p.grid.cells), p.grid.col+1, len(p.grid.widths))
	}
	main = append(main, resTitle.Render(pad(title, mw)))
	main = append(main, p.grid.view(st, mw, p.gridHeight())...)
	for len(main) < p.height-1 {
		main = append(main, strings.Repeat(" ", mw))
	}
	main = main[:max(0, p.height-1)]
	if sw := p.schemaWidth(); sw > 0 {
		side := p.schema.view(st, sw, p.height-1)
		for i := range main {
			s := strings.Repeat(" ", sw)
			if i < len(side) {
				s = side[i]
			}
			main[i] = main[i] + st.Muted.Render("│") + s
		}
	}
	return p.statusLine() + "\n" + strings.Join(main, "\n")
}

// ShortHelp is the footer while the pane is shown.
func (p *sqlPane) ShortHelp() []key.Binding {
	k := p.keys
	switch p.focus {
	case focusResults:
		return []key.Binding{k.Leave, k.Detail, k.FocusEditor, k.FocusSchema, k.Export, k.Cancel}
	case focusSchema:
		return []key.Binding{k.Leave, k.Select, k.Detail, k.Refresh, k.FocusEditor}
	}
	return []key.Binding{k.Help, k.Leave, k.Run, k.RunAll, k.Explain, k.Complete, k.HistoryPrev, k.Cancel, k.Export, k.Root, k.Cycle}
}

// FullHelp is the pane's part of the ? overlay.
func (p *sqlPane) FullHelp() [][]key.Binding {
	k := p.keys
	return [][]key.Binding{
		{k.Run, k.RunAll, k.Explain, k.Cancel, k.Complete, k.HistoryPrev, k.HistoryNext},
		{k.FocusEditor, k.FocusResults, k.FocusSchema, k.Cycle, k.Detail, k.Select, k.Refresh, k.Export, k.Root, k.Help, k.Leave},
	}
}
