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

// TestBudgetCutsLongValues: once a result's byte budget is spent, long
// values keep only a prefix and say how long they were.
func TestBudgetCutsLongValues(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	s.budget, s.cutTo = 10_000, 100
	r := must(t, s, "SELECT REPEAT('x', 6000) AS v UNION ALL SELECT REPEAT('y', 6000) UNION ALL SELECT 'short'")
	if c := r.Rows[0][0]; c.Cut != 0 || len(c.Bytes) != 6000 {
		t.Fatalf("first value: %d bytes, cut %d", len(c.Bytes), c.Cut)
	}
	if c := r.Rows[1][0]; c.Cut != 6000 || len(c.Bytes) != 100 {
		t.Fatalf("second value: %d bytes, cut %d", len(c.Bytes), c.Cut)
	}
	if c := r.Rows[2][0]; c.Cut != 0 || string(c.Bytes) != "short" {
		t.Fatalf("short value after the budget: %q", c.Bytes)
	}
	if got := RenderCell(r.Rows[1][0], false, 0); !strings.HasSuffix(got, "…") {
		t.Fatalf("a cut value renders without the mark: %q", got[len(got)-5:])
	}
}

func TestExportFormats(t *testing.T) {
	s := open(t, endpoint(t), SessionOptions{})
	q := `SELECT NULL AS n, '' AS e, '\\N' AS bs, CONCAT('a,', '"b"') AS q, CONCAT('x', CHAR(10 USING utf8mb4), 'y') AS nl, CAST(X'00FF' AS BINARY(2)) AS b, 'é' AS u`
	var csvOut, jsonOut bytes.Buffer
	if _, err := s.Export(context.Background(), q, CSV, &csvOut, nil); err != nil {
		t.Fatal(err)
	}
	want := "n,e,bs,q,nl,b,u\n\\N,,\"\\N\",\"a,\"\"b\"\"\",\"x\ny\",0x00ff,é\n"
	if csvOut.String() != want {
		t.Fatalf("csv:\n%q\nwant\n%q", csvOut.String(), want)
	}
	if _, err := s.Export(context.Background(), q, JSONL, &jsonOut, nil); err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"n":null,"e":"","bs":"\\N","q":"a,\"b\"","nl":"x\ny","b":"0x00ff","u":"é"}` + "\n"
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
