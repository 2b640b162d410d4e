package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/dockerops"
)

// SQLConnector opens query sessions on the stack's database; the console
// implements it over dockerops.DatabaseLogin and dbops.OpenSession, UI
// tests use a fake.
type SQLConnector interface {
	Connect(ctx context.Context, root bool) (SQLSession, SQLInfo, error)
	// CreateExport opens a new file for an export and says where it is.
	CreateExport(format dbops.Format) (io.WriteCloser, string, error)
	// AddHistory records a statement that ran (never one carrying a
	// password: the history refuses those).
	AddHistory(stmt string) error
}

// SQLInfo says where a session is connected, for the pane's header.
type SQLInfo struct {
	Server, User, Database string
	Host                   string
	Port                   int
	Source                 string // where the credentials came from
}

// SQLSession is one pinned connection; *dbops.Session implements it.
type SQLSession interface {
	Run(ctx context.Context, stmt string, limit int) (dbops.Result, error)
	RunConfirmed(ctx context.Context, stmt string, limit int) (dbops.Result, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
	Cancel(ctx context.Context) error
	Catalog(ctx context.Context, database string) (dbops.Catalog, error)
	Database() string
	Export(ctx context.Context, stmt string, f dbops.Format, w io.Writer, progress func(dbops.ExportProgress)) (dbops.ExportProgress, error)
	Close() error
}

// SQLKeyMap is the SQL pane's keys. They are control and function keys so
// that every printable key types into the editor.
type SQLKeyMap struct {
	Run, RunAll, Explain, Cancel, Complete, HistoryPrev, HistoryNext key.Binding
	FocusEditor, FocusResults, FocusSchema, Cycle                    key.Binding
	Detail, Select, Refresh, Export, Root, Leave, Help               key.Binding
}

// DefaultSQLKeyMap is the SQL pane's keys.
func DefaultSQLKeyMap() SQLKeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return SQLKeyMap{
		Run: b([]string{"ctrl+r", "f5"}, "ctrl+r", "run statement"), RunAll: b([]string{"ctrl+g", "f6"}, "ctrl+g", "run all"),
		Explain: b([]string{"ctrl+x", "f7"}, "ctrl+x", "explain"), Cancel: b([]string{"ctrl+c"}, "ctrl+c", "cancel"),
		Complete:    b([]string{"tab"}, "tab", "complete"),
		HistoryPrev: b([]string{"alt+up", "ctrl+up"}, "alt+↑", "older"), HistoryNext: b([]string{"alt+down", "ctrl+down"}, "alt+↓", "newer"),
		FocusEditor: b([]string{"f2"}, "f2", "editor"), FocusResults: b([]string{"f3"}, "f3", "results"), FocusSchema: b([]string{"f4"}, "f4", "tables"),
		Cycle:  b([]string{"shift+tab"}, "shift+tab", "next area"),
		Detail: b([]string{"enter"}, "enter", "row detail / open table"), Select: b([]string{"s"}, "s", "SELECT * FROM table"),
		Refresh: b([]string{"ctrl+l"}, "ctrl+l", "reload tables"), Export: b([]string{"ctrl+s"}, "ctrl+s", "export query"),
		Root: b([]string{"ctrl+t"}, "ctrl+t", "app user/root"), Leave: b([]string{"esc"}, "esc", "dashboard"),
		Help: b([]string{"f1"}, "f1", "help"),
	}
}

// connState is where the pane's connection is.
type connState int

const (
	connNone       connState = iota // never asked to connect
	connConnecting                  // a Connect is running
	connUp                          // a session is open
	connDown                        // lost or failed; waiting for the db or a retry
)

// sqlFocus is which area of the pane gets keys.
type sqlFocus int

const (
	focusEditor sqlFocus = iota
	focusResults
	focusSchema
)

// reconnectDelays is the backoff while the database does not answer yet
// (a restarted server takes seconds to accept connections). After the
// last one the pane waits for the next engine event or a key: no polling.
var reconnectDelays = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// DefaultSQLLimit is the display cap: rows beyond it are not fetched.
const DefaultSQLLimit = 1000

// sqlPane is the SQL console: editor, results, tables, and the one
// connection they share.
type sqlPane struct {
	styles *Styles
	keys   SQLKeyMap
	conn   SQLConnector
	limit  int
	send   func(tea.Msg)
	push   func(dialog)

	state    connState
	sess     SQLSession
	info     SQLInfo
	gen      int    // connection generation: replies from older ones are dropped
	root     bool   // connect as root instead of the application user
	note     string // why the connection is down, or what happened to it
	attempt  int
	dbMark   string // the db container's identity (id and start), to see restarts
	dbUp     bool
	dbHealth string
	downWhy  string // why the last session was lost, said once reconnected
	inTx     bool   // a confirmed write awaits commit or rollback
	database string // the session's current database, as last reported
	inTxStmt string

	editor  textarea.Model
	history []string
	histPos int // len(history) when not browsing
	draft   string
	comp    dbops.Completion
	compPos int // -1 when no candidate is applied yet

	grid     resultGrid
	schema   schemaBrowser
	focus    sqlFocus
	message  string // the last statement's outcome line
	msgBad   bool
	running  string // the statement running, "" when idle
	started  time.Time
	queue    []string // statements of a run-all still to go
	export   *exportState
	resultOf string // the statement the grid shows

	width, height int
}

// exportState is an export in flight.
type exportState struct {
	path     string
	progress dbops.ExportProgress
	cancel   context.CancelFunc
}

// Messages of the SQL pane; gen ties a reply to the connection it came from.
type (
	sqlConnectedMsg struct {
		gen      int
		sess     SQLSession
		info     SQLInfo
		database string // the session's current database
		err      error
	}
	sqlRetryMsg  struct{ gen, attempt int }
	sqlResultMsg struct {
		gen      int
		stmt     string
		res      dbops.Result
		err      error
		tx       bool   // ran as a confirmed write: a transaction is open
		database string // the session's current database after it
	}
	sqlTxDoneMsg struct {
		gen    int
		commit bool
		err    error
	}
	sqlCatalogMsg struct {
		gen int
		cat dbops.Catalog
		err error
	}
	sqlExportProgressMsg struct{ p dbops.ExportProgress }
	sqlExportDoneMsg     struct {
		path string
		p    dbops.ExportProgress
		err  error
	}
	sqlCancelDoneMsg struct{ err error }
	// Dialog answers.
	sqlConfirmedMsg struct{ stmt string }
	sqlDeclinedMsg  struct{}
	sqlEndTxMsg     struct{ commit bool }
	sqlExportMsg    struct {
		format dbops.Format
		shown  bool // the rows in the grid rather than the whole query
	}
	sqlRootMsg struct{ root bool }
)

func newSQLPane(st *Styles, conn SQLConnector, limit int, history []string, send func(tea.Msg), push func(dialog)) *sqlPane {
	if limit <= 0 {
		limit = DefaultSQLLimit
	}
	ed := textarea.New()
	ed.ShowLineNumbers = true
	ed.Prompt = ""
	ed.MaxHeight = 0 // a pasted script of any length
	ed.CharLimit = 0
	ed.Placeholder = "SELECT … ; ctrl+r runs the statement under the cursor"
	es := ed.Styles()
	es.Cursor.Blink = false // a blinking cursor would redraw an idle screen
	ed.SetStyles(es)
	ed.Focus()
	p := &sqlPane{styles: st, keys: DefaultSQLKeyMap(), conn: conn, limit: limit, send: send, push: push,
		editor: ed, history: history, histPos: len(history), compPos: -1}
	p.grid.empty = "Results appear here."
	return p
}

// open is called when the pane is shown: connect the first time.
func (p *sqlPane) open() tea.Cmd {
	if p.state == connNone || p.state == connDown && p.dbUp {
		return p.connect("")
	}
	return nil
}

// connect closes any session and dials a new one.
func (p *sqlPane) connect(note string) tea.Cmd {
	if p.conn == nil {
		p.state, p.note = connDown, "this console has no database connector"
		return nil
	}
	p.gen++
	gen, root, conn, old := p.gen, p.root, p.conn, p.sess
	p.sess, p.state = nil, connConnecting
	if note != "" {
		p.note = note
	}
	return func() tea.Msg {
		if old != nil {
			old.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		s, info, err := conn.Connect(ctx, root)
		msg := sqlConnectedMsg{gen: gen, sess: s, info: info, err: err}
		if err == nil {
			msg.database = s.Database()
		}
		return msg
	}
}

// lost marks the connection gone and starts re-dialling if the db runs.
func (p *sqlPane) lost(why string) tea.Cmd {
	if p.inTx {
		why += "; the open transaction was rolled back by the server"
		p.inTx = false
	}
	p.state, p.note, p.attempt, p.downWhy = connDown, why, 0, why
	p.running, p.queue = "", nil
	if p.dbUp {
		return p.connect(why + ": reconnecting…")
	}
	return nil
}

// dbChanged follows the db container through engine events: a restart or
// re-creation drops the session and re-dials once the container runs.
func (p *sqlPane) dbChanged(st dockerops.State) tea.Cmd {
	mark, up, health := "", false, ""
	if dbs := st.ServicesWithRole(dockerops.RoleDB); len(dbs) > 0 {
		for _, c := range st.ContainersOf(dbs[0]) {
			if c.State == "running" {
				mark, up, health = c.ID+"@"+c.StartedAt.String(), true, c.Health
			}
		}
	}
	changed := mark != p.dbMark
	healthChanged := health != p.dbHealth
	wasUp := p.dbUp
	p.dbMark, p.dbUp, p.dbHealth = mark, up, health
	if p.state == connNone {
		return nil
	}
	if !changed {
		// A server that refused us while starting is worth another try
		// when its healthcheck says it is ready.
		if healthChanged && up && p.state == connDown {
			p.attempt = 0
			return p.connect("")
		}
		return nil
	}
	switch {
	case !up:
		p.gen++ // replies from the old session are stale now
		old := p.sess
		p.sess = nil
		p.state, p.note = connDown, "the db container is not running: waiting for it to start"
		p.downWhy = "the db container stopped"
		if p.inTx {
			p.note += " (the open transaction was rolled back)"
			p.inTx = false
		}
		p.running, p.queue = "", nil
		return closeSession(old)
	case wasUp:
		return p.lost("the db container restarted")
	default:
		return p.connect("the db container is running: connecting…")
	}
}

func closeSession(s SQLSession) tea.Cmd {
	if s == nil {
		return nil
	}
	return func() tea.Msg { s.Close(); return nil }
}

// Update handles the pane's messages (keys come through key).
func (p *sqlPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case sqlConnectedMsg:
		if msg.gen != p.gen {
			if msg.sess != nil {
				return closeSession(msg.sess)
			}
			return nil
		}
		if msg.err != nil {
			p.state = connDown
			p.note = "cannot connect: " + msg.err.Error()
			if p.dbUp && p.attempt < len(reconnectDelays) {
				d, gen, attempt := reconnectDelays[p.attempt], p.gen, p.attempt+1
				p.attempt++
				p.note += fmt.Sprintf(" (retrying in %s)", d)
				return tea.Tick(d, func(time.Time) tea.Msg { return sqlRetryMsg{gen: gen, attempt: attempt} })
			}
			if p.dbUp {
				p.note += " (ctrl+r to retry)"
			}
			return nil
		}
		p.sess, p.info, p.state, p.attempt, p.database = msg.sess, msg.info, connUp, 0, msg.database
		p.note = ""
		if p.downWhy != "" {
			p.note = "reconnected after: " + p.downWhy
			p.downWhy = ""
		}
		p.schema.loading = true
		return p.loadCatalog()
	case sqlRetryMsg:
		if msg.gen == p.gen && p.state == connDown && p.dbUp {
			return p.connect("")
		}
	case sqlResultMsg:
		if msg.gen != p.gen {
			return nil
		}
		return p.result(msg)
	case sqlTxDoneMsg:
		if msg.gen != p.gen {
			return nil
		}
		p.running = ""
		if msg.err != nil {
			p.setMessage("transaction: "+msg.err.Error(), true)
			if errors.Is(msg.err, dbops.ErrConnectionLost) {
				return p.lost("connection lost")
			}
			return nil
		}
		p.inTx = false
		if msg.commit {
			p.setMessage("committed: "+abbreviateSQL(p.inTxStmt, 60), false)
		} else {
			p.setMessage("rolled back: nothing changed", false)
		}
		return tea.Batch(p.loadCatalog(), p.next())
	case sqlCatalogMsg:
		if msg.gen == p.gen {
			p.schema.set(msg.cat, msg.err)
		}
	case sqlExportProgressMsg:
		if p.export != nil {
			p.export.progress = msg.p
		}
	case sqlExportDoneMsg:
		if p.export != nil {
			p.export, p.running = nil, ""
		}
		switch {
		case errors.Is(msg.err, dbops.ErrConnectionLost):
			p.setMessage("export stopped: "+msg.err.Error(), true)
			return p.lost("connection lost")
		case msg.err != nil:
			p.setMessage(fmt.Sprintf("export to %s stopped after %d rows: %v", msg.path, msg.p.Rows, msg.err), true)
		default:
			p.setMessage(fmt.Sprintf("exported %d rows (%s) to %s in %s", msg.p.Rows, humanBytes(msg.p.Bytes), msg.path, msg.p.Elapsed.Round(time.Millisecond)), false)
		}
	case sqlCancelDoneMsg:
		if msg.err != nil {
			p.setMessage(msg.err.Error(), true)
		}
	case sqlConfirmedMsg:
		return p.exec(msg.stmt, true)
	case sqlDeclinedMsg:
		p.queue = nil
		p.setMessage("not run", false)
	case sqlEndTxMsg:
		return p.endTx(msg.commit)
	case sqlExportMsg:
		if msg.shown {
			return p.exportShown(msg.format)
		}
		return p.startExport(msg.format)
	case sqlRootMsg:
		p.root = msg.root
		who := "the application user"
		if p.root {
			who = "root"
		}
		return p.connect("switching to " + who + "…")
	}
	return nil
}

func (p *sqlPane) setMessage(s string, bad bool) { p.message, p.msgBad = s, bad }

func (p *sqlPane) loadCatalog() tea.Cmd {
	if p.sess == nil {
		return nil
	}
	s, gen, db := p.sess, p.gen, p.database
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cat, err := s.Catalog(ctx, db)
		return sqlCatalogMsg{gen: gen, cat: cat, err: err}
	}
}

// key handles a key while the pane is shown; leave says go back to the
// dashboard.
func (p *sqlPane) key(msg tea.KeyPressMsg) (cmd tea.Cmd, leave bool) {
	k := p.keys
	if !key.Matches(msg, k.Complete) {
		p.comp, p.compPos = dbops.Completion{}, -1
	}
	switch {
	case key.Matches(msg, k.Leave):
		return nil, true
	case key.Matches(msg, k.Cancel):
		return p.cancel(), false
	case key.Matches(msg, k.Run):
		return p.runAtCursor(""), false
	case key.Matches(msg, k.RunAll):
		return p.runAll(), false
	case key.Matches(msg, k.Explain):
		return p.runAtCursor("EXPLAIN "), false
	case key.Matches(msg, k.Export):
		return p.askExport(), false
	case key.Matches(msg, k.Root):
		if p.inTx {
			p.setMessage("commit or roll back first", true)
			return nil, false
		}
		if p.root {
			return func() tea.Msg { return sqlRootMsg{root: false} }, false
		}
		p.push(&confirmDialog{text: "Connect as root?\nThe session stays read-only; writes still ask first.", onYes: msgAction{sqlRootMsg{root: true}}})
		return nil, false
	case key.Matches(msg, k.Refresh):
		p.schema.loading = true
		return p.loadCatalog(), false
	case key.Matches(msg, k.FocusEditor):
		p.setFocus(focusEditor)
		return nil, false
	case key.Matches(msg, k.FocusResults):
		p.setFocus(focusResults)
		return nil, false
	case key.Matches(msg, k.FocusSchema):
		p.setFocus(focusSchema)
		return nil, false
	case key.Matches(msg, k.Cycle) || p.focus != focusEditor && key.Matches(msg, k.Complete):
		p.setFocus((p.focus + 1) % 3)
		return nil, false
	}
	switch p.focus {
	case focusResults:
		p.gridKey(msg)
		return nil, false
	case focusSchema:
		return p.schemaKey(msg), false
	}
	switch {
	case key.Matches(msg, k.Complete):
		p.complete()
		return nil, false
	case key.Matches(msg, k.HistoryPrev):
		p.browseHistory(-1)
		return nil, false
	case key.Matches(msg, k.HistoryNext):
		p.browseHistory(1)
		return nil, false
	}
	var c tea.Cmd
	p.editor, c = p.editor.Update(msg)
	return c, false
}

// Paste goes to the editor whatever the focus.
func (p *sqlPane) paste(msg tea.PasteMsg) tea.Cmd {
	p.setFocus(focusEditor)
	var c tea.Cmd
	p.editor, c = p.editor.Update(msg)
	return c
}

func (p *sqlPane) setFocus(f sqlFocus) {
	p.focus = f
	p.grid.focused = f == focusResults
	p.schema.focused = f == focusSchema
	if f == focusEditor {
		p.editor.Focus()
	} else {
		p.editor.Blur()
	}
}

func (p *sqlPane) gridKey(msg tea.KeyPressMsg) {
	page := max(1, p.gridHeight()-1)
	switch msg.String() {
	case "j", "down":
		p.grid.move(1, 0)
	case "k", "up":
		p.grid.move(-1, 0)
	case "l", "right":
		p.grid.move(0, 1)
	case "h", "left":
		p.grid.move(0, -1)
	case "pgdown", "ctrl+d", "space":
		p.grid.move(page, 0)
	case "pgup", "ctrl+u":
		p.grid.move(-page, 0)
	case "g", "home":
		p.grid.home()
	case "G", "end":
		p.grid.end()
	case "0", "^":
		p.grid.start()
	case "$":
		p.grid.last()
	case "enter":
		if p.grid.hasRows() {
			p.push(&detailDialog{title: fmt.Sprintf("Row %d of %d", p.grid.row+1, len(p.grid.cells)), lines: p.grid.detailLines(p.styles, min(120, p.width-8)), height: max(5, p.height-6)})
		}
	}
}

// wheel scrolls the results (or the tables when they have focus).
func (p *sqlPane) wheel(up bool) {
	d := 3
	if up {
		d = -3
	}
	if p.focus == focusSchema {
		p.schema.move(d)
		return
	}
	p.grid.move(d, 0)
}

func (p *sqlPane) schemaKey(msg tea.KeyPressMsg) tea.Cmd {
	if db := p.schema.selectedDatabase(); db != "" && msg.String() == "enter" {
		if !p.ready() {
			return nil
		}
		return p.exec("USE "+quoteIdent(db), false)
	}
	switch msg.String() {
	case "j", "down":
		p.schema.move(1)
	case "k", "up":
		p.schema.move(-1)
	case "g", "home":
		p.schema.move(-len(p.schema.lines))
	case "G", "end":
		p.schema.move(len(p.schema.lines))
	case "enter", "l", "right", "h", "left":
		p.schema.toggle()
	case "s":
		if t := p.schema.selected(); t != "" {
			p.editor.SetValue(fmt.Sprintf("SELECT * FROM %s LIMIT 100;", quoteIdent(t)))
			p.setFocus(focusEditor)
		}
	}
	return nil
}

// quoteIdent backquotes a name when it is not a plain identifier.
func quoteIdent(s string) string {
	plain := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			plain = false
		}
	}
	if plain && !(s[0] >= '0' && s[0] <= '9') {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// cursorOffset is the editor cursor as a byte offset into its value.
func (p *sqlPane) cursorOffset() int {
	lines := strings.Split(p.editor.Value(), "\n")
	row := min(p.editor.Line(), len(lines)-1)
	off := 0
	for i := 0; i < row; i++ {
		off += len(lines[i]) + 1
	}
	r := []rune(lines[row])
	return off + len(string(r[:min(p.editor.Column(), len(r))]))
}

// complete applies tab completion: one candidate is inserted, several are
// listed and tab again cycles through them.
func (p *sqlPane) complete() {
	if p.compPos >= 0 && len(p.comp.Items) > 1 {
		// Cycle: replace the candidate inserted last with the next one.
		prev := p.comp.Items[p.compPos]
		p.compPos = (p.compPos + 1) % len(p.comp.Items)
		p.replaceWord(prev, p.comp.Items[p.compPos])
		return
	}
	var cat dbops.Catalog
	if p.schema.err == "" {
		cat = p.schema.cat
	}
	c := dbops.Complete(p.editor.Value(), p.cursorOffset(), cat)
	switch len(c.Items) {
	case 0:
		p.comp = dbops.Completion{}
		p.editor.InsertString("  ") // tab with nothing to complete indents
	case 1:
		p.replaceWord(c.Prefix, c.Items[0])
	default:
		p.comp, p.compPos = c, 0
		p.replaceWord(c.Prefix, c.Items[0])
	}
}

// replaceWord deletes old before the cursor and inserts word.
func (p *sqlPane) replaceWord(old, word string) {
	for range []rune(old) {
		p.editor, _ = p.editor.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	p.editor.InsertString(word)
}

func (p *sqlPane) browseHistory(d int) {
	if len(p.history) == 0 {
		p.setMessage("no history yet", false)
		return
	}
	if p.histPos == len(p.history) {
		p.draft = p.editor.Value()
	}
	p.histPos = max(0, min(len(p.history), p.histPos+d))
	if p.histPos == len(p.history) {
		p.editor.SetValue(p.draft)
		return
	}
	p.editor.SetValue(p.history[p.histPos])
	p.setMessage(fmt.Sprintf("history %d of %d", p.histPos+1, len(p.history)), false)
}

// ready says whether a statement may start now, and if not says why.
func (p *sqlPane) ready() bool {
	switch {
	case p.running != "" || p.export != nil:
		p.setMessage("a statement is running: ctrl+c cancels it", true)
	case p.state == connConnecting:
		p.setMessage("connecting…", true)
	case p.state != connUp:
		if p.dbUp || p.state == connNone {
			p.attempt = 0
			return false
		}
		p.setMessage("not connected: "+p.note, true)
	default:
		return true
	}
	return false
}

// runAtCursor runs the statement under the cursor, prefixed (EXPLAIN).
func (p *sqlPane) runAtCursor(prefix string) tea.Cmd {
	if p.state == connDown && p.dbUp || p.state == connNone {
		return p.connect("connecting…")
	}
	if !p.ready() {
		return nil
	}
	stmts := dbops.Split(p.editor.Value())
	if len(stmts) == 0 {
		p.setMessage("nothing to run", true)
		return nil
	}
	at := p.cursorOffset()
	pick := stmts[0]
	for _, s := range stmts {
		if s.Start <= at {
			pick = s
		}
	}
	return p.exec(prefix+pick.Text, false)
}

// runAll runs every statement of the editor in order, stopping at the first
// error or declined confirmation.
func (p *sqlPane) runAll() tea.Cmd {
	if p.state == connDown && p.dbUp || p.state == connNone {
		return p.connect("connecting…")
	}
	if !p.ready() {
		return nil
	}
	stmts := dbops.Split(p.editor.Value())
	if len(stmts) == 0 {
		p.setMessage("nothing to run", true)
		return nil
	}
	p.queue = nil
	for _, s := range stmts[1:] {
		p.queue = append(p.queue, s.Text)
	}
	return p.exec(stmts[0].Text, false)
}

// next runs the next queued statement, if any.
func (p *sqlPane) next() tea.Cmd {
	if len(p.queue) == 0 || p.inTx {
		return nil
	}
	s := p.queue[0]
	p.queue = p.queue[1:]
	return p.exec(s, false)
}

// exec runs one statement, asking first when it writes, changes schema or
// administers (unless confirmed already).
func (p *sqlPane) exec(stmt string, confirmed bool) tea.Cmd {
	if p.sess == nil {
		p.setMessage("not connected: "+p.note, true)
		return nil
	}
	cl := dbops.Classify(stmt)
	if cl.NeedsConfirmation() && !confirmed {
		p.push(&confirmDialog{text: confirmText(cl, stmt), onYes: msgAction{sqlConfirmedMsg{stmt: stmt}}, onNo: msgAction{sqlDeclinedMsg{}}})
		return nil
	}
	p.running, p.started = stmt, time.Now()
	p.setMessage("running…", false)
	s, gen, limit, conn := p.sess, p.gen, p.limit, p.conn
	record := func() {
		if conn != nil {
			conn.AddHistory(stmt) // a history that cannot be written is not worth failing the statement
		}
	}
	p.addToMemory(stmt)
	return func() tea.Msg {
		record()
		ctx := context.Background()
		var res dbops.Result
		var err error
		if confirmed {
			res, err = s.RunConfirmed(ctx, stmt, limit)
		} else {
			res, err = s.Run(ctx, stmt, limit)
		}
		// Read here, on the goroutine that ran the statement: the session
		// is not safe to read from the UI while another statement runs.
		return sqlResultMsg{gen: gen, stmt: stmt, res: res, err: err, tx: confirmed && cl == dbops.Write && err == nil, database: s.Database()}
	}
}

// addToMemory keeps the in-memory history in step with the file, with the
// same refusal of statements carrying passwords.
func (p *sqlPane) addToMemory(stmt string) {
	stmt = strings.TrimSpace(stmt)
	if stmt == "" || dbops.ContainsSecret(stmt) || len(p.history) > 0 && p.history[len(p.history)-1] == stmt {
		p.histPos = len(p.history)
		return
	}
	p.history = append(p.history, stmt)
	if len(p.history) > 1000 {
		p.history = p.history[len(p.history)-1000:]
	}
	p.histPos = len(p.history)
}

func confirmText(cl dbops.Class, stmt string) string {
	var why string
	switch cl {
	case dbops.Write:
		why = "This statement writes. It runs in a transaction; you then see the\nrows affected and choose to commit or roll back."
	case dbops.Schema:
		why = "This statement changes the schema. The server commits it at once:\nit cannot be rolled back."
	default:
		why = "This statement administers the server (users, locks, processes).\nIt takes effect at once."
	}
	return fmt.Sprintf("Run this %s statement?\n\n  %s\n\n%s", cl, abbreviateSQL(stmt, 70), why)
}

// abbreviateSQL puts a statement on one line of at most n characters.
func abbreviateSQL(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (p *sqlPane) result(msg sqlResultMsg) tea.Cmd {
	p.running = ""
	took := time.Since(p.started).Round(100 * time.Microsecond)
	if msg.err != nil {
		p.queue = nil
		switch {
		case errors.Is(msg.err, dbops.ErrConnectionLost):
			p.setMessage("not completed: "+msg.err.Error(), true)
			return p.lost("the connection was lost")
		case errors.Is(msg.err, dbops.ErrCancelled):
			p.setMessage(fmt.Sprintf("cancelled after %s: %v", took, msg.err), true)
		default:
			p.setMessage(fmt.Sprintf("error: %v", msg.err), true)
		}
		return nil
	}
	if strings.HasPrefix(p.note, "reconnected") {
		p.note = ""
	}
	p.database = msg.database
	r := msg.res
	warn := ""
	if r.Warnings > 0 {
		warn = fmt.Sprintf(" · %d warning(s): SHOW WARNINGS", r.Warnings)
	}
	if len(r.Columns) > 0 {
		p.grid.set(r)
		p.resultOf = msg.stmt
		more := ""
		if r.More {
			more = fmt.Sprintf(" (more exist: the first %d are shown; ctrl+s exports all)", p.limit)
		}
		p.setMessage(fmt.Sprintf("%d row(s)%s in %s%s", len(r.Rows), more, r.Elapsed.Round(100*time.Microsecond), warn), false)
	} else {
		p.setMessage(fmt.Sprintf("%d row(s) affected in %s%s", r.Affected, r.Elapsed.Round(100*time.Microsecond), warn), false)
	}
	var cmds []tea.Cmd
	if msg.tx {
		p.inTx, p.inTxStmt = true, msg.stmt
		p.push(&txDialog{affected: r.Affected, warnings: r.Warnings, stmt: abbreviateSQL(msg.stmt, 70)})
		return nil
	}
	if cl := dbops.Classify(msg.stmt); cl == dbops.Schema || cl == dbops.SessionVar {
		cmds = append(cmds, p.loadCatalog()) // a new table or database
	}
	cmds = append(cmds, p.next())
	return tea.Batch(cmds...)
}

func (p *sqlPane) endTx(commit bool) tea.Cmd {
	if p.sess == nil || !p.inTx {
		return nil
	}
	s, gen := p.sess, p.gen
	p.running = "COMMIT"
	if !commit {
		p.running = "ROLLBACK"
		p.queue = nil
	}
	return func() tea.Msg {
		ctx := context.Background()
		var err error
		if commit {
			err = s.Commit(ctx)
		} else {
			err = s.Rollback(ctx)
		}
		return sqlTxDoneMsg{gen: gen, commit: commit, err: err}
	}
}

// cancel stops the running statement or export for real (KILL QUERY).
func (p *sqlPane) cancel() tea.Cmd {
	if p.export != nil {
		p.export.cancel()
		p.setMessage("cancelling the export…", false)
	}
	if p.running == "" || p.sess == nil {
		if p.export == nil {
			p.setMessage("nothing is running", false)
		}
		return nil
	}
	p.setMessage("cancelling…", false)
	s := p.sess
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return sqlCancelDoneMsg{err: s.Cancel(ctx)}
	}
}

func (p *sqlPane) askExport() tea.Cmd {
	if !p.ready() {
		return nil
	}
	stmt := p.resultOf
	if stmt == "" {
		p.setMessage("run a query first: ctrl+s exports the query behind the results", true)
		return nil
	}
	if dbops.Classify(stmt) != dbops.Read {
		p.setMessage("only a read statement can be exported", true)
		return nil
	}
	p.push(&exportDialog{stmt: abbreviateSQL(stmt, 70), shown: len(p.grid.res.Rows)})
	return nil
}

// exportShown writes the rows in the grid (already in memory) to a file.
func (p *sqlPane) exportShown(f dbops.Format) tea.Cmd {
	w, path, err := p.conn.CreateExport(f)
	if err != nil {
		p.setMessage("export: "+err.Error(), true)
		return nil
	}
	res := p.grid.res // never modified once set: safe to read elsewhere
	p.setMessage("writing "+path+"…", false)
	return func() tea.Msg {
		start := time.Now()
		var pr dbops.ExportProgress
		rw, err := dbops.NewRowWriter(w, f, res.Columns, res.Binary)
		for i := 0; err == nil && i < len(res.Rows); i++ {
			if err = rw.Write(res.Rows[i]); err == nil {
				pr.Rows++
			}
		}
		if err == nil {
			err = rw.Flush()
		}
		if cerr := w.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if rw != nil {
			pr.Bytes = rw.Bytes
		}
		pr.Elapsed = time.Since(start)
		return sqlExportDoneMsg{path: path, p: pr, err: err}
	}
}

// startExport streams the whole query behind the results to a new file,
// with progress; nothing of it is kept in memory.
func (p *sqlPane) startExport(f dbops.Format) tea.Cmd {
	if !p.ready() {
		return nil
	}
	w, path, err := p.conn.CreateExport(f)
	if err != nil {
		p.setMessage("export: "+err.Error(), true)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.export = &exportState{path: path, cancel: cancel}
	p.running, p.started = "export", time.Now()
	p.setMessage("exporting to "+path+"…", false)
	s, stmt, send := p.sess, p.resultOf, p.send
	return func() tea.Msg {
		defer cancel()
		// Cancelling the context alone would leave the server producing
		// rows: kill the query on it as well.
		stop := context.AfterFunc(ctx, func() {
			cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer ccancel()
			s.Cancel(cctx)
		})
		defer stop()
		pr, err := s.Export(ctx, stmt, f, w, func(pr dbops.ExportProgress) { send(sqlExportProgressMsg{p: pr}) })
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", path, cerr)
		}
		return sqlExportDoneMsg{path: path, p: pr, err: err}
	}
}

func (p *sqlPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.editor.SetWidth(p.mainWidth())
	p.editor.SetHeight(p.editorHeight())
}

func (p *sqlPane) schemaWidth() int {
	if p.width < 80 {
		return 0
	}
	return min(40, p.width/4)
}

func (p *sqlPane) mainWidth() int {
	if sw := p.schemaWidth(); sw > 0 {
		return p.width - sw - 1
	}
	return p.width
}

func (p *sqlPane) editorHeight() int { return max(3, min(12, p.height/3)) }

// gridHeight is what is left for the results: the pane less the status
// line, the editor and its title, the completion line and the results title.
func (p *sqlPane) gridHeight() int {
	return max(2, p.height-1-p.editorHeight()-1-1-1)
}

func (p *sqlPane) statusLine() string {
	st := p.styles
	var conn string
	switch p.state {
	case connUp:
		db := p.database
		mode := "read-only"
		if p.inTx {
			mode = st.Warn.Render("transaction open")
		}
		conn = st.OK.Render("●") + fmt.Sprintf(" %s · %s@%s:%d · db %s · %s", p.info.Server, p.info.User, p.info.Host, p.info.Port, firstNonEmpty(db, "(none)"), mode)
		if p.note != "" {
			conn += " · " + st.Accent.Render(p.note)
		}
	case connConnecting:
		conn = st.Warn.Render("● " + firstNonEmpty(p.note, "connecting…"))
	case connDown:
		conn = st.Bad.Render("● " + firstNonEmpty(p.note, "not connected"))
	default:
		conn = st.Muted.Render("● not connected")
	}
	return truncateStyled(conn, p.width)
}

func (p *sqlPane) View() string {
	st := p.styles
	mw := p.mainWidth()
	var main []string
	edTitle := st.PaneTitle
	if p.focus == focusEditor {
		edTitle = st.PaneTitleFocused
	}
	main = append(main, edTitle.Render(pad("SQL", mw)))
	edLines := strings.Split(p.editor.View(), "\n")
	for i := 0; i < p.editorHeight(); i++ {
		l := ""
		if i < len(edLines) {
			l = edLines[i]
		}
		main = append(main, truncateStyled(l, mw)+strings.Repeat(" ", max(0, mw-lipgloss.Width(l))))
	}
	// The completion candidates, or the outcome of the last statement.
	switch {
	case len(p.comp.Items) > 1:
		var b strings.Builder
		for i, it := range p.comp.Items {
			if i == p.compPos {
				b.WriteString(st.Highlight.Render(it) + " ")
			} else {
				b.WriteString(it + " ")
			}
		}
		main = append(main, truncateStyled(b.String(), mw))
	case p.export != nil:
		pr := p.export.progress
		main = append(main, st.Accent.Render(pad(fmt.Sprintf("exporting to %s: %d rows, %s · ctrl+c stops", p.export.path, pr.Rows, humanBytes(pr.Bytes)), mw)))
	case p.running != "":
		main = append(main, st.Warn.Render(pad("running: "+abbreviateSQL(p.running, mw-30)+" · ctrl+c cancels", mw)))
	case p.msgBad:
		main = append(main, st.Bad.Render(pad(p.message, mw)))
	default:
		main = append(main, st.Muted.Render(pad(p.message, mw)))
	}
	resTitle := st.PaneTitle
	if p.focus == focusResults {
		resTitle = st.PaneTitleFocused
	}
	title := "Results"
	if p.grid.hasRows() {
		title = fmt.Sprintf("Results (%d/%d, column %d/%d)", p.grid.row+1, len(p.grid.cells), p.grid.col+1, len(p.grid.widths))
	}
	main = append(main, resTitle.Render(pad(title, mw)))
	main = append(main, p.grid.view(st, mw, p.gridHeight())...)
	for len(main) < p.height-1 {
		main = append(main, strings.Repeat(" ", mw))
	}
	main = main[:max(0, p.height-1)]
	if sw := p.schemaWidth(); sw > 0 {
		side := p.schema.view(st, sw, p.height-1)
		for i := range main {
			s := strings.Repeat(" ", sw)
			if i < len(side) {
				s = side[i]
			}
			main[i] = main[i] + st.Muted.Render("│") + s
		}
	}
	return p.statusLine() + "\n" + strings.Join(main, "\n")
}

// ShortHelp is the footer while the pane is shown.
func (p *sqlPane) ShortHelp() []key.Binding {
	k := p.keys
	switch p.focus {
	case focusResults:
		return []key.Binding{k.Leave, k.Detail, k.FocusEditor, k.FocusSchema, k.Export, k.Cancel}
	case focusSchema:
		return []key.Binding{k.Leave, k.Select, k.Detail, k.Refresh, k.FocusEditor}
	}
	return []key.Binding{k.Help, k.Leave, k.Run, k.RunAll, k.Explain, k.Complete, k.HistoryPrev, k.Cancel, k.Export, k.Root, k.Cycle}
}

// FullHelp is the pane's part of the ? overlay.
func (p *sqlPane) FullHelp() [][]key.Binding {
	k := p.keys
	return [][]key.Binding{
		{k.Run, k.RunAll, k.Explain, k.Cancel, k.Complete, k.HistoryPrev, k.HistoryNext},
		{k.FocusEditor, k.FocusResults, k.FocusSchema, k.Cycle, k.Detail, k.Select, k.Refresh, k.Export, k.Root, k.Help, k.Leave},
	}
}
