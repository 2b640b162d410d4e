// Command sqlexport measures the SQL pane's streaming export against the
// MariaDB client: the same 1,000,000-row query on a private MariaDB on this
// machine, streamed to /dev/null by `ttsui`'s export code (dbops.Export, as
// a process of its own) and by `mariadb --batch -e`, interleaved round by
// round. It reports rows/s of each and their ratio (target: at least 0.8x),
// and the time to the first row and to the first page of 1000 rows.
//
// Run it through bench/sql.sh (make bench).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/testutil/mariadbtest"
)

const query = "SELECT * FROM big"

func main() {
	child := flag.Bool("child", false, "export the query to stdout (one measured round)")
	rows := flag.Int("rows", 1_000_000, "rows in the table")
	rounds := flag.Int("rounds", 3, "rounds of each side")
	format := flag.String("format", "csv", "export format")
	flag.Parse()
	if *child {
		if err := exportOnce(*format); err != nil {
			fmt.Fprintln(os.Stderr, "sqlexport:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*rows, *rounds, *format); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// exportOnce is our side of a round: connect, stream, exit.
func exportOnce(format string) error {
	port, _ := strconv.Atoi(os.Getenv("BENCH_DB_PORT"))
	ep := dbops.Endpoint{Host: "127.0.0.1", Port: port, User: os.Getenv("BENCH_DB_USER"), Password: os.Getenv("BENCH_DB_PASSWORD"), Database: os.Getenv("BENCH_DB_NAME")}
	ctx := context.Background()
	s, err := dbops.OpenSession(ctx, ep, dbops.SessionOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	f, err := dbops.ParseFormat(format)
	if err != nil {
		return err
	}
	p, err := s.Export(ctx, query, f, os.Stdout, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, p.Rows)
	return nil
}

func run(rows, rounds int, format string) error {
	dir, err := os.MkdirTemp("", "ttsui-bench-sql-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := mariadbtest.Start(dir)
	if err != nil {
		return err
	}
	defer srv.Stop()
	db, err := srv.CreateDatabase("bench")
	if err != nil {
		return err
	}
	// A mix of types like the portal's tables: ints, short and long text,
	// dates, decimals and some NULLs.
	create := fmt.Sprintf(`CREATE TABLE bench.big (id INT PRIMARY KEY, email VARCHAR(64), name VARCHAR(40),
		created DATETIME, score DECIMAL(10,2), note TEXT NULL)
		SELECT seq AS id, CONCAT('user', seq, '@example.com') AS email, CONCAT('User number ', seq) AS name,
		TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS created, seq / 7 AS score,
		IF(seq %% 5 = 0, NULL, REPEAT('note, with "quotes"', 2)) AS note FROM bench.seq_1_to_%d`, rows)
	start := time.Now()
	if _, err := srv.Admin().Exec(create); err != nil {
		return fmt.Errorf("build the table: %w", err)
	}
	fmt.Printf("bench: %d-row table built in %s\n", rows, time.Since(start).Round(time.Millisecond))

	self, err := os.Executable()
	if err != nil {
		return err
	}
	client, err := exec.LookPath("mariadb")
	if err != nil {
		return fmt.Errorf("the mariadb client is needed for the baseline: apt-get install mariadb-client")
	}
	env := append(os.Environ(), "BENCH_DB_PORT="+strconv.Itoa(db.Port), "BENCH_DB_USER="+db.User,
		"BENCH_DB_PASSWORD="+db.Password, "BENCH_DB_NAME="+db.Name, "MYSQL_PWD="+db.Password)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	timed := func(name string, args ...string) (time.Duration, error) {
		cmd := exec.Command(name, args...)
		cmd.Env, cmd.Stdout = env, devnull
		out := &tail{}
		cmd.Stderr = out
		t0 := time.Now()
		err := cmd.Run()
		took := time.Since(t0)
		if err != nil {
			return 0, fmt.Errorf("%s: %v: %s", name, err, out.b)
		}
		// Our side says how many rows it streamed: all of them, or the
		// comparison means nothing.
		if name == self && string(out.b) != strconv.Itoa(rows)+"\n" {
			return 0, fmt.Errorf("the export streamed %q rows, want %d", out.b, rows)
		}
		return took, nil
	}
	var ours, theirs []time.Duration
	for i := 0; i < rounds; i++ {
		d, err := timed(self, "-child", "-format", format)
		if err != nil {
			return err
		}
		ours = append(ours, d)
		d, err = timed(client, "--batch", "--protocol=tcp", "-h", "127.0.0.1", "-P", strconv.Itoa(db.Port), "-u", db.User, db.Name, "-e", query)
		if err != nil {
			return err
		}
		theirs = append(theirs, d)
	}
	mo, mt := median(ours), median(theirs)
	fmt.Printf("export %d rows to %s: ttsui %s (%.0f rows/s), mariadb --batch %s (%.0f rows/s): ratio %.2fx (target >= 0.8x)\n",
		rows, format, mo.Round(time.Millisecond), float64(rows)/mo.Seconds(), mt.Round(time.Millisecond), float64(rows)/mt.Seconds(), mt.Seconds()/mo.Seconds())

	// Time to the first row and to the first page, on an open session as
	// the pane has one.
	ep := dbops.Endpoint{Host: "127.0.0.1", Port: db.Port, User: db.User, Password: db.Password, Database: db.Name}
	s, err := dbops.OpenSession(context.Background(), ep, dbops.SessionOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	for _, n := range []int{1, 1000} {
		var ds []time.Duration
		for i := 0; i < 5; i++ {
			r, err := s.Run(context.Background(), query, n)
			if err != nil {
				return err
			}
			ds = append(ds, r.Elapsed)
		}
		fmt.Printf("time to the first %d row(s) of %d: %s (median of 5)\n", n, rows, median(ds).Round(10*time.Microsecond))
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// tail keeps the end of a child's stderr for error messages.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}
