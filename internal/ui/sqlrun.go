package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tts-portal/ttsui/internal/dbops"
)

// ready says whether a statement may start now, and if not says why.
func (p *sqlPane) ready() bool {
	switch {
	case p.running != "" || p.export != nil:
		p.setMessage("a statement is running: ctrl+c cancels it", true)
	case p.state == connConnecting:
		p.setMessage("connecting…", true)
	case p.state != connUp:
		p.setMessage("not connected: "+firstNonEmpty(p.note, "the database is not reachable"), true)
	default:
		return true
	}
	return false
}

// statements is the editor's statements when one may run now; otherwise it
// says why (or, when the database is there but the pane is not connected,
// dials it: the run key doubles as retry) and returns nil.
func (p *sqlPane) statements() ([]dbops.Statement, tea.Cmd) {
	if p.state == connDown && p.dbUp || p.state == connNone {
		return nil, p.connect("connecting…")
	}
	if !p.ready() {
		return nil, nil
	}
	stmts := dbops.Split(p.editor.Value())
	if len(stmts) == 0 {
		p.setMessage("nothing to run", true)
	}
	return stmts, nil
}

// runAtCursor runs the statement under the cursor, prefixed (EXPLAIN).
func (p *sqlPane) runAtCursor(prefix string) tea.Cmd {
	stmts, cmd := p.statements()
	if len(stmts) == 0 {
		return cmd
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
	stmts, cmd := p.statements()
	if len(stmts) == 0 {
		return cmd
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
func (p *sqlPane) exec(stmt string, confirmed bool) tea.Cmd { return p.execAs(stmt, confirmed, false) }

// execAs runs a statement; asWrite runs a confirmed statement as a write
// whatever its class (one that read like a query but wrote).
func (p *sqlPane) execAs(stmt string, confirmed, asWrite bool) tea.Cmd {
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
		switch {
		case asWrite:
			res, err = s.RunWrite(ctx, stmt, limit)
		case confirmed:
			res, err = s.RunConfirmed(ctx, stmt, limit)
		default:
			res, err = s.Run(ctx, stmt, limit)
		}
		// Read here, on the goroutine that ran the statement: the session
		// is not safe to read from the UI while another statement runs.
		return sqlResultMsg{gen: gen, stmt: stmt, res: res, err: err, tx: (asWrite || confirmed && cl == dbops.Write) && err == nil,
			database: s.Database(), grid: presentResult(res)}
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

// opaque says a statement runs code whose effects its text does not show.
func opaque(stmt string) bool {
	f := strings.Fields(strings.ToUpper(stmt))
	return len(f) > 0 && (f[0] == "CALL" || f[0] == "EXECUTE" || f[0] == "DO" || f[0] == "PREPARE" || f[0] == "BEGIN")
}

func confirmText(cl dbops.Class, stmt string) string {
	var why string
	switch {
	case cl == dbops.Write && opaque(stmt):
		why = "It runs code the pane cannot see (a procedure, a prepared statement).\nIt runs in a transaction you then commit or roll back, but whatever\nit commits itself, or does to non-transactional tables, stays."
	case cl == dbops.Write:
		why = "This statement writes. It runs in a transaction; you then see the\nrows affected and choose to commit or roll back."
	case cl == dbops.Schema:
		why = "This statement changes the schema. The server commits it at once:\nit cannot be rolled back."
	default:
		why = "This statement administers the server (users, locks, processes).\nIt takes effect at once."
	}
	return fmt.Sprintf("Run this %s statement?\n\n  %s\n\n%s", cl, abbreviateSQL(stmt, 70), why)
}

// abbreviateSQL puts a statement on one line of at most n characters.
func abbreviateSQL(s string, n int) string {
	n = max(n, 1)
	s = inert(s)
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
		case errors.Is(msg.err, dbops.ErrWritesInReadOnly):
			p.setMessage(msg.err.Error(), true)
			p.push(&confirmDialog{text: fmt.Sprintf("This statement writes, although it reads like a query\n(a sequence, or a function with side effects):\n\n  %s\n\nRun it as a write, in a transaction you then commit or roll back?", abbreviateSQL(msg.stmt, 70)),
				onYes: msgAction{sqlConfirmedMsg{stmt: msg.stmt, asWrite: true}}, onNo: msgAction{sqlDeclinedMsg{}}})
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
		p.grid.set(r, msg.grid)
		p.resultOf = msg.stmt
		more := ""
		switch {
		case r.Budget:
			more = fmt.Sprintf(" (more exist: reading stopped at the %s memory budget; ctrl+s exports all)", humanBytes(dbops.ResultBudget))
		case r.More:
			more = fmt.Sprintf(" (more exist: the first %d are shown; ctrl+s exports all)", p.limit)
		}
		p.setMessage(fmt.Sprintf("%d row(s)%s in %s%s", len(r.Rows), more, r.Elapsed.Round(100*time.Microsecond), warn), false)
	} else {
		p.setMessage(fmt.Sprintf("%d row(s) affected in %s%s", r.Affected, r.Elapsed.Round(100*time.Microsecond), warn), false)
	}
	var cmds []tea.Cmd
	if msg.tx && r.SelfCommitted {
		p.setMessage(fmt.Sprintf("%d row(s) affected; the statement committed by itself (a procedure that commits, or DDL): there is nothing to roll back", r.Affected), false)
		msg.tx = false
	}
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
		p.setMessage("no transaction is open any more: "+firstNonEmpty(p.note, "it ended with the connection"), true)
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

// cancel stops the running statement or export for real: KILL QUERY from
// a second connection. The rest of a run-all is dropped at once, so a kill
// that lands as the statement ends cannot stop the next one instead.
func (p *sqlPane) cancel() tea.Cmd {
	p.queue = nil
	if p.running == "" || p.sess == nil {
		p.setMessage("nothing is running", false)
		return nil
	}
	p.setMessage("cancelling…", false)
	s, gen := p.sess, p.gen
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return sqlCancelDoneMsg{gen: gen, err: s.Cancel(ctx)}
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

// exportFile is what CreateExport returns; Abort removes a partial file.
type exportFile interface {
	io.WriteCloser
	Abort() error
}

// finishExport closes the file, or removes it when the export failed: a
// partial export looks like a whole one.
func finishExport(w io.WriteCloser, path string, err error) error {
	if err != nil {
		if a, ok := w.(exportFile); ok {
			a.Abort()
			return fmt.Errorf("%w (the partial file was removed)", err)
		}
		w.Close()
		return err
	}
	if cerr := w.Close(); cerr != nil {
		return fmt.Errorf("close %s: %w", path, cerr)
	}
	return nil
}

// exportShown writes the rows in the grid (already in memory) to a file.
func (p *sqlPane) exportShown(f dbops.Format) tea.Cmd {
	if p.export != nil {
		p.setMessage("an export is running", true)
		return nil
	}
	res, conn, gen := p.grid.res, p.conn, p.gen // res is never modified once set
	p.setMessage("writing the rows shown…", false)
	return func() tea.Msg {
		start := time.Now()
		w, path, err := conn.CreateExport(f)
		if err != nil {
			return sqlExportDoneMsg{gen: gen, shown: true, err: err}
		}
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
		err = finishExport(w, path, err)
		if rw != nil {
			pr.Bytes = rw.Bytes
		}
		pr.Elapsed = time.Since(start)
		return sqlExportDoneMsg{gen: gen, shown: true, path: path, p: pr, err: err}
	}
}

// startExport streams the whole query behind the results to a new file,
// with progress; nothing of it is kept in memory. ctrl+c stops it with
// KILL QUERY like any statement (cancelling a context instead would make
// the driver drop the pinned connection).
func (p *sqlPane) startExport(f dbops.Format) tea.Cmd {
	if !p.ready() {
		return nil
	}
	p.export = &exportState{}
	p.running, p.started = "export", time.Now()
	p.setMessage("exporting…", false)
	s, stmt, send, conn, gen := p.sess, p.resultOf, p.send, p.conn, p.gen
	return func() tea.Msg {
		w, path, err := conn.CreateExport(f)
		if err != nil {
			return sqlExportDoneMsg{gen: gen, err: err}
		}
		send(sqlExportProgressMsg{gen: gen, path: path})
		pr, err := s.Export(context.Background(), stmt, f, w, func(pr dbops.ExportProgress) {
			send(sqlExportProgressMsg{gen: gen, path: path, p: pr})
		})
		return sqlExportDoneMsg{gen: gen, path: path, p: pr, err: finishExport(w, path, err)}
	}
}
