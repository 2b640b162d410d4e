package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// palette is the set of semantic colour tokens a theme provides.
type palette struct {
	fg, muted, accent, ok, warn, bad, border, selBg, selFg, highlight color.Color
}

var (
	darkPalette = palette{
		fg: lipgloss.Color("#d8dee9"), muted: lipgloss.Color("#7b8496"), accent: lipgloss.Color("#81a1c1"),
		ok: lipgloss.Color("#a3be8c"), warn: lipgloss.Color("#ebcb8b"), bad: lipgloss.Color("#bf616a"),
		border: lipgloss.Color("#4c566a"), selBg: lipgloss.Color("#3b4252"), selFg: lipgloss.Color("#eceff4"),
		highlight: lipgloss.Color("#ebcb8b"),
	}
	lightPalette = palette{
		fg: lipgloss.Color("#2e3440"), muted: lipgloss.Color("#6b7385"), accent: lipgloss.Color("#3b6ea8"),
		ok: lipgloss.Color("#3f7d3a"), warn: lipgloss.Color("#9a6b00"), bad: lipgloss.Color("#b3261e"),
		border: lipgloss.Color("#b8bfcc"), selBg: lipgloss.Color("#dde3ec"), selFg: lipgloss.Color("#1d2330"),
		highlight: lipgloss.Color("#9a6b00"),
	}
)

// Styles is every style the dashboard uses, built once from a palette.
type Styles struct {
	Title, Muted, Accent, OK, Warn, Bad lipgloss.Style
	PaneTitle, PaneTitleFocused         lipgloss.Style
	Selected, Highlight, Key            lipgloss.Style
	Null                                lipgloss.Style // SQL NULL and '', never like text
	Dialog                              lipgloss.Style
}

// NewStyles builds the styles for a dark or light background; with noColor
// (NO_COLOR set) it uses only bold, reverse and underline.
func NewStyles(dark, noColor bool) Styles {
	if noColor {
		plain := lipgloss.NewStyle()
		return Styles{
			Title: plain.Bold(true), Muted: plain, Accent: plain.Bold(true), OK: plain, Warn: plain.Bold(true), Bad: plain.Bold(true).Underline(true),
			PaneTitle: plain, PaneTitleFocused: plain.Bold(true).Underline(true),
			Selected: plain.Reverse(true), Highlight: plain.Reverse(true).Underline(true), Key: plain.Bold(true),
			Null:   plain.Faint(true).Italic(true),
			Dialog: plain.Border(lipgloss.NormalBorder()).Padding(0, 1),
		}
	}
	p := darkPalette
	if !dark {
		p = lightPalette
	}
	s := lipgloss.NewStyle().Foreground(p.fg)
	return Styles{
		Title: s.Bold(true).Foreground(p.accent), Muted: s.Foreground(p.muted), Accent: s.Foreground(p.accent),
		OK: s.Foreground(p.ok), Warn: s.Foreground(p.warn), Bad: s.Foreground(p.bad).Bold(true),
		PaneTitle: s.Foreground(p.muted), PaneTitleFocused: s.Foreground(p.accent).Bold(true),
		Selected: s.Background(p.selBg).Foreground(p.selFg), Highlight: s.Foreground(p.highlight).Reverse(true),
		Key:    s.Foreground(p.accent).Bold(true),
		Null:   s.Foreground(p.muted).Italic(true),
		Dialog: s.Border(lipgloss.RoundedBorder()).BorderForeground(p.accent).Padding(0, 1),
	}
}
