package ui

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/watch"
)

// Options configure the dashboard.
type Options struct {
	Dark, NoColor bool
	// Send delivers messages from action goroutines (progress steps) to the
	// program: program.Send in real use.
	Send func(tea.Msg)
	// ShellCommand makes the command that opens a shell in a container
	// (docker exec -it ... sh, with the console's engine settings).
	ShellCommand func(containerID string) *exec.Cmd
	// SubmitWatch hands a file watcher's plan to its runner; nil when the
	// console does not watch files. Auto mode starts on when it is set.
	SubmitWatch func(watch.Plan)
	// SQL opens sessions on the stack's database for the SQL pane (key m);
	// nil leaves the pane saying so.
	SQL SQLConnector
	// SQLLimit is the SQL pane's display cap (rows fetched per statement);
	// 0 means DefaultSQLLimit.
	SQLLimit int
	// SQLHistory is the project's statement history, oldest first.
	SQLHistory []string
}

// App is the root model.
type App struct {
	backend Backend
	opt     Options
	styles  Styles
	keys    KeyMap
	help    help.Model

	state  dockerops.State
	engine string // last engine loss message, "" when connected

	containers, workers, volumes *listPane
	logs                         *logsPane
	cmdlog                       *cmdLogPane
	sql                          *sqlPane
	sqlOpen                      bool   // the SQL pane fills the screen
	panes                        []Pane // in focus order
	focus                        int

	dialogs []dialog
	running string // the action in progress, "" when idle
	status  string // one-line status message

	// Live stats (key c): one-shot samples of the containers on screen every
	// liveInterval, only while switched on, so an idle console stays idle.
	live    bool
	liveGen int
	usage   map[string]*usageHistory // by container id
	heights map[Pane]int             // rendered height of each pane, for clicks
	rates   map[string]float64       // req/s by web container, from Served deltas
	served  map[string]servedAt

	// File watching: auto applies plans; the last change and outcome are shown.
	auto        bool
	lastChange  string
	lastOutcome string

	width, height int
}

type servedAt struct {
	served uint64
	at     time.Time
}

// liveInterval is the sampling period while live stats are on.
const liveInterval = 2 * time.Second

// New builds the dashboard over a backend.
func New(b Backend, opt Options) *App {
	a := &App{backend: b, opt: opt, keys: DefaultKeyMap(), help: help.New(),
		usage: map[string]*usageHistory{}, rates: map[string]float64{}, served: map[string]servedAt{}}
	a.styles = NewStyles(opt.Dark, opt.NoColor)
	if opt.Send == nil {
		a.opt.Send = func(tea.Msg) {}
	}
	a.containers = newListPane("Containers", containerHeader, "no containers: the stack is down (u starts it)", &a.styles, a.keys, a.containerRows)
	a.workers = newListPane("Workers", workerHeader, "no running web container", &a.styles, a.keys, a.workerRows)
	a.volumes = newListPane("Volumes", volumeHeader, "no volumes", &a.styles, a.keys, volumesExtract)
	a.logs = newLogsPane(&a.styles, a.keys)
	a.cmdlog = &cmdLogPane{styles: &a.styles}
	a.panes = []Pane{a.containers, a.workers, a.volumes, a.logs, a.cmdlog}
	a.sql = newSQLPane(&a.styles, opt.SQL, opt.SQLLimit, opt.SQLHistory, a.opt.Send, func(d dialog) { a.dialogs = append(a.dialogs, d) })
	a.panes[0].Focus()
	a.auto = opt.SubmitWatch != nil
	a.syncWatchLine()
	a.help.Styles.ShortKey, a.help.Styles.FullKey = a.styles.Key, a.styles.Key
	a.help.Styles.ShortDesc, a.help.Styles.FullDesc = a.styles.Muted, a.styles.Muted
	a.help.Styles.ShortSeparator, a.help.Styles.FullSeparator, a.help.Styles.Ellipsis = a.styles.Muted, a.styles.Muted, a.styles.Muted
	a.Update(StateMsg{State: b.State()})
	return a
}

// Init has nothing to do: data arrives through the subscriber.
func (a *App) Init() tea.Cmd { return nil }

// apply routes a data message to every pane that owns such data.
func (a *App) apply(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range a.panes {
		_, c := p.Update(msg)
		cmds = append(cmds, c)
	}
	return tea.Batch(cmds...)
}

// Update routes: dialogs first, then global keys, then the focused pane;
// data messages go to their owners whatever has focus.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.layout()
		return a, nil
	case StateMsg:
		a.state = msg.State
		a.updateRates(msg.State, time.Now())
		if msg.State.Engine.Reachable {
			a.engine = ""
		}
		cmd := a.apply(msg)
		a.layout() // pane heights follow their row counts
		return a, tea.Batch(cmd, a.sql.dbChanged(msg.State))
	case EngineMsg:
		if msg.Lost {
			a.engine = msg.Err
		} else {
			a.engine = ""
		}
		return a, nil
	case LogBatchMsg:
		_, cmd := a.logs.Update(msg)
		return a, cmd
	case ConsoleLogMsg:
		a.status = msg.Text
		return a, nil
	case StepMsg:
		_, cmd := a.cmdlog.Update(msg)
		return a, cmd
	case ActionDoneMsg:
		a.running = ""
		_, cmd := a.cmdlog.Update(msg)
		if msg.Err != nil {
			a.status = fmt.Sprintf("%s failed: %v", msg.Action, msg.Err)
		} else {
			a.status = fmt.Sprintf("%s: %s", msg.Action, firstNonEmpty(msg.Result, "done"))
		}
		return a, cmd
	case liveTickMsg:
		if a.live && msg.gen == a.liveGen {
			return a, a.sample(msg.gen)
		}
		return a, nil
	case usageMsg:
		if !a.live || msg.gen != a.liveGen {
			return a, nil
		}
		if msg.err != nil {
			a.status = "live stats: " + msg.err.Error()
		}
		for _, u := range msg.usages {
			h := a.usage[u.Container]
			if h == nil {
				h = &usageHistory{}
				a.usage[u.Container] = h
			}
			h.add(u)
		}
		a.containers.Update(StateMsg{State: a.state}) // re-extract the rows
		gen := msg.gen
		return a, tea.Tick(liveInterval, func(time.Time) tea.Msg { return liveTickMsg{gen: gen} })
	case WatchChangeMsg:
		return a, a.watchChange(msg)
	case WatchOutcomeMsg:
		o := msg.Outcome
		switch {
		case o.Err != nil:
			a.lastOutcome = o.Did + " FAILED: " + o.Err.Error()
		case o.Did != "":
			a.lastOutcome = o.Did + ": ok"
		}
		a.cmdlog.record("watch: "+firstNonEmpty(o.Did, "notice"), o.Err, time.Now())
		a.syncWatchLine()
		return a, nil
	case shellDoneMsg:
		if msg.err != nil {
			a.status = "shell: " + msg.err.Error()
		}
		return a, nil
	case sqlConnectedMsg, sqlRetryMsg, sqlResultMsg, sqlTxDoneMsg, sqlCatalogMsg, sqlExportProgressMsg,
		sqlExportDoneMsg, sqlCancelDoneMsg, sqlConfirmedMsg, sqlDeclinedMsg, sqlEndTxMsg, sqlExportMsg, sqlRootMsg:
		return a, a.sql.Update(msg)
	case tea.PasteMsg:
		if a.sqlOpen && len(a.dialogs) == 0 {
			return a, a.sql.paste(msg)
		}
		return a, nil
	case tea.MouseClickMsg:
		if !a.sqlOpen {
			a.click(msg.X, msg.Y)
		}
		return a, nil
	case tea.MouseWheelMsg:
		if a.sqlOpen {
			a.sql.wheel(msg.Button == tea.MouseWheelUp)
			return a, nil
		}
		if msg.Button == tea.MouseWheelUp {
			a.logs.scroll(3)
		} else if msg.Button == tea.MouseWheelDown {
			a.logs.scroll(-3)
		}
		return a, nil
	case tea.KeyPressMsg:
		return a, a.key(msg)
	}
	return a, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	if n := len(a.dialogs); n > 0 {
		run, quit, done := a.dialogs[n-1].update(msg)
		if done {
			a.dialogs = a.dialogs[:n-1]
		}
		if quit {
			return tea.Quit
		}
		if m, ok := run.(msgAction); ok {
			return func() tea.Msg { return m.msg }
		}
		if run != nil {
			return a.run(run)
		}
		return nil
	}
	if a.sqlOpen {
		if key.Matches(msg, a.sql.keys.Help) || key.Matches(msg, a.keys.Help) && a.sql.focus != focusEditor {
			a.dialogs = append(a.dialogs, &helpDialog{text: a.sqlHelp()})
			return nil
		}
		cmd, leave := a.sql.key(msg)
		if leave {
			a.sqlOpen = false
		}
		return cmd
	}
	if a.panes[a.focus] == Pane(a.logs) && a.logs.Capturing() {
		_, cmd := a.logs.Update(msg)
		return cmd
	}
	k := a.keys
	switch {
	case key.Matches(msg, k.Quit):
		if a.running != "" {
			a.dialogs = append(a.dialogs, &confirmDialog{text: fmt.Sprintf("%s is still running. Quit anyway?\n(The action goes on in the engine; only the console stops.)", a.running), quit: true})
			return nil
		}
		return tea.Quit
	case key.Matches(msg, k.Help):
		a.dialogs = append(a.dialogs, &helpDialog{text: a.fullHelp()})
		return nil
	case key.Matches(msg, k.Next):
		a.setFocus((a.focus + 1) % len(a.panes))
		return nil
	case key.Matches(msg, k.Prev):
		a.setFocus((a.focus + len(a.panes) - 1) % len(a.panes))
		return nil
	case key.Matches(msg, k.Up):
		return a.run(upAction{})
	case key.Matches(msg, k.Down):
		a.dialogs = append(a.dialogs, &confirmDialog{text: fmt.Sprintf("Stop and remove %s's containers and networks?\nVolumes (the database) are kept.", a.state.Project.Name), onYes: downAction{}})
		return nil
	case key.Matches(msg, k.Rebuild):
		return a.run(rebuildAction{services: a.selectedServiceIfBuilt()})
	case key.Matches(msg, k.Reload):
		return a.run(reloadAction{})
	case key.Matches(msg, k.Sizes):
		return a.run(sizesAction{})
	case key.Matches(msg, k.Purge):
		v, ok := a.selectedVolume()
		if !ok {
			a.status = "purge: no volume to purge (select one in the Volumes pane)"
			return nil
		}
		a.dialogs = append(a.dialogs, &purgeDialog{volume: v})
		return nil
	case key.Matches(msg, k.Shell):
		return a.shell()
	case key.Matches(msg, k.SQL):
		a.sqlOpen = true
		return a.sql.open()
	case key.Matches(msg, k.Auto):
		if a.opt.SubmitWatch == nil {
			a.status = "the console is not watching files"
			return nil
		}
		a.auto = !a.auto
		a.syncWatchLine()
		a.status = map[bool]string{true: "auto on: file changes reload or rebuild", false: "auto off: file changes are only shown"}[a.auto]
		return nil
	case key.Matches(msg, k.Live):
		a.live = !a.live
		a.liveGen++
		if !a.live {
			a.status = "live stats off"
			return nil
		}
		a.status = fmt.Sprintf("live stats on: sampling every %s", liveInterval)
		return a.sample(a.liveGen)
	}
	_, cmd := a.panes[a.focus].Update(msg)
	return cmd
}

// click focuses the pane under the pointer and, in a list, selects the row.
func (a *App) click(x, y int) {
	top := 2                                                                         // the header
	for _, p := range []Pane{a.containers, a.workers, a.volumes, a.cmdlog, a.logs} { // screen order
		h := a.heights[p]
		if h == 0 {
			continue
		}
		if y >= top && y < top+h {
			for i, fp := range a.panes {
				if fp == p {
					a.setFocus(i)
				}
			}
			if lp, ok := p.(*listPane); ok {
				lp.clickRow(y - top - 2) // below the title and the column header
			}
			return
		}
		top += h
	}
}

func (a *App) setFocus(i int) {
	a.panes[a.focus].Blur()
	a.focus = i
	a.panes[a.focus].Focus()
}

// selectedServiceIfBuilt is the service of the selected container when the
// containers pane has focus (rebuild just that one), else nil (all).
func (a *App) selectedServiceIfBuilt() []string {
	if a.panes[a.focus] != Pane(a.containers) {
		return nil
	}
	for _, c := range a.state.Containers {
		if c.ID == a.containers.Selected() {
			return []string{c.Service}
		}
	}
	return nil
}

func (a *App) selectedVolume() (dockerops.Volume, bool) {
	name := a.volumes.Selected()
	for _, v := range a.state.Volumes {
		if v.Name == name {
			return v, true
		}
	}
	return dockerops.Volume{}, false
}

// run turns an action value into the command that performs it. One action
// at a time: the stack serialises them anyway, and the user sees why.
func (a *App) run(act action) tea.Cmd {
	if a.running != "" {
		a.status = fmt.Sprintf("%s is still running; wait for it to finish", a.running)
		return nil
	}
	name := act.name()
	a.running = name
	started := time.Now()
	a.cmdlog.start(name, started)
	a.status = name + "…"
	b, send := a.backend, a.opt.Send
	progress := func(st dockerops.Step) { send(StepMsg{Action: name, Step: st}) }
	return func() tea.Msg {
		ctx := context.Background()
		var err error
		result := ""
		switch act := act.(type) {
		case upAction:
			err = b.Up(ctx, progress)
			result = "stack is up"
		case downAction:
			err = b.Down(ctx, dockerops.DownOptions{}, progress)
			result = "stack is down (volumes kept)"
		case rebuildAction:
			err = b.Rebuild(ctx, act.services, progress)
			result = "rebuilt and recreated"
		case reloadAction:
			var res dockerops.ReloadResult
			res, err = b.Reload(ctx, progress)
			var parts []string
			for _, c := range res.Containers {
				if c.Error == "" {
					parts = append(parts, fmt.Sprintf("%s generation %d → %d", c.Container, c.Before, c.After))
				} else {
					parts = append(parts, c.Container+": "+c.Error)
				}
			}
			result = strings.Join(parts, "; ")
		case purgeAction:
			var res dockerops.PurgeResult
			res, err = b.Purge(ctx, act.volume, dockerops.PurgeOptions{Confirm: act.volume}, progress)
			result = "volume removed; dump in " + res.Dump
		case sizesAction:
			err = b.RefreshVolumeSizes(ctx)
			result = "sizes updated"
		}
		return ActionDoneMsg{Action: name, Result: result, Err: err, Took: time.Since(started)}
	}
}

// watchChange shows a change set and, in auto mode, hands its plan to the
// watcher's runner (which queues it: no I/O here).
func (a *App) watchChange(msg WatchChangeMsg) tea.Cmd {
	p := msg.Plan
	what := []string{}
	if len(p.Rebuild) > 0 {
		what = append(what, "rebuild "+strings.Join(p.Rebuild, ","))
	}
	if len(p.Reload) > 0 {
		what = append(what, "reload "+strings.Join(p.Reload, ","))
	}
	paths := strings.Join(msg.Change.Paths, " ")
	if len(msg.Change.Paths) > 3 {
		paths = fmt.Sprintf("%s and %d more", strings.Join(msg.Change.Paths[:3], " "), len(msg.Change.Paths)-3)
	}
	a.lastChange = paths
	defer a.syncWatchLine()
	if len(what) > 0 {
		a.lastChange += " → " + strings.Join(what, ", ")
		if !a.auto {
			a.lastChange += " (auto off)"
		}
	}
	for _, n := range append(append(append([]string{}, p.Notices...), p.OfferUp...), msg.Change.Warnings...) {
		a.status = n
	}
	if !a.auto || p.Empty() || a.opt.SubmitWatch == nil {
		return nil
	}
	submit := a.opt.SubmitWatch
	return func() tea.Msg { submit(p); return nil }
}

// sample takes one live sample of the running containers and re-reads the
// stack (for the workers' served counts, hence req/s).
func (a *App) sample(gen int) tea.Cmd {
	var ids []string
	for _, c := range a.state.Containers {
		if c.State == "running" {
			ids = append(ids, c.ID)
		}
	}
	b := a.backend
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), liveInterval)
		defer cancel()
		usages, err := b.Sample(ctx, ids)
		if rerr := b.Refresh(ctx); err == nil {
			err = rerr
		}
		return usageMsg{gen: gen, usages: usages, err: err}
	}
}

func (a *App) containerRows(st dockerops.State, now time.Time) ([][]string, []string) {
	var rows [][]string
	var ids []string
	for _, c := range st.Containers {
		rows = append(rows, containerCells(c, now, a.usage[c.ID]))
		ids = append(ids, c.ID)
	}
	return rows, ids
}

func (a *App) workerRows(st dockerops.State, _ time.Time) ([][]string, []string) {
	var rows [][]string
	var ids []string
	for _, name := range sortedWorkers(st.Workers) {
		rate, ok := a.rates[name]
		if !ok {
			rate = -1
		}
		rows = append(rows, workerCells(name, st.Workers[name], rate))
		ids = append(ids, name)
	}
	return rows, ids
}

// updateRates derives req/s per web container from the change in Served
// between two snapshots.
func (a *App) updateRates(st dockerops.State, now time.Time) {
	for name, w := range st.Workers {
		if w.Error != "" {
			continue
		}
		if prev, ok := a.served[name]; ok && now.Sub(prev.at) > 100*time.Millisecond && w.Served >= prev.served {
			a.rates[name] = float64(w.Served-prev.served) / now.Sub(prev.at).Seconds()
		}
		a.served[name] = servedAt{w.Served, now}
	}
}

// shell suspends the dashboard and opens a shell in the selected container.
func (a *App) shell() tea.Cmd {
	id := a.containers.Selected()
	if id == "" || a.opt.ShellCommand == nil {
		a.status = "shell: select a running container in the Containers pane"
		return nil
	}
	return tea.ExecProcess(a.opt.ShellCommand(id), func(err error) tea.Msg { return shellDoneMsg{err} })
}

// layout gives each pane its height: the lists take what their rows need
// (within limits), the logs take the rest.
func (a *App) layout() {
	w, h := a.width, a.height
	if w == 0 || h == 0 {
		return
	}
	want := func(p *listPane, most int) int { return min(p.rowsHeight(), most) }
	header, footer, cmd := 2, 1, 3
	cH := want(a.containers, max(3, h/4))
	wH := want(a.workers, 4)
	if len(a.state.ServicesWithRole(dockerops.RoleWeb)) == 0 {
		wH = 0 // no web service: the panel is not shown
	}
	vH := want(a.volumes, 4)
	logsH := h - header - footer - cmd - cH - wH - vH
	if logsH < 4 { // a small terminal: shrink the lists first
		vH, wH = min(vH, 2), min(wH, 2)
		logsH = max(2, h-header-footer-cmd-cH-wH-vH)
	}
	a.containers.SetSize(w, cH)
	a.workers.SetSize(w, wH)
	a.volumes.SetSize(w, vH)
	a.logs.SetSize(w, logsH)
	a.cmdlog.SetSize(w, cmd)
	a.sql.SetSize(w, h-header-footer)
	a.help.SetWidth(w)
	// In screen order, for mouse clicks.
	a.heights = map[Pane]int{a.containers: cH, a.workers: wH, a.volumes: vH, a.cmdlog: cmd, a.logs: logsH}
}

func (a *App) headerView() string {
	st := a.state
	eng := st.Engine.Host
	if st.Engine.Context != "" && st.Engine.Context != "default" {
		eng = st.Engine.Context + " (" + eng + ")"
	}
	engState := a.styles.OK.Render("● Docker " + st.Engine.Version)
	if !st.Engine.Reachable || a.engine != "" {
		engState = a.styles.Bad.Render("● engine unreachable, reconnecting")
	}
	line1 := a.styles.Title.Render("ttsui") + " " + st.Project.Name + "  " + a.styles.Muted.Render("engine") + " " + eng + " " + engState
	files := make([]string, 0, len(st.Project.Files))
	for _, f := range st.Project.Files {
		files = append(files, shortPath(f, st.Project.WorkingDir))
	}
	line2 := a.styles.Muted.Render(truncate("files "+strings.Join(files, ", ")+"  env "+shortPath(st.Project.EnvFile, st.Project.WorkingDir), a.width))
	if a.status != "" {
		line2 = a.styles.Accent.Render(truncate(a.status, a.width))
	}
	if msg := firstNonEmpty(a.engine, st.Engine.Error); msg != "" && (!st.Engine.Reachable || a.engine != "") {
		line2 = a.styles.Bad.Render(truncate(msg, a.width))
	}
	return truncateStyled(line1, a.width) + "\n" + line2
}

// syncWatchLine puts the file watcher's summary into the commands pane's
// title; called from Update when the watch state changes, never from View.
func (a *App) syncWatchLine() {
	a.cmdlog.watchLine = a.watchLine()
}

func (a *App) watchLine() string {
	if a.opt.SubmitWatch == nil {
		return ""
	}
	mode := "auto off"
	if a.auto {
		mode = "auto on"
	}
	line := "watch: " + mode
	if a.lastChange != "" {
		line += " · last: " + a.lastChange
	}
	if a.lastOutcome != "" {
		line += " · " + a.lastOutcome
	}
	return line
}

func shortPath(p, dir string) string {
	if dir != "" && strings.HasPrefix(p, dir+"/") {
		return p[len(dir)+1:]
	}
	return p
}

// truncateStyled keeps a styled line within width; lipgloss measures the
// visible cells and leaves escape codes whole.
func truncateStyled(s string, width int) string {
	return lipgloss.NewStyle().MaxWidth(width).Render(s)
}

func (a *App) sqlHelp() string {
	var b strings.Builder
	b.WriteString(a.styles.Title.Render("SQL pane keys") + "\n\n")
	for i, col := range a.sql.FullHelp() {
		b.WriteString(a.styles.Accent.Render([]string{"Editor", "Areas"}[i]) + "\n")
		for _, k := range col {
			h := k.Help()
			fmt.Fprintf(&b, "  %s %s\n", a.styles.Key.Render(pad(h.Key, 10)), h.Desc)
		}
	}
	b.WriteString("\n" + a.styles.Muted.Render("Results: j/k h/l move, enter row detail. Tables: enter opens, s selects.\nesc closes"))
	return b.String()
}

func (a *App) fullHelp() string {
	var b strings.Builder
	b.WriteString(a.styles.Title.Render("Keys") + "\n\n")
	groups := []string{"Actions", "Navigation", "Logs", "General"}
	for i, col := range a.keys.FullHelp() {
		b.WriteString(a.styles.Accent.Render(groups[i]) + "\n")
		for _, k := range col {
			h := k.Help()
			fmt.Fprintf(&b, "  %s %s\n", a.styles.Key.Render(pad(h.Key, 10)), h.Desc)
		}
	}
	b.WriteString("\n" + a.styles.Muted.Render("esc closes"))
	return b.String()
}

// View renders the screen; with a dialog open it is drawn on a layer above.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "ttsui · " + a.state.Project.Name
	return v
}

func (a *App) render() string {
	if a.width == 0 {
		return "starting…"
	}
	if a.sqlOpen {
		return a.compose(strings.Join([]string{a.headerView(), a.sql.View(), truncateStyled(a.help.ShortHelpView(a.sql.ShortHelp()), a.width)}, "\n"))
	}
	parts := []string{
		a.headerView(),
		a.containers.View(),
	}
	if len(a.state.ServicesWithRole(dockerops.RoleWeb)) > 0 {
		parts = append(parts, a.workers.View())
	}
	parts = append(parts, a.volumes.View(), a.cmdlog.View(), a.logs.View())
	parts = append(parts, truncateStyled(a.help.ShortHelpView(a.keys.ShortHelp()), a.width))
	return a.compose(strings.Join(parts, "\n"))
}

// compose keeps the screen to its height and draws the top dialog over it.
func (a *App) compose(base string) string {
	// Keep to the screen whatever the panes asked for.
	lines := strings.Split(base, "\n")
	if a.height <= 0 {
		return ""
	}
	if len(lines) > a.height {
		lines = append(lines[:a.height-1], lines[len(lines)-1])
	}
	base = strings.Join(lines, "\n")
	if n := len(a.dialogs); n > 0 {
		box := a.dialogs[n-1].view(&a.styles, a.width)
		x := max(0, (a.width-lipgloss.Width(box))/2)
		y := max(0, (a.height-lipgloss.Height(box))/2)
		return lipgloss.NewCompositor(
			lipgloss.NewLayer(base),
			lipgloss.NewLayer(box).X(x).Y(y).Z(1),
		).Render()
	}
	return base
}
