package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/dockerops"
)

// TestSQLPaneAgainstTheStack drives the SQL pane from the dashboard in a
// real terminal against the stack's database: a query and its rows, a
// cancelled SLEEP that leaves the server, a write rolled back and one
// committed, history without passwords, and a restart of the db container
// that the pane reports and recovers from by itself.
func TestSQLPaneAgainstTheStack(t *testing.T) {
	s := upStack(t)
	state := t.TempDir()
	term := startTmux(t, "ttsui-sql", []string{"XDG_STATE_HOME=" + state},
		"--project-directory", s.repo, "-p", s.project, "--env-file", s.envFile)
	term.waitFor(30*time.Second, "Containers", "m SQL pane")

	term.keys("m")
	term.waitFor(30*time.Second, "read-only", "db "+s.env["MYSQL_DATABASE"], s.env["MYSQL_USER"]+"@", "Tables in", "users")

	// A query and its rows; NULL and '' as such.
	term.keys("SELECT email, NULL AS n, '' AS e FROM users WHERE security_level = 1;", "C-r")
	term.waitFor(20*time.Second, s.env["ADMIN_EMAIL"], "1 row(s) in", "password from container env")

	// EXPLAIN of the statement under the cursor, run on the server.
	term.keys("C-x")
	term.waitFor(10*time.Second, "select_type", "possible_keys")

	// The tables pane reads the catalog: users opens to its columns.
	term.keys("F4", "Enter")
	term.waitFor(10*time.Second, "email varchar(", "unique")
	term.keys("F2")

	// Cancel: the statement leaves the server's processlist within 2 s.
	root := rootDB(t, s)
	clear := func() { term.keys("C-u") }
	clear()
	term.keys("SELECT SLEEP(60) AS pane_sleep", "C-r")
	term.waitFor(10*time.Second, "running: SELECT SLEEP(60)")
	waitUntil(t, 10*time.Second, "the SLEEP on the server", func() bool { return sleepers(t, root) > 0 })
	term.keys("C-c")
	start := time.Now()
	waitUntil(t, 2*time.Second, "the SLEEP gone from the processlist", func() bool { return sleepers(t, root) == 0 })
	t.Logf("cancelled on the server in %s", time.Since(start).Round(time.Millisecond))
	term.waitFor(5*time.Second, "cancelled after")

	// Schema change asks and says it cannot be undone.
	clear()
	term.keys("CREATE TABLE pane_e2e (v INT);", "C-r")
	term.waitFor(10*time.Second, "Run this schema statement?", "cannot be rolled back")
	term.keys("y")
	term.waitFor(10*time.Second, "row(s) affected")
	t.Cleanup(func() {
		// The port changes with the restart below: dial afresh.
		db := openDB(t, s.dbAddr(t), map[string]string{"MYSQL_USER": "root", "MYSQL_PASSWORD": s.env["MYSQL_ROOT_PASSWORD"]})
		defer db.Close()
		db.Exec("DROP TABLE IF EXISTS `" + s.env["MYSQL_DATABASE"] + "`.pane_e2e")
	})

	// A write, rolled back: nothing changes.
	clear()
	term.keys("INSERT INTO pane_e2e VALUES (1), (2);", "C-r")
	term.waitFor(10*time.Second, "Run this write statement?")
	term.keys("y")
	term.waitFor(10*time.Second, "transaction that is still open", "2 row(s) affected")
	if n := count(t, root, s, "pane_e2e"); n != 0 {
		t.Fatalf("an uncommitted write is visible: %d rows", n)
	}
	term.keys("r")
	term.waitFor(10*time.Second, "rolled back: nothing changed")
	if n := count(t, root, s, "pane_e2e"); n != 0 {
		t.Fatalf("after rollback: %d rows", n)
	}
	// The same write, committed.
	term.keys("C-r")
	term.waitFor(10*time.Second, "Run this write statement?")
	term.keys("y")
	term.waitFor(10*time.Second, "transaction that is still open")
	term.keys("c")
	term.waitFor(10*time.Second, "committed: INSERT INTO pane_e2e")
	if n := count(t, root, s, "pane_e2e"); n != 2 {
		t.Fatalf("after commit: %d rows", n)
	}

	// History: what ran is there, a statement carrying a password is not.
	clear()
	term.keys("SELECT PASSWORD('hunter2-e2e') AS p;", "C-r")
	term.waitFor(10*time.Second, "1 row(s) in")
	hist, err := filepath.Glob(filepath.Join(state, "ttsui", "*", "sql_history.jsonl"))
	if err != nil || len(hist) != 1 {
		t.Fatalf("history file: %v %v", hist, err)
	}
	b, _ := os.ReadFile(hist[0])
	if fi, _ := os.Stat(hist[0]); fi.Mode().Perm() != 0o600 {
		t.Fatalf("history mode %v", fi.Mode().Perm())
	}
	if strings.Contains(string(b), "hunter2") || !strings.Contains(string(b), "INSERT INTO pane_e2e") {
		t.Fatalf("history:\n%s", b)
	}

	// Root on request, after a confirmation.
	term.keys("C-t")
	term.waitFor(10*time.Second, "Connect as root?")
	term.keys("y")
	term.waitFor(20*time.Second, "root@")

	// The db container restarts: the pane says so and reconnects unaided.
	id, err := s.container("db")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "restart", id).CombinedOutput(); err != nil {
		t.Fatalf("restart db: %v %s", err, out)
	}
	term.waitFor(2*time.Minute, "reconnected after: the db container")
	clear()
	term.keys("SELECT COUNT(*) AS after_restart FROM pane_e2e;", "C-r")
	term.waitFor(20*time.Second, "after_restart", "1 row(s) in")
	if err := s.waitHealthy(2 * time.Minute); err != nil {
		t.Fatal(err)
	}

	term.keys("Escape")
	term.waitFor(10*time.Second, "Containers")
	term.keys("q")
	term.waitFor(10*time.Second, "EXITED 0")
}

func rootDB(t *testing.T, s *stack) *sql.DB {
	t.Helper()
	env := map[string]string{"MYSQL_USER": "root", "MYSQL_PASSWORD": s.env["MYSQL_ROOT_PASSWORD"], "MYSQL_DATABASE": s.env["MYSQL_DATABASE"]}
	db := openDB(t, s.dbAddr(t), env)
	t.Cleanup(func() { db.Close() })
	return db
}

// sleepers counts statements from the pane still sleeping on the server.
func sleepers(t *testing.T, root *sql.DB) int {
	t.Helper()
	var n int
	if err := root.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60) AS pane_sleep%'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func count(t *testing.T, root *sql.DB, s *stack, table string) int {
	t.Helper()
	var n int
	if err := root.QueryRow("SELECT COUNT(*) FROM `" + s.env["MYSQL_DATABASE"] + "`." + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSQLCredentialsFromSecretFiles: a db service given its passwords as
// *_FILE secrets (compose file secrets) is reached with them, read from the
// container through the engine, ahead of the different ones in .env.
func TestSQLCredentialsFromSecretFiles(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	p := dbProject(t, "secrets", `
      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/root_pw
      MYSQL_DATABASE: secretdb
      MYSQL_USER: secretuser
      MYSQL_PASSWORD_FILE: /run/secrets/app_pw
    secrets: [root_pw, app_pw]
secrets:
  root_pw: {file: ./root_pw.txt}
  app_pw: {file: ./app_pw.txt}`, map[string]string{"root_pw.txt": "root-from-secret\n", "app_pw.txt": "app-from-secret\n"})
	ctx := context.Background()
	st, err := dockerops.Open(ctx, dockerops.Options{Dir: p.dir, Project: p.name, EnvFile: p.envFile, CreateEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Down(context.Background(), dockerops.DownOptions{Volumes: true}, nil) })
	if err := st.Up(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st.Refresh(ctx)
	login, err := st.DatabaseLogin(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if login.User != "secretuser" || login.Password != "app-from-secret" || login.Database != "secretdb" || login.Source != "secret file /run/secrets/app_pw" {
		t.Fatalf("login %s/%s db %s from %q", login.User, login.Password, login.Database, login.Source)
	}
	// The same through the headless command, as the app user and as root;
	// the server needs a moment to initialise.
	var out string
	waitUntil(t, 90*time.Second, "the app user logged in with the secret", func() bool {
		out, _, err = p.run(t, nil, "sql", "-e", "SELECT CURRENT_USER() AS u, DATABASE() AS d")
		return err == nil
	})
	if !strings.Contains(out, "secretuser@%") || !strings.Contains(out, "secretdb") {
		t.Fatalf("app user: %s", out)
	}
	if out := p.must(t, "sql", "--root", "-e", "SELECT CURRENT_USER() AS u"); !strings.Contains(out, "root@") {
		t.Fatalf("root from its secret: %s", out)
	}
}

// TestSQLExplainsAVolumeWithOlderPasswords: .env re-created after the
// database volume was initialised (the volume keeps the old passwords) is
// reported with its likely cause instead of a bare "access denied".
func TestSQLExplainsAVolumeWithOlderPasswords(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	p := dbProject(t, "oldpw", `
      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}
      MYSQL_DATABASE: ${MYSQL_DATABASE}
      MYSQL_USER: ${MYSQL_USER}
      MYSQL_PASSWORD: ${MYSQL_PASSWORD}
    volumes: [data:/var/lib/mysql]
volumes:
  data: {}`, map[string]string{})
	t.Cleanup(func() { p.run(t, nil, "down", "-v") })
	p.must(t, "up")
	waitUntil(t, 90*time.Second, "the first password works", func() bool {
		_, _, err := p.run(t, nil, "sql", "-e", "SELECT 1")
		return err == nil
	})
	// The stack goes down keeping its volume; .env is lost and re-created.
	p.must(t, "down")
	if err := os.Remove(p.envFile); err != nil {
		t.Fatal(err)
	}
	p.must(t, "up")
	var errOut string
	waitUntil(t, 90*time.Second, "the server answering with the new env", func() bool {
		_, errOut, _ = p.run(t, nil, "sql", "-e", "SELECT 1")
		return strings.Contains(errOut, "ccess denied")
	})
	if !strings.Contains(errOut, "the volume still holds the old passwords") {
		t.Fatalf("no explanation: %s", errOut)
	}
}

// dbProject writes a one-service compose project: the local MariaDB image
// as the db role, published on loopback, with the given environment (and
// whatever YAML follows it) and extra files.
func dbProject(t *testing.T, kind, environment string, files map[string]string) *project {
	t.Helper()
	dir := t.TempDir()
	files["docker-compose.yaml"] = fmt.Sprintf("services:\n  db:\n    image: %s\n    labels: {ttsui.role: db}\n    ports: [\"127.0.0.1::3306\"]\n    environment:%s\n",
		envOr("DB_IMAGE", "ttsui-local/mariadb:10.11"), environment)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &project{dir: dir, name: fmt.Sprintf("ttsui-e2e-%s-%d", kind, os.Getpid()), envFile: filepath.Join(dir, ".env")}
}
