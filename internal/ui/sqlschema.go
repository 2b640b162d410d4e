package ui

import (
	"fmt"
	"strings"

	"github.com/tts-portal/ttsui/internal/dbops"
)

// schemaBrowser lists the current database's tables; the one under the
// cursor can be opened to show its columns and indexes.
type schemaBrowser struct {
	cat      dbops.Catalog
	err      string
	cursor   int
	open     map[string]bool // tables shown expanded
	lines    []schemaLine    // rebuilt when the catalog or expansion changes
	off      int
	focused  bool
	loading  bool
	database string
}

// schemaLine is one row of the browser; table is set on table rows.
type schemaLine struct {
	text     string
	table    string
	database string // set on database rows: enter switches to it
	muted    bool
}

func (b *schemaBrowser) set(cat dbops.Catalog, err error) {
	b.loading = false
	if err != nil {
		b.err = err.Error()
		return
	}
	b.cat, b.err = cat, ""
	b.rebuild()
}

func (b *schemaBrowser) rebuild() {
	sel := b.selected()
	b.lines = b.lines[:0]
	for _, t := range b.cat.Tables {
		mark := "▸ "
		if b.open[t.Name] {
			mark = "▾ "
		}
		b.lines = append(b.lines, schemaLine{text: fmt.Sprintf("%s%s  ~%s rows %s", mark, inert(t.Name), humanCount(t.Rows), humanBytes(t.DataBytes+t.IndexBytes)), table: t.Name})
		if !b.open[t.Name] {
			continue
		}
		for _, c := range t.Columns {
			null := ""
			if c.Nullable {
				null = " null"
			}
			key := ""
			if c.Key != "" {
				key = " " + c.Key
			}
			b.lines = append(b.lines, schemaLine{text: "    " + inert(c.Name+" "+c.Type) + null + key})
		}
		for _, ix := range t.Indexes {
			kind := "index"
			if ix.Unique {
				kind = "unique"
			}
			b.lines = append(b.lines, schemaLine{text: fmt.Sprintf("    %s %s (%s)", kind, inert(ix.Name), inert(strings.Join(ix.Columns, ", "))), muted: true})
		}
	}
	if len(b.cat.Databases) > 0 {
		b.lines = append(b.lines, schemaLine{text: "Databases (enter switches)", muted: true})
		for _, d := range b.cat.Databases {
			mark := "  "
			if d == b.cat.Database {
				mark = "● "
			}
			b.lines = append(b.lines, schemaLine{text: mark + inert(d), database: d})
		}
	}
	b.cursor = 0
	for i, l := range b.lines {
		if l.table != "" && l.table == sel {
			b.cursor = i
		}
	}
}

// selected is the table under the cursor or owning the line under it.
func (b *schemaBrowser) selected() string {
	for i := min(b.cursor, len(b.lines)-1); i >= 0; i-- {
		if b.lines[i].database != "" {
			return ""
		}
		if b.lines[i].table != "" {
			return b.lines[i].table
		}
	}
	return ""
}

// selectedDatabase is the database row under the cursor, if it is one.
func (b *schemaBrowser) selectedDatabase() string {
	if b.cursor < len(b.lines) {
		return b.lines[b.cursor].database
	}
	return ""
}

func (b *schemaBrowser) move(d int) {
	b.cursor = max(0, min(len(b.lines)-1, b.cursor+d))
}

func (b *schemaBrowser) toggle() {
	t := b.selected()
	if t == "" {
		return
	}
	if b.open == nil {
		b.open = map[string]bool{}
	}
	b.open[t] = !b.open[t]
	b.rebuild()
}

func (b *schemaBrowser) view(st *Styles, width, height int) []string {
	title := "Tables"
	if b.cat.Database != "" {
		title = "Tables in " + inert(b.cat.Database)
	}
	ts := st.PaneTitle
	if b.focused {
		ts = st.PaneTitleFocused
	}
	out := []string{ts.Render(pad(title, width))}
	switch {
	case b.err != "":
		for _, l := range wrapCells("catalog: "+inert(b.err), width) {
			out = append(out, st.Bad.Render(pad(l, width)))
		}
	case b.loading && len(b.lines) == 0:
		out = append(out, st.Muted.Render(pad("reading the catalog…", width)))
	case len(b.lines) == 0:
		out = append(out, st.Muted.Render(pad("no tables", width)))
	}
	room := height - len(out)
	if b.cursor < b.off {
		b.off = b.cursor
	}
	if b.cursor >= b.off+room {
		b.off = b.cursor - room + 1
	}
	for i := b.off; i < len(b.lines) && len(out) < height; i++ {
		l := b.lines[i]
		text := pad(l.text, width)
		switch {
		case i == b.cursor && b.focused:
			text = st.Selected.Render(text)
		case l.muted || l.table == "" && l.database == "":
			text = st.Muted.Render(text)
		}
		out = append(out, text)
	}
	return out
}

// humanCount shortens a row estimate: 1234567 → 1.2M.
func humanCount(n int64) string {
	switch {
	case n >= 1_000_000_000:
		return fmt.Sprintf("%.1fG", float64(n)/1e9)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
