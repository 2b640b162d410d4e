package dbops

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Endpoint says where the database is and as whom to connect.
type Endpoint struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string
}

// SessionOptions tune a query session.
type SessionOptions struct {
	// Writable lifts the read-only default. Even then, statements that need
	// confirmation are the caller's to confirm (see Classify).
	Writable bool
	// StatementTimeout bounds each read-only SELECT on the server side;
	// default 30s. (max_statement_time on MariaDB, MAX_EXECUTION_TIME on
	// MySQL.)
	StatementTimeout time.Duration
}

// Session is one pinned connection for ad-hoc statements, plus a second pool
// used only to cancel: cancelling runs KILL QUERY on the pinned connection's
// id from another connection, which stops the statement on the server.
type Session struct {
	db      *sql.DB
	conn    *sql.Conn
	id      int64
	Server  string // version string, e.g. 10.11.6-MariaDB
	MariaDB bool
	User    string
	ep      Endpoint
	cap     int // the sql_select_limit in force, 0 for the server default

	readOnly bool          // the session's default (not Writable)
	timeout  time.Duration // the server-side limit per statement, when readOnly
	inTx     bool          // a confirmed write's transaction awaits Commit or Rollback
	database string        // the current database, followed across USE
	// budget bounds the bytes of values a Result keeps: reading stops
	// after the row that passes it.
	budget int
}

// ResultBudget is the most bytes of values a Result keeps; with the row cap
// it bounds memory whatever the data: reading stops at the row that passes
// it, and the result says more rows exist. (One value alone is bounded by
// the driver's max_allowed_packet.)
const ResultBudget = 64 << 20

func init() {
	// The driver logs connection trouble to stderr, which would scribble
	// over the dashboard; every such error also comes back as a value.
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
}

func dsn(ep Endpoint) string {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.DBName = ep.User, ep.Password, ep.Database
	c.Net, c.Addr = "tcp", net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	c.Timeout = 5 * time.Second
	c.ParseTime = false // show what the server sends, not a conversion of it
	c.InterpolateParams = false
	return c.FormatDSN()
}

// OpenSession connects, pins a connection and makes it safe: read-only
// transactions and a server-side statement time limit unless Writable.
func OpenSession(ctx context.Context, ep Endpoint, opt SessionOptions) (*Session, error) {
	if opt.StatementTimeout <= 0 {
		opt.StatementTimeout = 30 * time.Second
	}
	db, err := sql.Open("mysql", dsn(ep))
	if err != nil {
		return nil, fmt.Errorf("database settings: %w", err)
	}
	db.SetMaxOpenConns(3) // the pinned one, the canceller, the catalog reader
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1045 {
			err = fmt.Errorf("%w: %s", ErrAccessDenied, me.Message)
		}
		return nil, fmt.Errorf("connect to %s:%d as %s: %w", ep.Host, ep.Port, ep.User, err)
	}
	s := &Session{db: db, conn: conn, ep: ep, readOnly: !opt.Writable, timeout: opt.StatementTimeout, budget: ResultBudget}
	var dbName sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID(), VERSION(), CURRENT_USER(), DATABASE()").Scan(&s.id, &s.Server, &s.User, &dbName); err != nil {
		s.Close()
		return nil, fmt.Errorf("identify the session: %w", err)
	}
	s.MariaDB = strings.Contains(strings.ToLower(s.Server), "mariadb")
	s.database = dbName.String
	if _, err := s.setSafeSQLMode(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("set a safe sql_mode: %w", err)
	}
	if !opt.Writable {
		for _, q := range []string{"SET SESSION TRANSACTION READ ONLY", s.timeLimit(opt.StatementTimeout)} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				s.Close()
				return nil, fmt.Errorf("make the session safe (%s): %w", q, err)
			}
		}
	}
	return s, nil
}

// timeLimit is the statement that sets the server-side time limit (0 for
// none), in the server's dialect.
func (s *Session) timeLimit(d time.Duration) string {
	if s.MariaDB {
		return fmt.Sprintf("SET SESSION max_statement_time = %g", d.Seconds())
	}
	return fmt.Sprintf("SET SESSION MAX_EXECUTION_TIME = %d", d.Milliseconds())
}

// ConnectionID is the server-side id of the pinned connection.
func (s *Session) ConnectionID() int64 { return s.id }

// Close ends the session.
func (s *Session) Close() error {
	if s.conn != nil {
		s.conn.Close()
	}
	return s.db.Close()
}

// Cancel stops the statement running on the pinned connection, for real:
// KILL QUERY from a second connection. The session stays usable.
func (s *Session) Cancel(ctx context.Context) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cancel: open a second connection: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "KILL QUERY "+strconv.FormatInt(s.id, 10)); err != nil {
		return fmt.Errorf("cancel: KILL QUERY %d: %w", s.id, err)
	}
	return nil
}

// Database is the session's current database ("" for none).
func (s *Session) Database() string { return s.database }

// InTransaction reports whether a confirmed write awaits Commit or Rollback.
func (s *Session) InTransaction() bool { return s.inTx }

// Cell is one value as the server sent it.
type Cell struct {
	Null  bool
	Bytes []byte
}

// Result is what a statement produced, within the display cap.
type Result struct {
	Columns []string
	Binary  []bool // per column: a binary type, shown as hex
	Rows    [][]Cell
	More    bool // more rows exist than the cap let through
	// Budget says reading stopped at the byte budget, before the row cap.
	Budget bool
	// SelfCommitted says a confirmed write committed by itself (a
	// procedure that commits, DDL run through EXECUTE): no transaction is
	// left to commit or roll back.
	SelfCommitted bool
	Affected      int64
	Warnings      int64
	Elapsed       time.Duration
	returned      int64 // rows the statement returned, kept or not
}

// ErrCancelled says a statement was stopped by Cancel (or the server's time
// limit).
var ErrCancelled = errors.New("statement cancelled")

// ErrAccessDenied says the server refused the user or password.
var ErrAccessDenied = errors.New("access denied")

// ErrWritesInReadOnly says a statement wrote although it was classified as
// a read; RunWrite runs it once the user confirms.
var ErrWritesInReadOnly = errors.New("the statement writes, and the session is read-only")

// ErrConnectionLost says the session's connection is gone (the server
// restarted, the container was recreated): open a new session.
var ErrConnectionLost = errors.New("connection to the database lost")

// Run executes one statement on the pinned connection. Rows are read one at
// a time and at most limit of them kept (memory stays bounded whatever the
// result size); whether more exist is learned by reading one row past the
// cap and then closing the cursor, which makes the server stop sending.
func (s *Session) Run(ctx context.Context, stmt string, limit int) (Result, error) {
	if s.readOnly && LiftsReadOnly(stmt) {
		return Result{}, ErrLiftsReadOnly
	}
	return s.run(ctx, stmt, limit)
}

// ErrLiftsReadOnly refuses a statement that would make a read-only session
// writable (SET SESSION TRANSACTION READ WRITE, tx_read_only, autocommit,
// START TRANSACTION READ WRITE): writes are confirmed one by one instead.
var ErrLiftsReadOnly = errors.New("this statement would make the session writable; the pane keeps it read-only and asks for each write instead: run the write itself")

func (s *Session) run(ctx context.Context, stmt string, limit int) (Result, error) {
	return s.runAs(ctx, stmt, limit, false)
}

// runAs runs one statement. A write is never stopped at the row cap (a
// DELETE ... RETURNING killed there would be undone on the server while
// the pane said it ran): its rows past the cap are read and dropped.
func (s *Session) runAs(ctx context.Context, stmt string, limit int, write bool) (Result, error) {
	start := time.Now()
	var res Result
	if limit <= 0 {
		limit = 1000
	}
	// The server-side cap: the server stops after limit+1 rows of any
	// SELECT without its own LIMIT, so "more rows exist" costs one row.
	if s.cap != limit+1 {
		if _, err := s.conn.ExecContext(ctx, "SET SESSION sql_select_limit = "+strconv.Itoa(limit+1)); err != nil {
			return res, fmt.Errorf("set the row cap: %w", classifyErr(err))
		}
		s.cap = limit + 1
	}
	class := Classify(stmt)
	rows, cols, err := s.query(ctx, stmt)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	res.Columns, res.Binary = cols.names, cols.binary
	if len(cols.names) > 0 {
		if err := s.readRows(ctx, rows, len(cols.names), limit, write, &res); err != nil {
			return res, err
		}
	}
	rows.Close()
	if err := s.conn.QueryRowContext(ctx, "SELECT ROW_COUNT(), @@warning_count").Scan(&res.Affected, &res.Warnings); err != nil {
		return res, classifyErr(err)
	}
	res.Affected = max(res.Affected, 0) // -1 after a plain SELECT
	if write && res.Affected == 0 {
		// DELETE ... RETURNING reports its rows as a result, not a count.
		res.Affected = res.returned
	}
	if class != Read {
		if err := s.guardSQLMode(ctx); err != nil {
			return res, err
		}
	}
	if class == SessionVar || class == Schema {
		s.followDatabase(ctx) // USE, or DROP DATABASE of the current one
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// readRows keeps at most limit rows (and ResultBudget bytes) of a result.
func (s *Session) readRows(ctx context.Context, rows *sql.Rows, n, limit int, write bool, res *Result) error {
	raw, ptrs := scanTargets(n)
	kept := 0
	for rows.Next() {
		if len(res.Rows) == limit || kept > s.budget {
			res.More, res.Budget = true, len(res.Rows) < limit
			if write {
				res.returned++    // the row in hand
				for rows.Next() { // drained, not kept: the write must finish
					res.returned++
				}
				break
			}
			// With the server-side cap this was the last row; a query with
			// its own larger LIMIT would go on, and closing the cursor
			// makes the driver read every remaining row: stop it on the
			// server instead.
			if rows.Next() {
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				s.Cancel(cctx)
				cancel()
			}
			rows.Close() // the error of the stopped query is not the user's
			return nil
		}
		if err := rows.Scan(ptrs...); err != nil {
			return classifyErr(err)
		}
		row := make([]Cell, len(raw))
		for i, b := range raw {
			if b == nil {
				row[i] = Cell{Null: true}
			} else {
				row[i] = Cell{Bytes: append([]byte(nil), b...)}
				kept += len(b)
			}
		}
		res.Rows = append(res.Rows, row)
		res.returned++
	}
	if err := rows.Err(); err != nil {
		return classifyErr(err)
	}
	return nil
}

// lexerModes are the sql_mode flags that change how quotes and backslashes
// read. The classifier reads statements the default way, so a session
// with one of these could be fed a statement it misreads: they stay off.
var lexerModes = map[string]bool{"NO_BACKSLASH_ESCAPES": true, "ANSI_QUOTES": true, "ANSI": true}

// ErrLexerMode refuses an sql_mode that would change how statements read.
var ErrLexerMode = errors.New("NO_BACKSLASH_ESCAPES, ANSI_QUOTES and ANSI change how quotes read, and the pane could then misjudge what a statement does: the session's sql_mode was put back")

// safeSQLMode drops the lexer modes from an sql_mode value.
func safeSQLMode(mode string) (string, bool) {
	var keep []string
	changed := false
	for _, m := range strings.Split(mode, ",") {
		if lexerModes[strings.ToUpper(strings.TrimSpace(m))] {
			changed = true
			continue
		}
		if m != "" {
			keep = append(keep, m)
		}
	}
	return strings.Join(keep, ","), changed
}

// setSafeSQLMode reads the session's sql_mode and removes the lexer modes.
func (s *Session) setSafeSQLMode(ctx context.Context) (changed bool, err error) {
	var mode string
	if err := s.conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		return false, classifyErr(err)
	}
	safe, changed := safeSQLMode(mode)
	if changed {
		// Mode names are letters and underscores: safe to quote as is.
		if _, err := s.conn.ExecContext(ctx, "SET SESSION sql_mode = '"+safe+"'"); err != nil {
			return true, classifyErr(err)
		}
	}
	return changed, nil
}

// guardSQLMode undoes a statement that switched a lexer mode on.
func (s *Session) guardSQLMode(ctx context.Context) error {
	changed, err := s.setSafeSQLMode(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("check sql_mode: %w", err)
	}
	if changed {
		return ErrLexerMode
	}
	return nil
}

// columns describes a result's columns.
type columns struct {
	names  []string
	binary []bool // a binary type, shown as hex
}

// query starts a statement on the pinned connection and reads its columns
// (none for a statement that returns no rows).
func (s *Session) query(ctx context.Context, stmt string) (*sql.Rows, columns, error) {
	var c columns
	rows, err := s.conn.QueryContext(ctx, stmt)
	if err != nil {
		return nil, c, classifyErr(err)
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return nil, c, classifyErr(err)
	}
	for _, t := range types {
		c.names = append(c.names, t.Name())
		c.binary = append(c.binary, isBinaryType(t.DatabaseTypeName()))
	}
	return rows, c, nil
}

// scanTargets is a row buffer that Scan fills without copying.
func scanTargets(n int) ([]sql.RawBytes, []any) {
	raw := make([]sql.RawBytes, n)
	ptrs := make([]any, n)
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	return raw, ptrs
}

// followDatabase re-reads the current database after a USE.
func (s *Session) followDatabase(ctx context.Context) {
	var name sql.NullString
	if s.conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name) == nil {
		s.database = name.String
	}
}

// RunConfirmed runs a statement the user confirmed although Classify says
// it needs confirmation. A write runs in a read-write transaction that
// stays open, its rows affected shown, until Commit or Rollback. Schema and
// admin statements commit by themselves on the server, so there is nothing
// to roll back: they run with the session read-write for that one
// statement, then it is read-only again.
func (s *Session) RunConfirmed(ctx context.Context, stmt string, limit int) (Result, error) {
	switch Classify(stmt) {
	case Write:
		return s.RunWrite(ctx, stmt, limit)
	case Schema, Admin:
		if s.readOnly && LiftsReadOnly(stmt) {
			return Result{}, ErrLiftsReadOnly
		}
		if s.inTx {
			return Result{}, errors.New("a write awaits commit or rollback: end it before changing schema (DDL would commit it silently)")
		}
		if !s.readOnly {
			return s.Run(ctx, stmt, limit)
		}
		if _, err := s.conn.ExecContext(ctx, "SET SESSION TRANSACTION READ WRITE"); err != nil {
			return Result{}, fmt.Errorf("allow the statement: %w", classifyErr(err))
		}
		res, err := s.withoutTimeLimit(ctx, func() (Result, error) { return s.runAs(ctx, stmt, limit, true) })
		// Back to read-only whatever happened; a context already cancelled
		// must not leave the session writable.
		if _, rerr := s.conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION TRANSACTION READ ONLY"); rerr != nil && err == nil {
			err = fmt.Errorf("make the session read-only again: %w", classifyErr(rerr))
		}
		return res, err
	default:
		return s.Run(ctx, stmt, limit)
	}
}

// RunWrite runs a confirmed statement as a write: in a read-write
// transaction that stays open until Commit or Rollback. It is also how a
// statement that reads like a query but writes (a sequence, a function
// with side effects) runs once the user confirms it. If the statement
// fails, the transaction it opened is rolled back, so nothing is left
// half-done and no transaction is left open without the user knowing.
func (s *Session) RunWrite(ctx context.Context, stmt string, limit int) (Result, error) {
	opened := false
	if !s.inTx {
		if _, err := s.conn.ExecContext(ctx, "START TRANSACTION READ WRITE"); err != nil {
			return Result{}, fmt.Errorf("start a transaction for the write: %w", classifyErr(err))
		}
		s.inTx, opened = true, true
	}
	res, err := s.withoutTimeLimit(ctx, func() (Result, error) { return s.runAs(ctx, stmt, limit, true) })
	if err != nil && opened {
		s.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		s.inTx = false
	}
	if err == nil && !s.transactionOpen(ctx) {
		// A procedure that commits, EXECUTE of DDL: nothing is left to
		// commit or roll back, and the user must not be told otherwise.
		s.inTx, res.SelfCommitted = false, true
	}
	return res, err
}

// transactionOpen asks the server whether a transaction is open on the
// pinned connection; when it cannot tell, it says yes, which keeps the
// commit-or-roll-back prompt.
func (s *Session) transactionOpen(ctx context.Context) bool {
	q := "SELECT @@in_transaction"
	if !s.MariaDB {
		q = "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()"
	}
	var n int
	if err := s.conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return true
	}
	return n > 0
}

// withoutTimeLimit runs a confirmed statement without the interactive time
// limit (on MariaDB it applies to writes too: a big UPDATE or ALTER could
// never finish from the pane), and puts the limit back after.
func (s *Session) withoutTimeLimit(ctx context.Context, fn func() (Result, error)) (Result, error) {
	if !s.readOnly {
		return fn()
	}
	if _, err := s.conn.ExecContext(ctx, s.timeLimit(0)); err != nil {
		return Result{}, fmt.Errorf("lift the time limit: %w", classifyErr(err))
	}
	res, err := fn()
	if _, rerr := s.conn.ExecContext(context.WithoutCancel(ctx), s.timeLimit(s.timeout)); rerr != nil && err == nil {
		err = fmt.Errorf("put the time limit back: %w", classifyErr(rerr))
	}
	return res, err
}

// Commit ends a confirmed write's transaction, keeping its changes.
func (s *Session) Commit(ctx context.Context) error { return s.endTx(ctx, "COMMIT") }

// Rollback ends a confirmed write's transaction, undoing its changes.
func (s *Session) Rollback(ctx context.Context) error { return s.endTx(ctx, "ROLLBACK") }

func (s *Session) endTx(ctx context.Context, verb string) error {
	// Whatever happens the transaction is over: a failed COMMIT (a
	// deadlock, a lost connection) has been or will be rolled back by the
	// server, and the explicit ROLLBACK makes sure of it. The session is
	// made read-only again too, in case a confirmed CALL changed that.
	defer func() {
		s.inTx = false
		if s.readOnly {
			s.conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION TRANSACTION READ ONLY")
		}
	}()
	if _, err := s.conn.ExecContext(ctx, verb); err != nil {
		err = classifyErr(err)
		switch {
		case errors.Is(err, ErrConnectionLost) && verb == "COMMIT":
			return fmt.Errorf("commit: whether it committed is unknown: %w", err)
		case verb == "COMMIT":
			s.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return fmt.Errorf("commit failed, nothing was changed: %w", err)
		}
		return fmt.Errorf("roll back: %w", err)
	}
	if verb == "ROLLBACK" {
		// 1196: a non-transactional table (MyISAM, Aria) kept its changes.
		if s.warningCode(ctx, 1196) {
			return ErrPartialRollback
		}
	}
	return nil
}

// ErrPartialRollback says a rollback could not undo everything: the write
// touched a table that has no transactions.
var ErrPartialRollback = errors.New("rolled back, but some changes stay: the write touched a non-transactional table (MyISAM or Aria), which cannot roll back")

// warningCode reports whether the last statement left a warning with code.
func (s *Session) warningCode(ctx context.Context, code int) bool {
	rows, err := s.conn.QueryContext(ctx, "SHOW WARNINGS")
	if err != nil {
		return false
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var level, msg string
		var c int
		if rows.Scan(&level, &c, &msg) == nil && c == code {
			found = true
		}
	}
	return found
}

func classifyErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("%w: %v", ErrConnectionLost, err)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("%w: %v", ErrConnectionLost, err)
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1792 {
		// A statement that reads like a query but writes (NEXTVAL, a
		// function with side effects) in the read-only session.
		return fmt.Errorf("%w: %s", ErrWritesInReadOnly, me.Message)
	}
	if errors.As(err, &me) && (me.Number == 1053 || me.Number == 1927) {
		// 1053 server shutdown in progress; 1927 connection was killed
		return fmt.Errorf("%w: %s", ErrConnectionLost, me.Message)
	}
	if errors.As(err, &me) && (me.Number == 1317 || me.Number == 3024 || me.Number == 1969) {
		// 1317 query interrupted; 3024 MySQL time limit; 1969 MariaDB time limit
		return fmt.Errorf("%w: %s", ErrCancelled, me.Message)
	}
	return err
}

func isBinaryType(t string) bool {
	switch strings.ToUpper(t) {
	case "BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BIT", "GEOMETRY":
		return true
	}
	return false
}
