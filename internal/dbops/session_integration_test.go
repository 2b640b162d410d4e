package dbops

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/testutil/mariadbtest"
)

func TestMain(m *testing.M) { os.Exit(mariadbtest.Main(m)) }

var dbN int

// endpoint makes a fresh database with an application user on the shared
// MariaDB server.
func endpoint(t *testing.T) Endpoint {
	t.Helper()
	srv := mariadbtest.Shared(t)
	dbN++
	d, err := srv.CreateDatabase("dbops" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "") + string(rune('a'+dbN%26)))
	if err != nil {
		t.Fatal(err)
	}
	return Endpoint{Host: d.Host, Port: d.Port, User: d.User, Password: d.Password, Database: d.Name}
}

func open(t *testing.T, ep Endpoint, opt SessionOptions) *Session {
	t.Helper()
	s, err := OpenSession(context.Background(), ep, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func must(t *testing.T, s *Session, stmt string) Result {
	t.Helper()
	r, err := s.Run(context.Background(), stmt, 1000)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return r
}

func TestSessionIsReadOnlyUnlessAsked(t *testing.T) {
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))")
	r := must(t, w, "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	if r.Affected != 2 {
		t.Fatalf("rows affected %d, want 2", r.Affected)
	}
	ro := open(t, ep, SessionOptions{})
	if !ro.MariaDB || ro.Server == "" || !strings.HasPrefix(ro.User, ep.User+"@") {
		t.Fatalf("session identity: %q %q %v", ro.Server, ro.User, ro.MariaDB)
	}
	if _, err := ro.Run(context.Background(), "INSERT INTO t VALUES (3, 'c')", 10); err == nil || !strings.Contains(strings.ToLower(err.Error()), "read only") {
		t.Fatalf("a write in a read-only session: %v", err)
	}
	if r := must(t, ro, "SELECT COUNT(*) FROM t"); string(r.Rows[0][0].Bytes) != "2" {
		t.Fatalf("count %q", r.Rows[0][0].Bytes)
	}
	// A rolled-back write changes nothing.
	must(t, w, "BEGIN")
	must(t, w, "DELETE FROM t")
	must(t, w, "ROLLBACK")
	if r := must(t, ro, "SELECT COUNT(*) FROM t"); string(r.Rows[0][0].Bytes) != "2" {
		t.Fatalf("rollback lost rows: %q", r.Rows[0][0].Bytes)
	}
}

func TestCancelKillsTheQueryOnTheServer(t *testing.T) {
	ep := endpoint(t)
	s := open(t, ep, SessionOptions{})
	admin := mariadbtest.Shared(t).Admin()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := s.Run(context.Background(), "SELECT SLEEP(60)", 10)
		done <- err
	}()
	running := func() bool {
		var n int
		admin.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND COMMAND = 'Query' AND INFO LIKE 'SELECT SLEEP(60)%'", s.ConnectionID()).Scan(&n)
		return n == 1
	}
	for !running() {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the sleep never showed in the processlist")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancelled := time.Now()
	if err := s.Cancel(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		// MariaDB ends SLEEP() early on KILL QUERY and returns 1 with no error
		// on some versions; either way it must return promptly.
		if err != nil && !errors.Is(err, ErrCancelled) {
			t.Fatalf("cancelled statement: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the statement did not stop within 2 s of cancelling")
	}
	// The server may take a moment to tidy up the killed thread; the bar
	// is that the statement is gone within 2 s of cancelling.
	for running() {
		if time.Since(cancelled) > 2*time.Second {
			t.Fatal("the processlist still shows the statement 2 s after cancelling")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := must(t, s, "SELECT 1"); string(r.Rows[0][0].Bytes) != "1" {
		t.Fatal("the session is not usable after a cancel")
	}
}

func TestValuesRenderAsSpecified(t *testing.T) {
	ep := endpoint(t)
	s := open(t, ep, SessionOptions{})
	r := must(t, s, "SELECT NULL AS n, '' AS e, CAST(X'00FF10' AS BINARY(3)) AS b, '🙂 émoji' AS u, CONCAT('a', CHAR(27 USING utf8mb4), '[2Jb', CHAR(7 USING utf8mb4)) AS esc, REPEAT('x', 1048576) AS big")
	row := r.Rows[0]
	got := []string{
		RenderCell(row[0], r.Binary[0], 100), RenderCell(row[1], r.Binary[1], 100), RenderCell(row[2], r.Binary[2], 100),
		RenderCell(row[3], r.Binary[3], 100), RenderCell(row[4], r.Binary[4], 100),
	}
	want := []string{"NULL", "''", "0x00ff10", "🙂 émoji", "a␛[2Jb␇"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %s: got %q, want %q", r.Columns[i], got[i], want[i])
		}
	}
	if len(row[5].Bytes) != 1<<20 {
		t.Fatalf("1 MB value came back as %d bytes", len(row[5].Bytes))
	}
	if cell := RenderCell(row[5], false, 80); len(cell) != 80+len("…") {
		t.Fatalf("a long value is not cut in the grid: %d", len(cell))
	}
	if whole := RenderCell(row[5], false, 0); len(whole) != 1<<20 {
		t.Fatal("the detail view does not get the whole value")
	}
}

// TestMillionRowsStayBounded reads the first page of a 1,000,000-row table:
// the server-side cap stops after cap+1 rows and the heap does not grow
// with the table.
func TestMillionRowsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1M-row table")
	}
	ep := endpoint(t)
	w := open(t, ep, SessionOptions{Writable: true})
	must(t, w, "CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(40)) AS SELECT seq AS id, CONCAT('row number ', seq) AS v FROM seq_1_to_1000000")
	s := open(t, ep, SessionOptions{})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := must(t, s, "SELECT * FROM big")
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(r.Rows) != 1000 || !r.More {
		t.Fatalf("rows %d more %v", len(r.Rows), r.More)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 16<<20 {
		t.Fatalf("heap grew by %d MB reading the first page", grown>>20)
	}
	t.Logf("first page of 1M rows in %s", took)
	// A statement's own LIMIT still works under the cap.
	if r := must(t, s, "SELECT * FROM big ORDER BY id DESC LIMIT 3"); len(r.Rows) != 3 || r.More || string(r.Rows[0][0].Bytes) != "1000000" {
		t.Fatalf("explicit LIMIT: %d rows, more %v", len(r.Rows), r.More)
	}

	// The whole query streams to CSV: every row arrives, none is kept.
	var lines lineCounter
	var peak uint64
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := s.Export(context.Background(), "SELECT * FROM big", CSV, &lines, func(ExportProgress) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 1_000_000 || lines.n != 1_000_001 || p.Bytes != lines.bytes {
		t.Fatalf("export: %d rows, %d lines, %d of %d bytes", p.Rows, lines.n, p.Bytes, lines.bytes)
	}
	if peak > before.HeapAlloc+16<<20 {
		t.Fatalf("the heap grew by %d MB during the export", (peak-before.HeapAlloc)>>20)
	}
	// The display cap is back for the next statement.
	if r := must(t, s, "SELECT * FROM big"); len(r.Rows) != 1000 || !r.More {
		t.Fatalf("after an export: %d rows, more %v", len(r.Rows), r.More)
	}
}

// lineCounter counts what an export writes without keeping it.
type lineCounter struct{ n, bytes int64 }

func (c *lineCounter) Write(b []byte) (int, error) {
	c.bytes += int64(len(b))
	for _, x := range b {
		if x == '\n' {
			c.n++
		}
	}
	return len(b), nil
}
