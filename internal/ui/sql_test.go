package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tts-portal/ttsui/internal/dbops"
)

// fakeSQL is a connector and its sessions for the pane's UI logic; the real
// ones are exercised against MariaDB in dbops and in e2e/sqlpane_test.go.
type fakeSQL struct {
	mu       sync.Mutex
	calls    []string
	connects int
	connErr  error
	runErr   error
	result   func(stmt string) dbops.Result
	export   bytes.Buffer
	history  []string
	block    chan struct{} // when set, Run waits on it (a long statement)
}

func (f *fakeSQL) log(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeSQL) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeSQL) Connect(_ context.Context, root bool) (SQLSession, SQLInfo, error) {
	f.mu.Lock()
	f.connects++
	err := f.connErr
	f.mu.Unlock()
	f.log(fmt.Sprintf("connect root=%v", root))
	if err != nil {
		return nil, SQLInfo{}, err
	}
	user := "tts@%"
	if root {
		user = "root@%"
	}
	return &fakeSession{f: f}, SQLInfo{Server: "10.11.6-MariaDB", User: user, Database: "tts", Host: "127.0.0.1", Port: 3306, Source: "container env"}, nil
}

func (f *fakeSQL) CreateExport(format dbops.Format) (io.WriteCloser, string, error) {
	return nopCloser{&f.export}, "exports/x." + string(format), nil
}

func (f *fakeSQL) AddHistory(stmt string) error { f.log("history " + stmt); return nil }

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

type fakeSession struct{ f *fakeSQL }

func (s *fakeSession) Run(ctx context.Context, stmt string, limit int) (dbops.Result, error) {
	s.f.log("run " + stmt)
	if s.f.block != nil {
		<-s.f.block
		return dbops.Result{}, fmt.Errorf("%w: Query execution was interrupted", dbops.ErrCancelled)
	}
	if s.f.runErr != nil {
		return dbops.Result{}, s.f.runErr
	}
	if s.f.result != nil {
		return s.f.result(stmt), nil
	}
	return dbops.Result{Columns: []string{"n"}, Binary: []bool{false}, Rows: [][]dbops.Cell{{{Bytes: []byte("1")}}}}, nil
}
func (s *fakeSession) RunConfirmed(ctx context.Context, stmt string, limit int) (dbops.Result, error) {
	s.f.log("confirmed " + stmt)
	return dbops.Result{Affected: 3}, nil
}
func (s *fakeSession) RunWrite(ctx context.Context, stmt string, limit int) (dbops.Result, error) {
	s.f.log("write " + stmt)
	return dbops.Result{Affected: 1}, nil
}
func (s *fakeSession) Commit(context.Context) error   { s.f.log("commit"); return nil }
func (s *fakeSession) Rollback(context.Context) error { s.f.log("rollback"); return nil }
func (s *fakeSession) Cancel(context.Context) error {
	s.f.log("cancel")
	if s.f.block != nil {
		close(s.f.block)
	}
	return nil
}
func (s *fakeSession) Catalog(context.Context, string) (dbops.Catalog, error) {
	return dbops.Catalog{Database: "tts", Databases: []string{"tts"}, Tables: []dbops.Table{
		{Name: "users", Rows: 1200, DataBytes: 16384, Columns: []dbops.Column{{Name: "id", Type: "int", Key: "PRI"}, {Name: "email", Type: "varchar(255)"}},
			Indexes: []dbops.Index{{Name: "PRIMARY", Unique: true, Columns: []string{"id"}}}},
		{Name: "sessions", Rows: 5},
	}}, nil
}
func (s *fakeSession) Database() string { return "tts" }
func (s *fakeSession) Export(_ context.Context, stmt string, f dbops.Format, w io.Writer, progress func(dbops.ExportProgress)) (dbops.ExportProgress, error) {
	s.f.log("export " + string(f) + " " + stmt)
	io.WriteString(w, "n\n1\n")
	p := dbops.ExportProgress{Rows: 1, Bytes: 4}
	progress(p)
	return p, nil
}
func (s *fakeSession) Close() error { s.f.log("close"); return nil }

// newSQLApp opens the SQL pane on a fake connector and runs its connect.
func newSQLApp(t *testing.T, w, h int) (*App, *fakeSQL) {
	t.Helper()
	f := &fakeSQL{}
	a := New(&fakeBackend{state: sampleState()}, Options{NoColor: true, SQL: f, SQLHistory: []string{"SELECT 'old'"}, Send: func(tea.Msg) {}})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drain(t, a, press(a, "m"))
	if !a.sqlOpen || a.sql.state != connUp {
		t.Fatalf("pane open %v, state %v: %s", a.sqlOpen, a.sql.state, a.sql.note)
	}
	return a, f
}

// drain runs a command and every command its messages lead to, as the
// runtime would (batches included; ticks are skipped).
func drain(t *testing.T, a *App, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 100 {
			t.Fatal("commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := runWithTimeout(t, c)
		switch m := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case nil, sqlRetryMsg:
		default:
			_, next := a.Update(m)
			queue = append(queue, next)
		}
	}
}

func runWithTimeout(t *testing.T, c tea.Cmd) tea.Msg {
	t.Helper()
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case m := <-done:
		return m
	case <-time.After(100 * time.Millisecond):
		return nil // a tick or a blocked statement: not for this drain
	}
}

func ctrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

func send(a *App, msg tea.KeyPressMsg) tea.Cmd {
	_, cmd := a.Update(msg)
	return cmd
}

func TestSQLPaneConnectsAndShowsWhereItIs(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	out := screen(a)
	for _, want := range []string{"● 10.11.6-MariaDB", "tts@%@127.0.0.1:3306", "password from container env", "db tts", "read-only", "Tables in tts", "users", "~1200 rows"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	if got := f.called(); len(got) != 1 || got[0] != "connect root=false" {
		t.Fatalf("calls %v", got)
	}
	// esc goes back to the dashboard; m again does not re-dial.
	press(a, "esc")
	if a.sqlOpen || !strings.Contains(screen(a), "Containers") {
		t.Fatal("esc did not return to the dashboard")
	}
	if cmd := press(a, "m"); cmd != nil {
		t.Fatal("re-opening the pane dialled again")
	}
}

func TestRunsTheStatementUnderTheCursorOrAll(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	typeText(a, "SELECT 1;\nSELECT 2;")
	drain(t, a, send(a, ctrl('r')))
	drain(t, a, send(a, ctrl('g')))
	var runs []string
	for _, c := range f.called() {
		if strings.HasPrefix(c, "run ") {
			runs = append(runs, c)
		}
	}
	if strings.Join(runs, "|") != "run SELECT 2|run SELECT 1|run SELECT 2" {
		t.Fatalf("runs: %v", runs)
	}
	// EXPLAIN of the statement under the cursor.
	drain(t, a, send(a, ctrl('x')))
	if c := f.called(); c[len(c)-1] != "run EXPLAIN SELECT 2" {
		t.Fatalf("explain ran %q", c[len(c)-1])
	}
	if !strings.Contains(screen(a), "1 row(s) in") {
		t.Fatalf("no outcome line:\n%s", screen(a))
	}
}

func TestWritesAskThenOfferCommitOrRollback(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	typeText(a, "/* tidy */ DELETE FROM users WHERE id > 1")
	drain(t, a, send(a, ctrl('r')))
	if len(a.dialogs) != 1 || !strings.Contains(screen(a), "Run this write statement?") {
		t.Fatalf("no confirmation:\n%s", screen(a))
	}
	drain(t, a, press(a, "n"))
	if c := f.called(); strings.HasPrefix(c[len(c)-1], "confirmed") || strings.HasPrefix(c[len(c)-1], "run") {
		t.Fatalf("a declined write ran: %v", c)
	}
	drain(t, a, send(a, ctrl('r')))
	drain(t, a, press(a, "y"))
	out := screen(a)
	if !strings.Contains(out, "3 row(s) affected") || !strings.Contains(out, "transaction that is still open") || !a.sql.inTx {
		t.Fatalf("no commit/rollback prompt:\n%s", out)
	}
	drain(t, a, press(a, "r"))
	c := f.called()
	if c[len(c)-1] != "rollback" || a.sql.inTx || !strings.Contains(screen(a), "rolled back") {
		t.Fatalf("rollback: %v\n%s", c, screen(a))
	}
	// Commit path, and DDL says it cannot be rolled back and opens no prompt.
	drain(t, a, send(a, ctrl('r')))
	drain(t, a, press(a, "y"))
	drain(t, a, press(a, "c"))
	if c := f.called(); c[len(c)-1] != "commit" {
		t.Fatalf("commit: %v", c)
	}
	a.sql.editor.SetValue("ALTER TABLE users ADD COLUMN x INT")
	drain(t, a, send(a, ctrl('r')))
	if !strings.Contains(screen(a), "cannot be rolled back") {
		t.Fatalf("DDL warning missing:\n%s", screen(a))
	}
	drain(t, a, press(a, "y"))
	if len(a.dialogs) != 0 || a.sql.inTx {
		t.Fatal("DDL opened a transaction prompt")
	}
}

func TestRunAllStopsWhenAWriteIsDeclined(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	a.sql.editor.SetValue("SELECT 1; UPDATE users SET email = ''; SELECT 3")
	drain(t, a, send(a, ctrl('g')))
	drain(t, a, press(a, "n"))
	for _, c := range f.called() {
		if c == "run SELECT 3" {
			t.Fatal("run-all went on past a declined write")
		}
	}
}

func TestResultsGridValuesScrollAndDetail(t *testing.T) {
	a, f := newSQLApp(t, 100, 30)
	cols := []string{"id", "n", "e", "t", "b", "esc", "long"}
	for i := 0; i < 12; i++ {
		cols = append(cols, fmt.Sprintf("extra_column_%02d", i))
	}
	long := strings.Repeat("abcdefghij", 500)
	f.result = func(string) dbops.Result {
		row := []dbops.Cell{{Bytes: []byte("1")}, {Null: true}, {Bytes: []byte{}}, {Bytes: []byte("NULL")}, {Bytes: []byte{0, 0xff}}, {Bytes: []byte("a\x1b[2Jb")}, {Bytes: []byte(long)}}
		bin := []bool{false, false, false, false, true, false, false}
		for i := 0; i < 12; i++ {
			row = append(row, dbops.Cell{Bytes: []byte(fmt.Sprintf("v%02d", i))})
			bin = append(bin, false)
		}
		return dbops.Result{Columns: cols, Binary: bin, Rows: [][]dbops.Cell{row, row}, More: true}
	}
	typeText(a, "SELECT * FROM wide")
	drain(t, a, send(a, ctrl('r')))
	out := screen(a)
	for _, want := range []string{"NULL", "''", "0x00ff", "a␛[2Jb", "2 row(s) (more exist: the first 1000 are shown"} {
		if !strings.Contains(out, want) {
			t.Errorf("grid lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(a.render(), "\x1b[2J") {
		t.Fatal("an escape sequence in a value reached the terminal")
	}
	// NULL and '' are styled apart from the text 'NULL'.
	g := a.sql.grid.cells[0]
	if g[1].kind != cellNull || g[2].kind != cellEmpty || g[3].kind != cellText || g[4].kind != cellBinary {
		t.Fatalf("kinds %v %v %v %v", g[1].kind, g[2].kind, g[3].kind, g[4].kind)
	}
	if strings.Contains(out, "extra_column_11") {
		t.Fatal("the last column fits without scrolling: the test needs a wider result")
	}
	drain(t, a, send(a, tea.KeyPressMsg{Code: tea.KeyF3}))
	press(a, "$")
	if out := screen(a); !strings.Contains(out, "extra_column_11") || !strings.Contains(out, "‹") {
		t.Fatalf("scrolling right does not reach the last column:\n%s", out)
	}
	press(a, "0", "enter")
	d, ok := a.dialogs[len(a.dialogs)-1].(*detailDialog)
	if !ok {
		t.Fatal("enter opened no detail view")
	}
	joined := strings.ReplaceAll(strings.Join(d.lines, ""), " ", "")
	if !strings.Contains(joined, long) {
		t.Fatal("the detail view does not hold the whole value")
	}
	if !strings.Contains(strings.Join(d.lines, "\n"), "(SQL NULL)") || !strings.Contains(strings.Join(d.lines, "\n"), "(empty string)") {
		t.Fatal("the detail view does not name NULL and the empty string")
	}
	press(a, "esc")
	if len(a.dialogs) != 0 {
		t.Fatal("esc did not close the detail view")
	}
}

func TestCancelKillsTheRunningStatement(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	f.block = make(chan struct{})
	typeText(a, "SELECT SLEEP(60)")
	run := send(a, ctrl('r'))
	if a.sql.running == "" || !strings.Contains(screen(a), "ctrl+c cancels") {
		t.Fatal("the pane does not show the running statement")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- run() }() // the runtime runs it off the UI loop
	// The UI still answers while the statement runs.
	press(a, "x")
	drain(t, a, send(a, ctrl('c')))
	select {
	case m := <-done:
		a.Update(m)
	case <-time.After(2 * time.Second):
		t.Fatal("the statement did not end after cancel")
	}
	if a.sql.running != "" || !strings.Contains(screen(a), "cancelled") {
		t.Fatalf("after cancel:\n%s", screen(a))
	}
	if c := f.called(); !contains(c, "cancel") {
		t.Fatalf("no KILL QUERY: %v", c)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestRedialsWhenTheDatabaseRestarts(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	st := sampleState()
	// The container stops: the session is dropped and the pane says so.
	st.Containers[0].State = "exited"
	_, cmd := a.Update(StateMsg{State: st})
	drain(t, a, cmd)
	if a.sql.state != connDown || !strings.Contains(screen(a), "not running: waiting") {
		t.Fatalf("stopped db:\n%s", screen(a))
	}
	// It runs again: the pane re-dials by itself.
	st.Containers[0].State, st.Containers[0].StartedAt = "running", time.Now()
	_, cmd = a.Update(StateMsg{State: st})
	drain(t, a, cmd)
	if a.sql.state != connUp || !strings.Contains(screen(a), "reconnected after: the db container stopped") || f.connects != 2 {
		t.Fatalf("after restart (%d connects):\n%s", f.connects, screen(a))
	}
	// A restart seen only as a new start time re-dials too.
	st.Containers[0].StartedAt = time.Now().Add(time.Second)
	_, cmd = a.Update(StateMsg{State: st})
	drain(t, a, cmd)
	if f.connects != 3 || a.sql.state != connUp {
		t.Fatalf("a restart did not re-dial: %d connects", f.connects)
	}
	// A statement that finds the connection gone re-dials as well.
	f.runErr = fmt.Errorf("%w: invalid connection", dbops.ErrConnectionLost)
	typeText(a, "SELECT 1")
	drain(t, a, send(a, ctrl('r')))
	if f.connects != 4 {
		t.Fatalf("a lost connection did not re-dial: %d connects", f.connects)
	}
	// While the database refuses, the pane retries with backoff and says so.
	f.connErr = fmt.Errorf("connection refused")
	st.Containers[0].StartedAt = time.Now().Add(2 * time.Second)
	_, cmd = a.Update(StateMsg{State: st})
	drain(t, a, cmd)
	if out := screen(a); !strings.Contains(out, "cannot connect: connection refused (retrying in") {
		t.Fatalf("no retry notice:\n%s", out)
	}
}

func TestHistoryRecallAndSecrets(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	typeText(a, "SELECT 42")
	drain(t, a, send(a, ctrl('r')))
	a.sql.editor.SetValue("SET PASSWORD = PASSWORD('hunter2')")
	drain(t, a, send(a, ctrl('r')))
	press(a, "y") // it is an admin statement: confirm, run
	a.sql.editor.SetValue("draft")
	send(a, tea.KeyPressMsg{Code: tea.KeyUp, Mod: tea.ModAlt})
	if v := a.sql.editor.Value(); v != "SELECT 42" {
		t.Fatalf("previous entry %q (the password statement must not be there)", v)
	}
	send(a, tea.KeyPressMsg{Code: tea.KeyUp, Mod: tea.ModAlt})
	if v := a.sql.editor.Value(); v != "SELECT 'old'" {
		t.Fatalf("entry from the file %q", v)
	}
	send(a, tea.KeyPressMsg{Code: tea.KeyDown, Mod: tea.ModAlt})
	send(a, tea.KeyPressMsg{Code: tea.KeyDown, Mod: tea.ModAlt})
	if v := a.sql.editor.Value(); v != "draft" {
		t.Fatalf("back to the draft: %q", v)
	}
	if !contains(f.called(), "history SELECT 42") {
		t.Fatalf("history not recorded: %v", f.called())
	}
}

func TestCompletionSchemaBrowserAndExport(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	typeText(a, "SELECT * FROM use")
	press(a, "tab")
	if v := a.sql.editor.Value(); v != "SELECT * FROM users" {
		t.Fatalf("completion gave %q", v)
	}
	// The tables pane: open a table, insert a SELECT for it.
	send(a, tea.KeyPressMsg{Code: tea.KeyF4})
	press(a, "enter")
	out := screen(a)
	if !strings.Contains(out, "email varchar(255)") || !strings.Contains(out, "unique PRIMARY (id)") {
		t.Fatalf("table detail missing:\n%s", out)
	}
	press(a, "s")
	if v := a.sql.editor.Value(); v != "SELECT * FROM users;\nSELECT * FROM `users` LIMIT 100;" || a.sql.focus != focusEditor {
		t.Fatalf("s inserted %q", v)
	}
	// Export the query behind the results.
	drain(t, a, send(a, ctrl('r')))
	drain(t, a, send(a, ctrl('s')))
	drain(t, a, press(a, "c"))
	if !contains(f.called(), "export csv SELECT * FROM `users` LIMIT 100") || f.export.String() != "n\n1\n" {
		t.Fatalf("export: %v %q", f.called(), f.export.String())
	}
	if !strings.Contains(screen(a), "exported 1 rows") {
		t.Fatalf("no export outcome:\n%s", screen(a))
	}
	// The rows shown, as JSON Lines, without asking the server again.
	f.export.Reset()
	drain(t, a, send(a, ctrl('s')))
	drain(t, a, press(a, "J"))
	if f.export.String() != `{"n":"1"}`+"\n" || !strings.Contains(screen(a), "exported 1 rows") {
		t.Fatalf("export of the rows shown: %q\n%s", f.export.String(), screen(a))
	}
	// Databases are listed; enter on one switches to it with USE.
	send(a, tea.KeyPressMsg{Code: tea.KeyF4})
	press(a, "G")
	if !strings.Contains(screen(a), "● tts") {
		t.Fatalf("databases not listed:\n%s", screen(a))
	}
	drain(t, a, press(a, "enter"))
	if c := f.called(); !contains(c, "run USE `tts`") {
		t.Fatalf("enter on a database: %v", c)
	}
	// F1 shows the pane's keys even from the editor.
	send(a, tea.KeyPressMsg{Code: tea.KeyF2})
	send(a, tea.KeyPressMsg{Code: tea.KeyF1})
	if !strings.Contains(screen(a), "SQL pane keys") {
		t.Fatalf("no help:\n%s", screen(a))
	}
}

func TestRootSwitchAsksAndRedials(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	drain(t, a, send(a, ctrl('t')))
	drain(t, a, press(a, "y"))
	if c := f.called(); c[len(c)-1] != "connect root=true" || !strings.Contains(screen(a), "root@%") {
		t.Fatalf("root switch: %v\n%s", c, screen(a))
	}
}

func TestSQLPaneFitsTheScreen(t *testing.T) {
	for _, size := range [][2]int{{60, 15}, {80, 24}, {200, 60}} {
		a, _ := newSQLApp(t, size[0], size[1])
		a.sql.editor.SetValue(strings.Repeat("SELECT 1;\n", 40))
		drain(t, a, send(a, ctrl('r')))
		lines := strings.Split(a.render(), "\n")
		if len(lines) > size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := lipgloss.Width(l); w > size[0] {
				t.Fatalf("%dx%d: line %d is %d wide: %q", size[0], size[1], i, w, l)
			}
		}
	}
}

func TestTinyScreensWhileRunningDoNotPanic(t *testing.T) {
	for _, size := range [][2]int{{20, 5}, {1, 1}, {10, 0}, {0, 0}} {
		f := &fakeSQL{}
		a := New(&fakeBackend{state: sampleState()}, Options{NoColor: true, SQL: f, Send: func(tea.Msg) {}})
		a.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		drain(t, a, press(a, "m"))
		f.block = make(chan struct{})
		typeText(a, "SELECT SLEEP(60)")
		run := send(a, ctrl('r'))
		a.render()
		a.sql.grid.set(dbops.Result{Columns: []string{"a"}, Binary: []bool{false}, Rows: [][]dbops.Cell{{{Null: true}}}}, presentResult(dbops.Result{Columns: []string{"a"}, Binary: []bool{false}, Rows: [][]dbops.Cell{{{Null: true}}}}))
		a.render()
		close(f.block)
		if run != nil {
			run()
		}
	}
}

func TestGuardsWhileAStatementRuns(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	f.block = make(chan struct{})
	a.sql.editor.SetValue("SELECT SLEEP(60); SELECT 2")
	a.sql.editor.MoveToBegin()
	run := send(a, ctrl('g'))
	// No user switch in the middle of a statement.
	if cmd := send(a, ctrl('t')); cmd != nil || len(a.dialogs) != 0 || !strings.Contains(screen(a), "wait for the running statement") {
		t.Fatalf("ctrl+t while running:\n%s", screen(a))
	}
	// Cancel drops the rest of the run-all, so the kill cannot hit it.
	drain(t, a, send(a, ctrl('c')))
	a.Update(run())
	for _, c := range f.called() {
		if c == "run SELECT 2" {
			t.Fatal("run-all went on after a cancel")
		}
	}
}

func TestAQueryThatWritesIsOfferedAsAWrite(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	f.runErr = fmt.Errorf("%w: Cannot execute statement in a READ ONLY transaction", dbops.ErrWritesInReadOnly)
	typeText(a, "SELECT NEXTVAL(s)")
	drain(t, a, send(a, ctrl('r')))
	if !strings.Contains(screen(a), "reads like a query") {
		t.Fatalf("no offer:\n%s", screen(a))
	}
	f.runErr = nil
	drain(t, a, press(a, "y"))
	if c := f.called(); !contains(c, "write SELECT NEXTVAL(s)") || !a.sql.inTx {
		t.Fatalf("not run as a write: %v", c)
	}
	drain(t, a, press(a, "r"))
	if a.sql.inTx {
		t.Fatal("rollback did not end it")
	}
}

func TestStaleRepliesAreDropped(t *testing.T) {
	a, _ := newSQLApp(t, 120, 40)
	// A catalog of another database (read before a USE) does not replace
	// the current one.
	a.Update(sqlCatalogMsg{gen: a.sql.gen, cat: dbops.Catalog{Database: "other", Tables: []dbops.Table{{Name: "ghost"}}}})
	if strings.Contains(screen(a), "ghost") {
		t.Fatal("a stale catalog replaced the current one")
	}
	// An export reply from a dropped connection changes nothing.
	a.Update(sqlExportDoneMsg{gen: a.sql.gen - 1, err: fmt.Errorf("%w: gone", dbops.ErrConnectionLost)})
	if a.sql.state != connUp {
		t.Fatal("a stale export reply tore down the session")
	}
}

func TestServerTextIsInertAndHugeValuesAreCapped(t *testing.T) {
	a, f := newSQLApp(t, 120, 40)
	huge := strings.Repeat("x", 3<<20)
	f.result = func(string) dbops.Result {
		return dbops.Result{Columns: []string{"a\x1b[2Jb", "line\nbreak"}, Binary: []bool{false, false},
			Rows: [][]dbops.Cell{{{Bytes: []byte("1")}, {Bytes: []byte(huge)}}}}
	}
	typeText(a, "SELECT 1")
	drain(t, a, send(a, ctrl('r')))
	out := a.render()
	if strings.Contains(out, "\x1b[2J") || !strings.Contains(screen(a), "a␛[2Jb") || !strings.Contains(screen(a), "line break") {
		t.Fatalf("column names reach the terminal raw:\n%s", screen(a))
	}
	f.runErr = fmt.Errorf("Error 1064: near '\x1b]0;pwned\x07'\nsecond line")
	drain(t, a, send(a, ctrl('r')))
	if strings.Contains(a.render(), "\x1b]0;") || !strings.Contains(screen(a), "second line") {
		t.Fatalf("an error message reaches the terminal raw:\n%s", screen(a))
	}
	f.runErr = nil
	drain(t, a, send(a, ctrl('r')))
	send(a, tea.KeyPressMsg{Code: tea.KeyF3})
	press(a, "enter")
	d := a.dialogs[len(a.dialogs)-1].(*detailDialog)
	if n := len(strings.Join(d.lines, "")); n > 1<<20+100_000 || !strings.Contains(strings.Join(d.lines, "\n"), "the first 1.0 MiB shown") {
		t.Fatalf("the detail view holds %d bytes of a 3 MB value", n)
	}
}

func TestAWriteThatCommittedItselfOpensNoPrompt(t *testing.T) {
	a, _ := newSQLApp(t, 120, 40)
	a.sql.editor.SetValue("CALL purge_old()")
	drain(t, a, send(a, ctrl('r')))
	if !strings.Contains(screen(a), "runs code the pane cannot see") {
		t.Fatalf("no warning for an opaque statement:\n%s", screen(a))
	}
	drain(t, a, press(a, "n"))
	a.Update(sqlResultMsg{gen: a.sql.gen, stmt: "CALL purge_old()", tx: true, res: dbops.Result{Affected: 4, SelfCommitted: true}})
	if len(a.dialogs) != 0 || a.sql.inTx || !strings.Contains(screen(a), "committed by itself") {
		t.Fatalf("a self-committed write:\n%s", screen(a))
	}
}
