package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/dockerops"
)

// dialog is a modal on the overlay stack: it gets every key first.
type dialog interface {
	// update handles a key; it returns the action to run (nil for none) and
	// whether the dialog is finished.
	update(msg tea.KeyPressMsg) (run action, quit, done bool)
	view(st *Styles, width int) string
}

// confirmDialog asks yes or no.
type confirmDialog struct {
	text        string
	onYes, onNo action
	quit        bool // yes quits the console
}

func (d *confirmDialog) update(msg tea.KeyPressMsg) (action, bool, bool) {
	switch msg.String() {
	case "y", "Y":
		return d.onYes, d.quit, true
	case "n", "N", "esc", "q":
		return d.onNo, false, true
	}
	return nil, false, false
}

// msgAction is a dialog's answer addressed to a pane rather than to the
// stack: App delivers msg as a message.
type msgAction struct{ msg tea.Msg }

func (msgAction) name() string { return "answer" }

// txDialog holds a confirmed write's transaction open until the user
// commits or rolls it back; escape rolls back, which changes nothing.
type txDialog struct {
	affected, warnings int64
	stmt               string
}

func (d *txDialog) update(msg tea.KeyPressMsg) (action, bool, bool) {
	switch msg.String() {
	case "c", "C":
		return msgAction{sqlEndTxMsg{commit: true}}, false, true
	case "r", "R", "esc":
		return msgAction{sqlEndTxMsg{commit: false}}, false, true
	}
	return nil, false, false
}

func (d *txDialog) view(st *Styles, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n  %s\n\n", st.Warn.Render("The write ran in a transaction that is still open."), d.stmt)
	fmt.Fprintf(&b, "%d row(s) affected", d.affected)
	if d.warnings > 0 {
		fmt.Fprintf(&b, ", %d warning(s)", d.warnings)
	}
	b.WriteString("\n\n" + st.Key.Render("c") + " commit   " + st.Key.Render("r") + " roll back (esc too)")
	return st.Dialog.Render(b.String())
}

// exportDialog picks what to export (the whole query or the rows shown)
// and the format.
type exportDialog struct {
	stmt  string
	shown int // rows in the grid
}

func (d *exportDialog) update(msg tea.KeyPressMsg) (action, bool, bool) {
	switch msg.String() {
	case "c":
		return msgAction{sqlExportMsg{format: dbops.CSV}}, false, true
	case "j":
		return msgAction{sqlExportMsg{format: dbops.JSONL}}, false, true
	case "C":
		return msgAction{sqlExportMsg{format: dbops.CSV, shown: true}}, false, true
	case "J":
		return msgAction{sqlExportMsg{format: dbops.JSONL, shown: true}}, false, true
	case "esc", "q":
		return nil, false, true
	}
	return nil, false, false
}

func (d *exportDialog) view(st *Styles, width int) string {
	return st.Dialog.Render("Export\n\n  " + d.stmt + "\n\nto a new file in exports/:\n\n" +
		st.Key.Render("c") + " every row, CSV   " + st.Key.Render("j") + " every row, JSON Lines  (streamed from the server)\n" +
		st.Key.Render("C") + fmt.Sprintf(" the %d rows shown, CSV   ", d.shown) + st.Key.Render("J") + " the rows shown, JSON Lines\n\n" +
		st.Key.Render("esc") + " cancel")
}

// detailDialog shows long text (a row, every value whole) with scrolling.
type detailDialog struct {
	title  string
	lines  []string
	off    int
	height int
}

func (d *detailDialog) update(msg tea.KeyPressMsg) (action, bool, bool) {
	page := max(1, d.height-1)
	switch msg.String() {
	case "esc", "q", "enter":
		return nil, false, true
	case "j", "down":
		d.off++
	case "k", "up":
		d.off--
	case "pgdown", "space", "ctrl+d":
		d.off += page
	case "pgup", "ctrl+u":
		d.off -= page
	case "g", "home":
		d.off = 0
	case "G", "end":
		d.off = len(d.lines)
	}
	d.off = max(0, min(d.off, len(d.lines)-d.height))
	return nil, false, false
}

func (d *detailDialog) view(st *Styles, width int) string {
	end := min(len(d.lines), d.off+d.height)
	body := d.lines[min(d.off, end):end]
	foot := fmt.Sprintf("lines %d-%d of %d · j/k pgup/pgdn scroll · esc closes", d.off+1, end, len(d.lines))
	return st.Dialog.Render(st.Title.Render(d.title) + "\n\n" + strings.Join(body, "\n") + "\n\n" + st.Muted.Render(foot))
}

func (d *confirmDialog) view(st *Styles, width int) string {
	return st.Dialog.Render(d.text + "\n\n" + st.Key.Render("y") + " yes   " + st.Key.Render("n") + " no")
}

// purgeDialog shows what a purge deletes and runs it only when the volume's
// name is typed exactly.
type purgeDialog struct {
	volume dockerops.Volume
	typed  string
	wrong  bool
}

func (d *purgeDialog) update(msg tea.KeyPressMsg) (action, bool, bool) {
	switch msg.String() {
	case "esc":
		return nil, false, true
	case "enter":
		if d.typed == d.volume.Name {
			return purgeAction{volume: d.volume.Name}, false, true
		}
		d.wrong = true
		return nil, false, false
	case "backspace":
		if r := []rune(d.typed); len(r) > 0 {
			d.typed = string(r[:len(r)-1])
		}
	default:
		d.typed += msg.Text
	}
	d.wrong = false
	return nil, false, false
}

func (d *purgeDialog) view(st *Styles, width int) string {
	used := "nothing"
	if len(d.volume.UsedBy) > 0 {
		used = strings.Join(d.volume.UsedBy, ", ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", st.Bad.Render("Purge volume "+d.volume.Name))
	fmt.Fprintf(&b, "Size: %s   Used by: %s\n", humanBytes(d.volume.Size), used)
	b.WriteString("The database is dumped to backups/ first; then the containers\nusing it are removed and the volume is deleted.\n\n")
	b.WriteString("Type the volume's name to confirm:\n")
	b.WriteString("> " + d.typed + "█\n")
	if d.wrong {
		b.WriteString(st.Bad.Render("That is not the volume's name.") + "\n")
	}
	b.WriteString(st.Muted.Render("enter purge · esc cancel"))
	return st.Dialog.Render(b.String())
}

// helpDialog shows every key.
type helpDialog struct{ text string }

func (d *helpDialog) update(msg tea.KeyPressMsg) (action, bool, bool) {
	switch msg.String() {
	case "esc", "?", "q":
		return nil, false, true
	}
	return nil, false, false
}

func (d *helpDialog) view(st *Styles, width int) string { return st.Dialog.Render(d.text) }
