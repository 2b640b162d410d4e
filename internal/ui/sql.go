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

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/logtext"
)

// SQLConnector opens query sessions on the stack's database; the console
// implements it over dockerops.DatabaseLogin and dbops.OpenSession, UI
// tests use a fake.
type SQLConnector interface {
	Connect(ctx context.Context, root bool) (SQLSession, SQLInfo, error)
	// CreateExport opens a new file for an export and says where it is.
	CreateExport(format dbops.Format) (io.WriteCloser, string, error)
	// AddHistory records a statement as it is run, like a shell's history
	// (never one carrying a password: the history refuses those).
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
	RunWrite(ctx context.Context, stmt string, limit int) (dbops.Result, error)
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
	path     string // known once the file exists
	progress dbops.ExportProgress
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
		grid     gridData
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
	sqlExportProgressMsg struct {
		gen  int
		path string
		p    dbops.ExportProgress
	}
	sqlExportDoneMsg struct {
		gen   int
		shown bool // the rows of the grid, not a query on the server
		path  string
		p     dbops.ExportProgress
		err   error
	}
	sqlCancelDoneMsg struct {
		gen int
		err error
	}
	// Dialog answers.
	sqlConfirmedMsg struct {
		stmt    string
		asWrite bool
	}
	sqlDeclinedMsg struct{}
	sqlEndTxMsg    struct{ commit bool }
	sqlExportMsg   struct {
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

// connect drops the current session (whatever it was doing) and dials a
// new one.
func (p *sqlPane) connect(note string) tea.Cmd {
	if p.conn == nil {
		p.state, p.note = connDown, "this console has no database connector"
		return nil
	}
	drop := p.drop()
	gen, root, conn := p.gen, p.root, p.conn
	p.state = connConnecting
	if note != "" {
		p.note = note
	}
	return tea.Batch(drop, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		s, info, err := conn.Connect(ctx, root)
		msg := sqlConnectedMsg{gen: gen, sess: s, info: info, err: err}
		if err == nil {
			msg.database = s.Database()
		}
		return msg
	})
}

// drop forgets the session: replies from it are stale from now on (a new
// generation), whatever it was running is abandoned, and it is closed in
// the background, its statement killed first so the close does not wait
// for it.
func (p *sqlPane) drop() tea.Cmd {
	p.gen++
	old, busy := p.sess, p.running != ""
	p.sess, p.running, p.queue, p.export = nil, "", nil, nil
	if old == nil {
		return nil
	}
	return func() tea.Msg {
		if busy {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			old.Cancel(ctx)
			cancel()
		}
		old.Close()
		return nil
	}
}

// lost marks the connection gone and starts re-dialling if the db runs.
func (p *sqlPane) lost(why string) tea.Cmd {
	if p.inTx {
		why += "; the open transaction was rolled back by the server"
		p.inTx = false
	}
	p.state, p.note, p.attempt, p.downWhy = connDown, why, 0, why
	if p.dbUp {
		return p.connect(why + ": reconnecting…")
	}
	return p.drop()
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
		p.state, p.note = connDown, "the db container is not running: waiting for it to start"
		p.downWhy = "the db container stopped"
		if p.inTx {
			p.note += " (the open transaction was rolled back)"
			p.inTx = false
		}
		return p.drop()
	case wasUp:
		return p.lost("the db container restarted")
	default:
		return p.connect("the db container is running: connecting…")
	}
}

// Update handles the pane's messages (keys come through key).
func (p *sqlPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case sqlConnectedMsg:
		if msg.gen != p.gen {
			if msg.sess != nil {
				s := msg.sess
				return func() tea.Msg { s.Close(); return nil } // a newer dial won
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
		// The session ends the transaction whatever the outcome (a failed
		// COMMIT is rolled back), so the pane does too.
		p.running, p.inTx, p.queue = "", false, nil
		if msg.err != nil {
			p.setMessage(msg.err.Error(), true)
			if errors.Is(msg.err, dbops.ErrConnectionLost) {
				why := "the connection was lost during ROLLBACK (the server rolls back)"
				if msg.commit {
					why = "the connection was lost during COMMIT: whether it committed is unknown, check the data"
				}
				return p.lost(why)
			}
			return nil
		}
		if msg.commit {
			p.setMessage("committed: "+abbreviateSQL(p.inTxStmt, 60), false)
		} else {
			p.setMessage("rolled back: nothing changed", false)
		}
		return tea.Batch(p.loadCatalog(), p.next())
	case sqlCatalogMsg:
		// A catalog read before a USE must not replace the newer one.
		if msg.gen == p.gen && msg.cat.Database == p.database {
			p.schema.set(msg.cat, msg.err)
		}
	case sqlExportProgressMsg:
		if p.export != nil && msg.gen == p.gen {
			p.export.path, p.export.progress = msg.path, msg.p
		}
	case sqlExportDoneMsg:
		if msg.gen != p.gen {
			return nil // the connection it ran on is gone, and was reported
		}
		if !msg.shown {
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
		if msg.err != nil && msg.gen == p.gen {
			p.setMessage(msg.err.Error(), true)
		}
	case sqlConfirmedMsg:
		return p.execAs(msg.stmt, true, msg.asWrite)
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

func (p *sqlPane) setMessage(s string, bad bool) { p.message, p.msgBad = inert(s), bad }

// inert puts text from the server or the user (names, errors, statements)
// on one line with control characters and escape sequences made visible.
func inert(s string) string {
	return logtext.ShowEscapes(strings.Join(strings.Fields(s), " "))
}

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
