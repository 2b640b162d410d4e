// Package ui is the ttsui dashboard: a Bubble Tea program over a
// dockerops.Stack.
//
// The root App owns the header, the panes, the focus and a stack of dialogs.
// Keys go to the top dialog first, then the global keys, then the focused
// pane; data messages (StateMsg, LogBatchMsg, StepMsg, ActionDoneMsg) go to
// the panes that own them whether focused or not. Nothing in Update or View
// does I/O: actions are values turned into tea.Cmds in one place
// (App.run), and domain events arrive through a subscriber that calls
// program.Send (see cmd/ttsui).
package ui
