package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tts-portal/ttsui/internal/dbops"
)

// key handles a key while the pane is shown; leave says go back to the
// dashboard.
func (p *sqlPane) key(msg tea.KeyPressMsg) (cmd tea.Cmd, leave bool) {
	k := p.keys
	if !key.Matches(msg, k.Complete) {
		p.comp, p.compPos = dbops.Completion{}, -1
	}
	switch {
	case key.Matches(msg, k.Leave):
		return nil, true
	case key.Matches(msg, k.Cancel):
		return p.cancel(), false
	case key.Matches(msg, k.Run):
		return p.runAtCursor(""), false
	case key.Matches(msg, k.RunAll):
		return p.runAll(), false
	case key.Matches(msg, k.Explain):
		return p.runAtCursor("EXPLAIN "), false
	case key.Matches(msg, k.Export):
		return p.askExport(), false
	case key.Matches(msg, k.Root):
		if p.inTx || p.running != "" || p.export != nil {
			p.setMessage("wait for the running statement (ctrl+c cancels it) before switching user", true)
			return nil, false
		}
		if p.root {
			return func() tea.Msg { return sqlRootMsg{root: false} }, false
		}
		p.push(&confirmDialog{text: "Connect as root?\nThe session stays read-only; writes still ask first.", onYes: msgAction{sqlRootMsg{root: true}}})
		return nil, false
	case key.Matches(msg, k.Refresh):
		if p.schema.loading {
			return nil, false // one read at a time: the pool is small
		}
		p.schema.loading = true
		return p.loadCatalog(), false
	case key.Matches(msg, k.FocusEditor):
		p.setFocus(focusEditor)
		return nil, false
	case key.Matches(msg, k.FocusResults):
		p.setFocus(focusResults)
		return nil, false
	case key.Matches(msg, k.FocusSchema):
		p.setFocus(focusSchema)
		return nil, false
	case key.Matches(msg, k.Cycle) || p.focus != focusEditor && key.Matches(msg, k.Complete):
		p.setFocus((p.focus + 1) % 3)
		return nil, false
	}
	switch p.focus {
	case focusResults:
		p.gridKey(msg)
		return nil, false
	case focusSchema:
		return p.schemaKey(msg), false
	}
	switch {
	case key.Matches(msg, k.Complete):
		p.complete()
		return nil, false
	case key.Matches(msg, k.HistoryPrev):
		p.browseHistory(-1)
		return nil, false
	case key.Matches(msg, k.HistoryNext):
		p.browseHistory(1)
		return nil, false
	}
	var c tea.Cmd
	p.editor, c = p.editor.Update(msg)
	return c, false
}

// Paste goes to the editor whatever the focus.
func (p *sqlPane) paste(msg tea.PasteMsg) tea.Cmd {
	p.setFocus(focusEditor)
	var c tea.Cmd
	p.editor, c = p.editor.Update(msg)
	return c
}

func (p *sqlPane) setFocus(f sqlFocus) {
	p.focus = f
	p.grid.focused = f == focusResults
	p.schema.focused = f == focusSchema
	if f == focusEditor {
		p.editor.Focus()
	} else {
		p.editor.Blur()
	}
}

func (p *sqlPane) gridKey(msg tea.KeyPressMsg) {
	page := max(1, p.gridHeight()-1)
	switch msg.String() {
	case "j", "down":
		p.grid.move(1, 0)
	case "k", "up":
		p.grid.move(-1, 0)
	case "l", "right":
		p.grid.move(0, 1)
	case "h", "left":
		p.grid.move(0, -1)
	case "pgdown", "ctrl+d", "space":
		p.grid.move(page, 0)
	case "pgup", "ctrl+u":
		p.grid.move(-page, 0)
	case "g", "home":
		p.grid.home()
	case "G", "end":
		p.grid.end()
	case "0", "^":
		p.grid.start()
	case "$":
		p.grid.last()
	case "enter":
		if p.grid.hasRows() {
			p.push(&detailDialog{title: fmt.Sprintf("Row %d of %d", p.grid.row+1, len(p.grid.cells)), lines: p.grid.detailLines(p.styles, min(120, p.width-8)), height: max(5, p.height-6)})
		}
	}
}

// wheel scrolls the results (or the tables when they have focus).
func (p *sqlPane) wheel(up bool) {
	d := 3
	if up {
		d = -3
	}
	if p.focus == focusSchema {
		p.schema.move(d)
		return
	}
	p.grid.move(d, 0)
}

func (p *sqlPane) schemaKey(msg tea.KeyPressMsg) tea.Cmd {
	if db := p.schema.selectedDatabase(); db != "" && msg.String() == "enter" {
		if !p.ready() {
			return nil
		}
		return p.exec("USE "+quoteIdent(db), false)
	}
	switch msg.String() {
	case "j", "down":
		p.schema.move(1)
	case "k", "up":
		p.schema.move(-1)
	case "g", "home":
		p.schema.move(-len(p.schema.lines))
	case "G", "end":
		p.schema.move(len(p.schema.lines))
	case "enter", "l", "right", "h", "left":
		p.schema.toggle()
	case "s":
		if t := p.schema.selected(); t != "" {
			// Added after what is there, not over it: the editor may hold
			// work. The cursor ends on it, so ctrl+r runs it.
			stmt := fmt.Sprintf("SELECT * FROM %s LIMIT 100;", quoteIdent(t))
			if v := strings.TrimRight(p.editor.Value(), " \n"); v != "" {
				if !strings.HasSuffix(v, ";") {
					v += ";" // ends the statement before it
				}
				stmt = v + "\n" + stmt
			}
			p.editor.SetValue(stmt)
			p.setFocus(focusEditor)
		}
	}
	return nil
}

// quoteIdent backquotes a name, always: a table may be called order.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// cursorOffset is the editor cursor as a byte offset into its value.
func (p *sqlPane) cursorOffset() int {
	lines := strings.Split(p.editor.Value(), "\n")
	row := min(p.editor.Line(), len(lines)-1)
	off := 0
	for i := 0; i < row; i++ {
		off += len(lines[i]) + 1
	}
	r := []rune(lines[row])
	return off + len(string(r[:min(p.editor.Column(), len(r))]))
}

// complete applies tab completion: one candidate is inserted, several are
// listed and tab again cycles through them.
func (p *sqlPane) complete() {
	if p.compPos >= 0 && len(p.comp.Items) > 1 {
		// Cycle: replace the candidate inserted last with the next one.
		prev := p.comp.Items[p.compPos]
		p.compPos = (p.compPos + 1) % len(p.comp.Items)
		p.replaceWord(prev, p.comp.Items[p.compPos])
		return
	}
	var cat dbops.Catalog
	if p.schema.err == "" {
		cat = p.schema.cat
	}
	c := dbops.Complete(p.editor.Value(), p.cursorOffset(), cat)
	switch len(c.Items) {
	case 0:
		p.comp = dbops.Completion{}
		p.editor.InsertString("  ") // tab with nothing to complete indents
	case 1:
		p.replaceWord(c.Prefix, c.Items[0])
	default:
		p.comp, p.compPos = c, 0
		p.replaceWord(c.Prefix, c.Items[0])
	}
}

// replaceWord deletes old before the cursor and inserts word.
func (p *sqlPane) replaceWord(old, word string) {
	for range []rune(old) {
		p.editor, _ = p.editor.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	p.editor.InsertString(word)
}

func (p *sqlPane) browseHistory(d int) {
	if len(p.history) == 0 {
		p.setMessage("no history yet", false)
		return
	}
	if p.histPos == len(p.history) {
		p.draft = p.editor.Value()
	}
	p.histPos = max(0, min(len(p.history), p.histPos+d))
	if p.histPos == len(p.history) {
		p.editor.SetValue(p.draft)
		return
	}
	p.editor.SetValue(p.history[p.histPos])
	p.setMessage(fmt.Sprintf("history %d of %d", p.histPos+1, len(p.history)), false)
}
