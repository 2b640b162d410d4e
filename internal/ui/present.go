package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/tts-portal/ttsui/internal/dockerops"
)

// Pure presentation: domain structs in, plain cells out. Tested alone.

// humanDuration is a compact uptime: 45s, 12m, 3h4m, 2d5h.
func humanDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

// humanBytes is 1.2 MB style; negative means unknown.
func humanBytes(n int64) string {
	if n < 0 {
		return "?"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// containerCells is one containers-table row.
func containerCells(c dockerops.Container, now time.Time, h *usageHistory) []string {
	up := "-"
	if c.State == "running" && !c.StartedAt.IsZero() {
		up = humanDuration(now.Sub(c.StartedAt))
	}
	health := c.Health
	if health == "" {
		health = "-"
	}
	exit := "-"
	if c.State == "exited" || c.Restarts > 0 {
		exit = fmt.Sprint(c.ExitCode)
	}
	var ports []string
	for _, p := range c.Ports {
		ports = append(ports, fmt.Sprintf("%d→%d", p.HostPort, p.ContainerPort))
	}
	cpu, mem := usageCells(h)
	return []string{c.Service, c.State, health, up, fmt.Sprint(c.Restarts), exit, cpu, mem, strings.Join(ports, " ")}
}

var containerHeader = []string{"SERVICE", "STATE", "HEALTH", "UP", "RESTARTS", "EXIT", "CPU", "MEM", "PORTS"}

// workerCells is one workers-panel row.
func workerCells(name string, w dockerops.WorkerStatus, rate float64) []string {
	if w.Error != "" {
		return []string{name, "-", "-", "-", "-", "-", "-", "-", w.Error}
	}
	rps := "-"
	if rate >= 0 {
		rps = fmt.Sprintf("%.1f", rate)
	}
	reload := "ok"
	if w.ReloadError != "" {
		reload = "FAILED: " + w.ReloadError
	}
	return []string{name, fmt.Sprint(w.Workers), fmt.Sprint(w.Busy), fmt.Sprint(w.Queued), fmt.Sprint(w.Served), rps, fmt.Sprint(w.Rejected), fmt.Sprint(w.Generation), reload}
}

var workerHeader = []string{"WEB", "WORKERS", "BUSY", "QUEUED", "SERVED", "REQ/S", "REJECTED", "GEN", "LAST RELOAD"}

func sortedWorkers(m map[string]dockerops.WorkerStatus) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// volumeCells is one volumes-panel row.
func volumeCells(v dockerops.Volume) []string {
	used := strings.Join(v.UsedBy, ", ")
	if used == "" {
		used = "-"
	}
	return []string{v.Name, humanBytes(v.Size), used}
}

var volumeHeader = []string{"VOLUME", "SIZE", "USED BY"}

// table lays rows out in columns that fit width: each column gets its
// widest cell, and the last column is cut to what remains.
func table(header []string, rows [][]string, width int) []string {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = lipgloss.Width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], lipgloss.Width(c))
			}
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			if i >= len(widths) {
				break
			}
			if i == len(cells)-1 {
				b.WriteString(c)
			} else {
				b.WriteString(c + strings.Repeat(" ", widths[i]-lipgloss.Width(c)+2))
			}
		}
		return truncate(b.String(), width)
	}
	out := []string{line(header)}
	for _, r := range rows {
		out = append(out, line(r))
	}
	return out
}

// truncate cuts s to at most width cells, marking the cut with an ellipsis.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= width {
		return s
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if w+rw > width-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "…"
}

// pad fills s to exactly width cells.
func pad(s string, width int) string {
	s = truncate(s, width)
	if w := lipgloss.Width(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values (0-100 scale, clipped) as block characters.
func sparkline(values []float64) string {
	var b strings.Builder
	for _, v := range values {
		if v < 0 {
			b.WriteRune(' ')
			continue
		}
		i := int(v / 100 * float64(len(sparkBlocks)-1))
		b.WriteRune(sparkBlocks[min(max(i, 0), len(sparkBlocks)-1)])
	}
	return b.String()
}

// usageCells are the CPU and memory cells of a container row.
func usageCells(h *usageHistory) (cpu, mem string) {
	if h == nil || len(h.cpu) == 0 {
		return "-", "-"
	}
	last := h.cpu[len(h.cpu)-1]
	cpu = "…"
	if last >= 0 {
		cpu = fmt.Sprintf("%5.1f%% %s", last, sparkline(h.cpu))
	}
	return cpu, humanBytes(int64(h.mem))
}

// usageHistory is the last samples of one container.
type usageHistory struct {
	cpu []float64
	mem uint64
}

const sparkLen = 10

func (h *usageHistory) add(u dockerops.Usage) {
	h.cpu = append(h.cpu, u.CPUPercent)
	if len(h.cpu) > sparkLen {
		h.cpu = h.cpu[len(h.cpu)-sparkLen:]
	}
	h.mem = u.MemBytes
}
