package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

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
	text  string
	onYes action
	quit  bool // yes quits the console
}

func (d *confirmDialog) update(msg tea.KeyPressMsg) (action, bool, bool) {
	switch msg.String() {
	case "y", "Y":
		return d.onYes, d.quit, true
	case "n", "N", "esc", "q":
		return nil, false, true
	}
	return nil, false, false
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
