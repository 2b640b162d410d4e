// Package mariadbtest runs a private, throwaway MariaDB server on the host for
// integration tests: its own data directory in a temp dir, its own socket, a
// free 127.0.0.1 port. No mocks: tests talk to a real MySQL-compatible server.
//
// When mariadbd is not installed the tests skip on a developer's machine but
// fail in CI (CI or TTSUI_REQUIRE_INTEGRATION set), so CI can never pass by
// quietly testing nothing.
package mariadbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Required reports whether a missing server must fail the run instead of
// skipping it.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("TTSUI_REQUIRE_INTEGRATION") != ""
}

// Server is one running mariadbd.
type Server struct {
	Port   int
	dir    string
	socket string
	cmd    *exec.Cmd
	done   chan error
	admin  *sql.DB
}

// Database is a database with its own application user on a Server.
type Database struct {
	Host, Name, User, Password string
	Port                       int
}

func findBinary(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/bin"} {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("none of %s found: install mariadb-server (apt-get install mariadb-server)", strings.Join(names, ", "))
}

// ErrUnavailable wraps the reason no server could be started.
var ErrUnavailable = errors.New("mariadb unavailable")

// Start initialises a data directory under dir and starts mariadbd on it.
func Start(dir string) (*Server, error) {
	mariadbd, err := findBinary("mariadbd", "mysqld")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	installDB, err := findBinary("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	s := &Server{dir: dir, socket: filepath.Join(dir, "mysqld.sock"), done: make(chan error, 1)}
	data := filepath.Join(dir, "data")
	userArgs := []string{}
	if os.Geteuid() == 0 {
		userArgs = append(userArgs, "--user=root")
	}
	install := exec.Command(installDB, append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, userArgs...)...)
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	s.Port, err = freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{"--no-defaults", "--datadir=" + data, "--socket=" + s.socket,
		"--port=" + strconv.Itoa(s.Port), "--bind-address=127.0.0.1",
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"),
		"--innodb-buffer-pool-size=128M", "--skip-log-bin", "--max-connections=500",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
		"--log-error=" + filepath.Join(dir, "error.log")}, userArgs...)
	s.cmd = exec.Command(mariadbd, args...)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mariadbd: %w", err)
	}
	go func() { s.done <- s.cmd.Wait() }()

	admin, err := sql.Open("mysql", (&mysql.Config{User: "root", Net: "unix", Addr: s.socket, AllowNativePasswords: true}).FormatDSN())
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.admin = admin
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = admin.PingContext(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			return nil, fmt.Errorf("mariadbd exited during start-up: %v\n%s", werr, log)
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("mariadbd did not answer within 60s: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s, nil
}

// Admin is a root connection over the server's socket.
func (s *Server) Admin() *sql.DB { return s.admin }

// CreateDatabase makes a fresh database and an application user that owns it,
// then runs each schema file against it.
func (s *Server) CreateDatabase(name string, schemaFiles ...string) (Database, error) {
	d := Database{Host: "127.0.0.1", Port: s.Port, Name: name, User: name + "_app", Password: "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	stmts := []string{
		"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", d.User, d.Password),
		fmt.Sprintf("GRANT ALL ON `%s`.* TO '%s'@'%%'", name, d.User),
	}
	for _, q := range stmts {
		if _, err := s.admin.Exec(q); err != nil {
			return d, fmt.Errorf("create database %s: %w", name, err)
		}
	}
	if len(schemaFiles) == 0 {
		return d, nil
	}
	db, err := sql.Open("mysql", d.DSN()+"&multiStatements=true")
	if err != nil {
		return d, err
	}
	defer db.Close()
	for _, f := range schemaFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return d, err
		}
		if _, err := db.Exec(string(b)); err != nil {
			return d, fmt.Errorf("apply %s: %w", f, err)
		}
	}
	return d, nil
}

// DSN is a go-sql-driver DSN for the application user over TCP.
func (d Database) DSN() string {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.DBName = d.User, d.Password, "tcp", d.Name
	c.Addr = net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
	c.ParseTime = true
	return c.FormatDSN()
}

// Stop ends the server and waits for it.
func (s *Server) Stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Main runs a package's tests with one shared server, for TestMain. It returns
// the exit code. When no server can be started, tests that call Shared skip
// (or fail when Required).
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mariadbtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	shared, sharedErr = Start(dir)
	if shared != nil {
		defer shared.Stop()
	}
	return m.Run()
}

var (
	shared    *Server
	sharedErr error
)

// Shared returns the package's server, started by Main, or skips/fails the test.
func Shared(t testing.TB) *Server {
	t.Helper()
	if shared != nil {
		return shared
	}
	if sharedErr == nil {
		sharedErr = errors.New("mariadbtest.Main was not called from TestMain")
	}
	if Required() {
		t.Fatalf("integration test needs MariaDB: %v", sharedErr)
	}
	t.Skipf("integration test skipped (set CI=1 to make this a failure): %v", sharedErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
