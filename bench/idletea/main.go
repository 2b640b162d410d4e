// Command idletea is the idle-CPU baseline for bench/dashboard.sh: a bare
// Bubble Tea v2 program at the dashboard's frame rate showing a static
// screen of the same size, doing nothing else.
package main

import (
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
)

type model struct{ w, h int }

func (m model) Init() tea.Cmd { return nil }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		if msg.String() == "q" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m model) View() tea.View {
	line := strings.Repeat("idle baseline ", max(1, m.w/14))
	v := tea.NewView(strings.Repeat(line[:min(len(line), m.w)]+"\n", max(1, m.h-1)))
	v.AltScreen = true
	return v
}

func main() {
	if _, err := tea.NewProgram(model{}, tea.WithFPS(20)).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
