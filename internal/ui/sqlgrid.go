package ui

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"

	"github.com/tts-portal/ttsui/internal/dbops"
)

// gridCellBytes is how much of a value the grid renders; the detail view
// shows it whole.
const gridCellBytes = 256

// detailMax is how much of one value the row detail view shows.
const detailMax = 1 << 20

// gridColumnMax bounds a column's width so one long value does not push the
// others off screen; horizontal scrolling reaches the rest.
const gridColumnMax = 40

// cellKind says how a rendered value is styled: NULL and the empty string
// must not look like the text 'NULL' or ”.
type cellKind uint8

const (
	cellText cellKind = iota
	cellNull
	cellEmpty
	cellBinary
)

// gridCell is a value rendered once, when the result arrives.
type gridCell struct {
	text  string
	kind  cellKind
	width int
}

// presentCell turns a value into its grid text and kind.
func presentCell(c dbops.Cell, binary bool) gridCell {
	g := gridCell{text: dbops.RenderCell(c, binary, gridCellBytes)}
	switch {
	case c.Null:
		g.kind = cellNull
	case len(c.Bytes) == 0:
		g.kind = cellEmpty
	case binary || !utf8.Valid(c.Bytes):
		g.kind = cellBinary
	}
	g.width = lipgloss.Width(g.text)
	return g
}

// resultGrid shows one result with a row cursor, a column cursor and
// horizontal scrolling by column.
type resultGrid struct {
	res     dbops.Result
	names   []string
	cells   [][]gridCell
	widths  []int
	row     int // cursor
	col     int // cursor column
	rowOff  int // first row shown
	colOff  int // first column shown
	empty   string
	focused bool
}

// gridData is a result rendered for the grid. Rendering a page of values
// takes tens of milliseconds, so it is done where the statement ran, off
// the UI goroutine.
type gridData struct {
	names  []string // column names, inert
	cells  [][]gridCell
	widths []int
}

func presentResult(res dbops.Result) gridData {
	d := gridData{cells: make([][]gridCell, len(res.Rows)), widths: make([]int, len(res.Columns))}
	for i, c := range res.Columns {
		d.names = append(d.names, inert(c))
		d.widths[i] = min(gridColumnMax, max(4, lipgloss.Width(d.names[i])))
	}
	for r, row := range res.Rows {
		d.cells[r] = make([]gridCell, len(row))
		for i, c := range row {
			gc := presentCell(c, res.Binary[i])
			d.cells[r][i] = gc
			d.widths[i] = min(gridColumnMax, max(d.widths[i], gc.width))
		}
	}
	return d
}

func (g *resultGrid) set(res dbops.Result, d gridData) {
	g.res, g.names, g.cells, g.widths = res, d.names, d.cells, d.widths
	g.row, g.col, g.rowOff, g.colOff = 0, 0, 0, 0
}

func (g *resultGrid) hasRows() bool { return len(g.cells) > 0 }

// move moves the cursor; the view follows it.
func (g *resultGrid) move(dRow, dCol int) {
	if len(g.cells) > 0 {
		g.row = max(0, min(len(g.cells)-1, g.row+dRow))
	}
	if len(g.widths) > 0 {
		g.col = max(0, min(len(g.widths)-1, g.col+dCol))
	}
}

func (g *resultGrid) home()  { g.row = 0 }
func (g *resultGrid) end()   { g.row = max(0, len(g.cells)-1) }
func (g *resultGrid) start() { g.col = 0 }
func (g *resultGrid) last()  { g.col = max(0, len(g.widths)-1) }

// view renders width x height: a header line and rows.
func (g *resultGrid) view(st *Styles, width, height int) []string {
	if len(g.res.Columns) == 0 {
		return []string{st.Muted.Render(pad(g.empty, width))}
	}
	bodyRows := max(1, height-1)
	if g.row < g.rowOff {
		g.rowOff = g.row
	}
	if g.row >= g.rowOff+bodyRows {
		g.rowOff = g.row - bodyRows + 1
	}
	// Keep the cursor column visible: scroll right until it fits.
	if g.col < g.colOff {
		g.colOff = g.col
	}
	for g.colOff < g.col && g.spanWidth(g.colOff, g.col) > width {
		g.colOff++
	}
	cols := g.visibleColumns(width)
	var out []string
	var hb strings.Builder
	if g.colOff > 0 {
		hb.WriteString("‹ ")
	}
	for _, i := range cols {
		hb.WriteString(pad(g.names[i], g.widths[i]) + "  ")
	}
	header := hb.String()
	if len(cols) > 0 && cols[len(cols)-1] < len(g.widths)-1 {
		header = strings.TrimRight(header, " ") + " ›"
	}
	out = append(out, st.Accent.Render(pad(header, width)))
	for r := g.rowOff; r < len(g.cells) && r < g.rowOff+bodyRows; r++ {
		var b strings.Builder
		used := 0
		if g.colOff > 0 {
			b.WriteString("  ")
			used += 2
		}
		for _, i := range cols {
			c := g.cells[r][i]
			text := pad(c.text, g.widths[i])
			style := lipgloss.Style{}
			switch c.kind {
			case cellNull, cellEmpty:
				style = st.Null
			case cellBinary:
				style = st.Muted
			}
			if r == g.row && g.focused {
				style = st.Selected
				if i == g.col {
					style = st.Highlight
				}
			}
			b.WriteString(style.Render(text) + "  ")
			used += g.widths[i] + 2
		}
		line := b.String()
		if used < width {
			line += strings.Repeat(" ", width-used)
		}
		out = append(out, truncateStyled(line, width))
	}
	if len(g.cells) == 0 {
		out = append(out, st.Muted.Render(pad("(no rows)", width)))
	}
	return out
}

func (g *resultGrid) spanWidth(from, to int) int {
	w := 2
	for i := from; i <= to && i < len(g.widths); i++ {
		w += g.widths[i] + 2
	}
	return w
}

// visibleColumns is the columns from colOff that fit in width; at least one.
func (g *resultGrid) visibleColumns(width int) []int {
	var cols []int
	used := 0
	if g.colOff > 0 {
		used = 2
	}
	for i := g.colOff; i < len(g.widths); i++ {
		if used+g.widths[i] > width && len(cols) > 0 {
			break
		}
		cols = append(cols, i)
		used += g.widths[i] + 2
	}
	return cols
}

// detailLines is the cursor row, every column whole, wrapped to width.
func (g *resultGrid) detailLines(st *Styles, width int) []string {
	if g.row >= len(g.res.Rows) {
		return nil
	}
	var out []string
	row := g.res.Rows[g.row]
	for i, c := range row {
		name := st.Accent.Render(g.names[i])
		info := ""
		value := c.Bytes
		switch {
		case c.Null:
			info = " (SQL NULL)"
		case len(c.Bytes) == 0:
			info = " (empty string)"
		case len(c.Bytes) > detailMax:
			// Wrapping tens of megabytes would freeze the screen; the
			// export has the value whole.
			value = c.Bytes[:detailMax]
			info = fmt.Sprintf(" (%s: the first %s shown; export the query to get it whole)", humanBytes(int64(len(c.Bytes))), humanBytes(detailMax))
		case len(c.Bytes) > 1024:
			info = " (" + humanBytes(int64(len(c.Bytes))) + ")"
		}
		out = append(out, name+st.Muted.Render(info))
		if c.Null || len(c.Bytes) == 0 {
			out = append(out, "  "+st.Null.Render(dbops.RenderCell(c, false, 0)), "")
			continue
		}
		// Text keeps its line breaks here; each line is rendered inert.
		pieces := [][]byte{value}
		if !g.res.Binary[i] && utf8.Valid(c.Bytes) {
			pieces = bytes.Split(value, []byte("\n"))
		}
		for _, p := range pieces {
			cell := dbops.Cell{Bytes: p}
			if len(p) == 0 {
				out = append(out, "")
				continue
			}
			for _, w := range wrapCells(dbops.RenderCell(cell, g.res.Binary[i], 0), max(10, width-2)) {
				out = append(out, "  "+w)
			}
		}
		out = append(out, "")
	}
	return out
}
