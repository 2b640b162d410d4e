package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key of the dashboard, grouped for the help view. The keys
// follow k9s and lazydocker: ? help, / search, tab next pane, j/k, esc, q.
type KeyMap struct {
	// Actions on the stack.
	Up, Down, Rebuild, Reload, Purge, Shell, Sizes, Live, Auto, SQL key.Binding
	// Navigation.
	Next, Prev, Cursor, PageUp, PageDown, Top, Bottom key.Binding
	// Logs.
	Search, NextMatch, PrevMatch, Filter, Follow, Timestamps, Wrap, Service key.Binding
	// General.
	Help, Back, Quit key.Binding
}

// DefaultKeyMap is the dashboard's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up: b([]string{"u"}, "u", "up"), Down: b([]string{"D"}, "D", "down"),
		Rebuild: b([]string{"b"}, "b", "rebuild"), Reload: b([]string{"r"}, "r", "reload"),
		Purge: b([]string{"P"}, "P", "purge volume"), Shell: b([]string{"x"}, "x", "shell"),
		Sizes: b([]string{"S"}, "S", "volume sizes"), Live: b([]string{"c"}, "c", "live CPU/mem/req/s"),
		Auto: b([]string{"a"}, "a", "auto reload/rebuild on file changes"),
		SQL:  b([]string{"m"}, "m", "SQL pane (MySQL)"),
		Next: b([]string{"tab"}, "tab", "next pane"), Prev: b([]string{"shift+tab"}, "shift+tab", "previous pane"),
		Cursor: b([]string{"j", "k", "up", "down"}, "j/k", "move"),
		PageUp: b([]string{"pgup", "ctrl+u"}, "pgup", "page up"), PageDown: b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top: b([]string{"g", "home"}, "g", "top"), Bottom: b([]string{"G", "end"}, "G", "bottom"),
		Search: b([]string{"/"}, "/", "search"), NextMatch: b([]string{"n"}, "n/N", "next/prev match"),
		PrevMatch: b([]string{"N"}, "N", "previous match"), Filter: b([]string{"F"}, "F", "filter to matches"),
		Follow: b([]string{"f"}, "f", "follow"), Timestamps: b([]string{"t"}, "t", "timestamps"),
		Wrap: b([]string{"w"}, "w", "wrap"), Service: b([]string{"s"}, "s", "service"),
		Help: b([]string{"?"}, "?", "help"), Back: b([]string{"esc"}, "esc", "back"),
		Quit: b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the footer.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Quit, k.Up, k.Down, k.Rebuild, k.Reload, k.Purge, k.Shell, k.SQL, k.Next, k.Search}
}

// FullHelp is the ? overlay, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Rebuild, k.Reload, k.Purge, k.Shell, k.Sizes, k.Live, k.Auto, k.SQL},
		{k.Next, k.Prev, k.Cursor, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Search, k.NextMatch, k.PrevMatch, k.Filter, k.Follow, k.Timestamps, k.Wrap, k.Service},
		{k.Help, k.Back, k.Quit},
	}
}
