package dbops

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/testutil/mariadbtest"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestConfirmedWritesRunInATransaction: a confirmed write leaves its
// transaction open with rows affected shown; rolled back it changes
// nothing, committed it sticks, and the session is read-only again after.
func TestConfirmedWritesRunInATransaction(t *testing.T) {
	ctx := context.Background()
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))")
	must(t, w, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
	s := open(t, ep, SessionOptions{})
	count := func() string { return string(must(t, w, "SELECT COUNT(*) FROM t").Rows[0][0].Bytes) }

	r, err := s.RunConfirmed(ctx, "/* tidy */ DELETE FROM t WHERE id > 1", 100)
	if err != nil {
		t.Fatal(err)
	}
	if r.Affected != 2 || !s.InTransaction() {
		t.Fatalf("affected %d, in transaction %v", r.Affected, s.InTransaction())
	}
	if err := s.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != "3" || s.InTransaction() {
		t.Fatalf("after rollback: %s rows, in transaction %v", got, s.InTransaction())
	}
	if _, err := s.Run(ctx, "DELETE FROM t", 100); err == nil {
		t.Fatal("the session is writable after a rolled-back write")
	}

	if _, err := s.RunConfirmed(ctx, "DELETE FROM t WHERE id IN (SELECT 1)", 100); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != "2" {
		t.Fatalf("after commit: %s rows", got)
	}
	if _, err := s.Run(ctx, "UPDATE t SET v = 'z'", 100); err == nil {
		t.Fatal("the session is writable after a committed write")
	}

	// Schema changes commit by themselves; the session is read-only after.
	if _, err := s.RunConfirmed(ctx, "CREATE TABLE t2 (id INT)", 100); err != nil {
		t.Fatal(err)
	}
	if s.InTransaction() {
		t.Fatal("DDL left a transaction open")
	}
	if _, err := s.Run(ctx, "INSERT INTO t2 VALUES (1)", 100); err == nil {
		t.Fatal("the session is writable after DDL")
	}
	// DDL while a write is pending is refused rather than committing it.
	if _, err := s.RunConfirmed(ctx, "UPDATE t SET v = 'q'", 100); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunConfirmed(ctx, "DROP TABLE t2", 100); err == nil {
		t.Fatal("DDL ran over a pending write")
	}
	if err := s.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if r := must(t, w, "SELECT COUNT(*) FROM t WHERE v = 'q'"); string(r.Rows[0][0].Bytes) != "0" {
		t.Fatal("the rolled-back update stuck")
	}
}

func TestCatalogWarningsAndDatabase(t *testing.T) {
	ctx := context.Background()
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, name TEXT, UNIQUE KEY email_uq (email), KEY name_email (name(10), email))")
	must(t, w, "INSERT INTO users VALUES (1, 'a@x', NULL), (2, 'b@x', 'b')")
	must(t, w, "ANALYZE TABLE users")
	s := open(t, ep, SessionOptions{})
	cat, err := s.Catalog(ctx, s.Database())
	if err != nil {
		t.Fatal(err)
	}
	if cat.Database != ep.Database || !contains(cat.Databases, ep.Database) {
		t.Fatalf("catalog database %q of %v", cat.Database, cat.Databases)
	}
	u, ok := cat.Table("USERS")
	if !ok || len(u.Columns) != 3 || u.Columns[1].Name != "email" || u.Columns[1].Nullable || !u.Columns[2].Nullable || u.Columns[0].Key != "PRI" {
		t.Fatalf("users: %+v", u)
	}
	if u.Rows != 2 || u.DataBytes == 0 {
		t.Fatalf("estimates: %d rows, %d bytes", u.Rows, u.DataBytes)
	}
	var names []string
	for _, ix := range u.Indexes {
		names = append(names, ix.Name+"="+strings.Join(ix.Columns, "+"))
	}
	if got := strings.Join(names, " "); got != "PRIMARY=id email_uq=email name_email=name+email" {
		t.Fatalf("indexes: %s", got)
	}

	r := must(t, s, "SELECT CAST('12abc' AS UNSIGNED) AS n")
	if r.Warnings != 1 {
		t.Fatalf("warnings %d, want 1", r.Warnings)
	}
	// (The server resets the count at the next statement that uses a table.)
	if r := must(t, s, "SELECT COUNT(*) FROM users"); r.Warnings != 0 {
		t.Fatalf("warnings %d after a clean statement", r.Warnings)
	}
	must(t, s, "USE information_schema")
	if s.Database() != "information_schema" {
		t.Fatalf("database after USE: %q", s.Database())
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

// TestBudgetStopsReading: once a result's byte budget is spent, reading
// stops and the result says more rows exist, whatever the row cap.
func TestBudgetStopsReading(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	s.budget = 10_000
	r := must(t, s, "SELECT REPEAT('x', 6000) AS v FROM seq_1_to_10")
	if len(r.Rows) != 2 || !r.More || !r.Budget || len(r.Rows[1][0].Bytes) != 6000 {
		t.Fatalf("%d rows, more %v, budget %v", len(r.Rows), r.More, r.Budget)
	}
	if r := must(t, s, "SELECT 1"); len(r.Rows) != 1 || r.More || r.Budget {
		t.Fatal("the session is not usable after a budget stop")
	}
}

// TestExplicitLimitPastTheCapStopsOnTheServer: a statement with its own
// LIMIT far above the cap is stopped on the server after the cap, not read
// to its end, and the session stays usable.
func TestExplicitLimitPastTheCapStopsOnTheServer(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	r, err := s.Run(context.Background(), "SELECT a.seq FROM seq_1_to_5000 a, seq_1_to_5000 b LIMIT 20000000", 10)
	if err != nil || len(r.Rows) != 10 || !r.More {
		t.Fatalf("%v: %d rows, more %v", err, len(r.Rows), r.More)
	}
	// The server counts the rows it sent this session: a few socket
	// buffers' worth, not the 20 million a drained cursor would have read.
	st := must(t, s, "SHOW SESSION STATUS LIKE 'Rows_sent'")
	sent, _ := strconv.Atoi(string(st.Rows[0][1].Bytes))
	t.Logf("rows sent: %d", sent)
	if sent == 0 || sent > 1_000_000 {
		t.Fatalf("the server sent %d rows", sent)
	}
	if r := must(t, s, "SELECT 2 AS two"); string(r.Rows[0][0].Bytes) != "2" {
		t.Fatal("the session is not usable after the stop")
	}
}

// TestReadOnlyCannotBeLifted: statements that would make the session
// writable are refused, however they are spelled.
func TestReadOnlyCannotBeLifted(t *testing.T) {
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE t (id INT)")
	must(t, w, "INSERT INTO t VALUES (1)")
	s := open(t, ep, SessionOptions{})
	for _, q := range []string{
		"SET SESSION TRANSACTION READ WRITE", "SET TRANSACTION READ WRITE", "SET @@session.tx_read_only = OFF",
		"SET tx_read_only = 0", "SET SESSION transaction_read_only = 0", "SET autocommit = 0",
		"START TRANSACTION READ WRITE", "SET STATEMENT tx_read_only=0 FOR SELECT 1",
	} {
		if _, err := s.Run(context.Background(), q, 10); !errors.Is(err, ErrLiftsReadOnly) {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := s.Run(context.Background(), "DELETE FROM t", 10); err == nil {
		t.Fatal("the session became writable")
	}
	if r := must(t, w, "SELECT COUNT(*) FROM t"); string(r.Rows[0][0].Bytes) != "1" {
		t.Fatal("a row was deleted")
	}
	// Harmless session settings still run.
	must(t, s, "SET SESSION sql_mode = 'STRICT_ALL_TABLES'")
}

// TestFailedWriteLeavesNoTransaction: a confirmed write that fails rolls
// its transaction back; a failed commit ends it too.
func TestFailedWriteLeavesNoTransaction(t *testing.T) {
	ctx := context.Background()
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE t (id INT PRIMARY KEY)")
	must(t, w, "INSERT INTO t VALUES (1)")
	s := open(t, ep, SessionOptions{})
	if _, err := s.RunConfirmed(ctx, "INSERT INTO t VALUES (2), (1)", 10); err == nil {
		t.Fatal("a duplicate key went through")
	}
	if s.InTransaction() {
		t.Fatal("a failed write left its transaction open")
	}
	if r := must(t, w, "SELECT COUNT(*) FROM t"); string(r.Rows[0][0].Bytes) != "1" {
		t.Fatal("half of a failed write stuck")
	}
	// Schema changes are not blocked by a phantom transaction.
	if _, err := s.RunConfirmed(ctx, "CREATE TABLE t2 (id INT)", 10); err != nil {
		t.Fatal(err)
	}
	// A statement that reads like a query but writes is named as such, and
	// runs as a confirmed write.
	must(t, w, "CREATE SEQUENCE sq")
	if _, err := s.Run(ctx, "SELECT NEXTVAL(sq)", 10); !errors.Is(err, ErrWritesInReadOnly) {
		t.Fatalf("NEXTVAL in the read-only session: %v", err)
	}
	if _, err := s.RunWrite(ctx, "SELECT NEXTVAL(sq)", 10); err != nil || !s.InTransaction() {
		t.Fatalf("NEXTVAL as a confirmed write: %v", err)
	}
	if err := s.Commit(ctx); err != nil || s.InTransaction() {
		t.Fatalf("commit: %v", err)
	}
}

func TestExportFormats(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	q := `SELECT NULL AS n, '' AS e, '\\N' AS bs, CONCAT('a,', '"b"') AS q, CONCAT('x', CHAR(10 USING utf8mb4), 'y') AS nl, CAST(X'00FF' AS BINARY(2)) AS b, 'é' AS u, '0x00ff' AS u`
	var csvOut, jsonOut bytes.Buffer
	if _, err := s.Export(context.Background(), q, CSV, &csvOut, nil); err != nil {
		t.Fatal(err)
	}
	want := "n,e,bs,q,nl,b,u,u\n\\N,,\"\\N\",\"a,\"\"b\"\"\",\"x\ny\",0x00ff,é,\"0x00ff\"\n"
	if csvOut.String() != want {
		t.Fatalf("csv:\n%q\nwant\n%q", csvOut.String(), want)
	}
	if _, err := s.Export(context.Background(), q, JSONL, &jsonOut, nil); err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"n":null,"e":"","bs":"\\N","q":"a,\"b\"","nl":"x\ny","b":"0x00ff","u":"é","u_2":"0x00ff"}` + "\n"
	if jsonOut.String() != wantJSON {
		t.Fatalf("jsonl:\n%s\nwant\n%s", jsonOut.String(), wantJSON)
	}
	if _, err := s.Export(context.Background(), "DELETE FROM x", CSV, &csvOut, nil); !errors.Is(err, ErrNotAQuery) {
		t.Fatalf("export of a write: %v", err)
	}
}

// TestLostConnectionIsReported: a session whose connection the server
// dropped says so with ErrConnectionLost, so the pane knows to re-dial.
func TestLostConnectionIsReported(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	if _, err := mariadbtest.Shared(t).Admin().Exec("KILL CONNECTION " + itoa(s.ConnectionID())); err != nil {
		t.Fatal(err)
	}
	_, err := s.Run(context.Background(), "SELECT 1", 10)
	if !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("after the server dropped the connection: %v", err)
	}
}

// TestExportOutlastsTheTimeLimit: the interactive time limit stops a
// statement in the grid but not an export the user asked for; it is back
// in force afterwards.
func TestExportOutlastsTheTimeLimit(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{StatementTimeout: 500 * time.Millisecond})
	if _, err := s.Run(context.Background(), "SELECT SLEEP(1) AS s FROM seq_1_to_2", 10); !errors.Is(err, ErrCancelled) {
		t.Fatalf("a statement past the limit: %v", err)
	}
	var out bytes.Buffer
	p, err := s.Export(context.Background(), "SELECT SLEEP(1) AS s FROM seq_1_to_2", CSV, &out, nil)
	if err != nil || p.Rows != 2 || out.String() != "s\n0\n0\n" {
		t.Fatalf("export past the limit: %v, %d rows %q", err, p.Rows, out.String())
	}
	if _, err := s.Run(context.Background(), "SELECT SLEEP(1) AS s FROM seq_1_to_2", 10); !errors.Is(err, ErrCancelled) {
		t.Fatalf("the limit is not back after the export: %v", err)
	}
}

// TestCancelledExportKeepsTheSession: an export stopped with Cancel (KILL
// QUERY) ends with ErrCancelled and the pinned connection stays usable.
func TestCancelledExportKeepsTheSession(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	done := make(chan error, 1)
	var rows lineCounter
	go func() {
		_, err := s.Export(context.Background(), "SELECT seq, SLEEP(0.01) FROM seq_1_to_2000", CSV, &rows, nil)
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := s.Cancel(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("export after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the export did not stop")
	}
	if r := must(t, s, "SELECT 3 AS three"); string(r.Rows[0][0].Bytes) != "3" {
		t.Fatal("the session is not usable after a cancelled export")
	}
}

func TestWrongPasswordIsAccessDenied(t *testing.T) {
	ep := endpoint(t)
	ep.Password += "-wrong"
	if _, err := OpenSession(context.Background(), ep, SessionOptions{}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("a wrong password: %v", err)
	}
}

// TestLexerModesStayOff: an sql_mode that changes how quotes read is put
// back at once, so the classifier and the server read statements alike.
func TestLexerModesStayOff(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	for _, q := range []string{"SET sql_mode = 'NO_BACKSLASH_ESCAPES'", "SET SESSION sql_mode = 'ANSI'", "SET @@sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')"} {
		if _, err := s.Run(context.Background(), q, 10); !errors.Is(err, ErrLexerMode) {
			t.Errorf("%s: %v", q, err)
		}
		r := must(t, s, "SELECT @@SESSION.sql_mode")
		if mode := string(r.Rows[0][0].Bytes); strings.Contains(mode, "ANSI") || strings.Contains(mode, "NO_BACKSLASH") {
			t.Fatalf("after %s the mode is %s", q, mode)
		}
	}
	must(t, s, "SET sql_mode = 'STRICT_ALL_TABLES'") // others are fine
}

// TestConfirmedWritesRunToTheEnd: a write returning more rows than the cap
// is not stopped there, and is not cut short by the interactive time limit.
func TestConfirmedWritesRunToTheEnd(t *testing.T) {
	ctx := context.Background()
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE r (id INT PRIMARY KEY) SELECT seq AS id FROM seq_1_to_5000")
	s := open(t, ep, SessionOptions{StatementTimeout: 500 * time.Millisecond})
	res, err := s.RunConfirmed(ctx, "DELETE FROM r WHERE id <= 3000 RETURNING id", 10)
	if err != nil || len(res.Rows) != 10 || !res.More || res.Affected != 3000 {
		t.Fatalf("%v: %d rows shown, more %v, affected %d", err, len(res.Rows), res.More, res.Affected)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r := must(t, w, "SELECT COUNT(*) FROM r"); string(r.Rows[0][0].Bytes) != "2000" {
		t.Fatalf("%s rows left, want 2000", r.Rows[0][0].Bytes)
	}
	// Longer than the 0.5 s limit, confirmed: it finishes.
	if _, err := s.RunConfirmed(ctx, "UPDATE r SET id = id + SLEEP(0.4) * 0 WHERE id <= 3002", 10); err != nil {
		t.Fatalf("a confirmed write past the time limit: %v", err)
	}
	s.Rollback(ctx)
	if _, err := s.Run(ctx, "SELECT SLEEP(1)", 10); !errors.Is(err, ErrCancelled) {
		t.Fatalf("the limit is not back for reads: %v", err)
	}
}

// TestWritesThatCannotRollBackSaySo: a procedure that commits leaves no
// transaction to decide on; a rollback over a non-transactional table says
// some changes stay.
func TestWritesThatCannotRollBackSaySo(t *testing.T) {
	ctx := context.Background()
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE m (id INT) ENGINE=MyISAM")
	must(t, w, "CREATE TABLE i (id INT) ENGINE=InnoDB")
	must(t, w, "CREATE PROCEDURE p() BEGIN INSERT INTO i VALUES (1); COMMIT; END")
	s := open(t, ep, SessionOptions{})
	res, err := s.RunConfirmed(ctx, "CALL p()", 10)
	if err != nil || !res.SelfCommitted || s.InTransaction() {
		t.Fatalf("CALL of a committing procedure: %v, self-committed %v, in transaction %v", err, res.SelfCommitted, s.InTransaction())
	}
	if _, err := s.RunConfirmed(ctx, "INSERT INTO m VALUES (1)", 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(ctx); !errors.Is(err, ErrPartialRollback) {
		t.Fatalf("rollback over MyISAM: %v", err)
	}
	if _, err := s.Run(ctx, "INSERT INTO i VALUES (2)", 10); err == nil {
		t.Fatal("the session is writable after the transaction")
	}
	// DROP DATABASE of the current one is followed.
	root := mariadbtest.Shared(t).Admin()
	root.Exec("GRANT ALL ON `" + ep.Database + "`.* TO `" + ep.User + "`@`%`")
	if _, err := s.RunConfirmed(ctx, "DROP DATABASE `"+ep.Database+"`", 10); err != nil {
		t.Fatal(err)
	}
	if s.Database() != "" {
		t.Fatalf("current database after dropping it: %q", s.Database())
	}
}
