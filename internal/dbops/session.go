package dbops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	db.SetMaxOpenConns(2) // the pinned one and the canceller
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s:%d as %s: %w", ep.Host, ep.Port, ep.User, err)
	}
	s := &Session{db: db, conn: conn, ep: ep}
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID(), VERSION(), CURRENT_USER()").Scan(&s.id, &s.Server, &s.User); err != nil {
		s.Close()
		return nil, fmt.Errorf("identify the session: %w", err)
	}
	s.MariaDB = strings.Contains(strings.ToLower(s.Server), "mariadb")
	if !opt.Writable {
		setup := []string{"SET SESSION TRANSACTION READ ONLY"}
		if s.MariaDB {
			setup = append(setup, fmt.Sprintf("SET SESSION max_statement_time = %g", opt.StatementTimeout.Seconds()))
		} else {
			setup = append(setup, fmt.Sprintf("SET SESSION MAX_EXECUTION_TIME = %d", opt.StatementTimeout.Milliseconds()))
		}
		for _, q := range setup {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				s.Close()
				return nil, fmt.Errorf("make the session safe (%s): %w", q, err)
			}
		}
	}
	return s, nil
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

// Cell is one value as the server sent it.
type Cell struct {
	Null  bool
	Bytes []byte
}

// Result is what a statement produced, within the display cap.
type Result struct {
	Columns  []string
	Binary   []bool // per column: a binary type, shown as hex
	Rows     [][]Cell
	More     bool // more rows exist than the cap let through
	Affected int64
	Elapsed  time.Duration
}

// ErrCancelled says a statement was stopped by Cancel (or the server's time
// limit).
var ErrCancelled = errors.New("statement cancelled")

// Run executes one statement on the pinned connection. Rows are read one at
// a time and at most limit of them kept (memory stays bounded whatever the
// result size); whether more exist is learned by reading one row past the
// cap and then closing the cursor, which makes the server stop sending.
func (s *Session) Run(ctx context.Context, stmt string, limit int) (Result, error) {
	start := time.Now()
	var res Result
	if limit <= 0 {
		limit = 1000
	}
	// The server-side cap: the server stops after limit+1 rows of any
	// SELECT without its own LIMIT, so "more rows exist" costs one row.
	if s.cap != limit+1 {
		if _, err := s.conn.ExecContext(ctx, "SET SESSION sql_select_limit = "+strconv.Itoa(limit+1)); err != nil {
			return res, fmt.Errorf("set the row cap: %w", err)
		}
		s.cap = limit + 1
	}
	rows, err := s.conn.QueryContext(ctx, stmt)
	if err != nil {
		return res, classifyErr(err)
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return res, err
	}
	for _, c := range cols {
		res.Columns = append(res.Columns, c.Name())
		res.Binary = append(res.Binary, isBinaryType(c.DatabaseTypeName()))
	}
	if len(cols) == 0 {
		// Not a result set: the driver already ran it; ask for the count.
		rows.Close()
		if err := s.conn.QueryRowContext(ctx, "SELECT ROW_COUNT()").Scan(&res.Affected); err != nil {
			return res, err
		}
		res.Elapsed = time.Since(start)
		return res, nil
	}
	raw := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if len(res.Rows) == limit {
			res.More = true
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return res, err
		}
		row := make([]Cell, len(cols))
		for i, b := range raw {
			if b == nil {
				row[i] = Cell{Null: true}
			} else {
				row[i] = Cell{Bytes: append([]byte(nil), b...)}
			}
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return res, classifyErr(err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func classifyErr(err error) error {
	var me *mysql.MySQLError
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
