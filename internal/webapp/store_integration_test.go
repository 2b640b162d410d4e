package webapp

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/testutil/mariadbtest"
	"github.com/tts-portal/ttsui/internal/testutil/tcpproxy"
)

func TestMain(m *testing.M) { os.Exit(mariadbtest.Main(m)) }

var dbSeq atomic.Int64

// newRealStore makes a fresh database with the repository's schema on the
// shared MariaDB server and returns its config, reached through addr when given.
func realDB(t *testing.T) mariadbtest.Database {
	t.Helper()
	srv := mariadbtest.Shared(t)
	name := "portal" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "") + string(rune('a'+dbSeq.Add(1)%26))
	db, err := srv.CreateDatabase(name, filepath.Join("..", "..", "db", "01-schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func openStore(t *testing.T, db mariadbtest.Database, port int) *Store {
	t.Helper()
	st, err := OpenStore(DBConfig{Host: "127.0.0.1", Port: port, Name: db.Name, User: db.User, Password: db.Password}, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestStoreAgainstMariaDB(t *testing.T) {
	db := realDB(t)
	st := openStore(t, db, db.Port)
	ctx := context.Background()
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}

	created, err := st.EnsureAdmin(ctx, "root@example.test", "first password")
	if err != nil || !created {
		t.Fatalf("first EnsureAdmin: created %v err %v", created, err)
	}
	created, err = st.EnsureAdmin(ctx, "root@example.test", "another password")
	if err != nil || created {
		t.Fatalf("second EnsureAdmin must leave the account alone: created %v err %v", created, err)
	}
	u, err := st.Authenticate(ctx, "ROOT@example.test", "first password") // collation is case-insensitive
	if err != nil {
		t.Fatalf("authenticate with the first password: %v", err)
	}
	if !u.IsAdmin() || u.PasswordChanged == nil || u.LastLogin != nil || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Fatalf("admin row: %+v", u)
	}
	if _, err := st.Authenticate(ctx, "root@example.test", "another password"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("the second password must not work: %v", err)
	}
	if _, err := st.Authenticate(ctx, "ghost@example.test", "x"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("unknown user: %v", err)
	}
	if err := st.RecordLogin(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	u2, err := st.UserByID(ctx, u.ID)
	if err != nil || u2.LastLogin == nil || time.Since(*u2.LastLogin) > time.Minute || time.Since(*u2.LastLogin) < -time.Minute {
		t.Fatalf("last login not recorded in UTC: %+v %v", u2, err)
	}
	if _, err := st.CreateUser(ctx, User{FirstName: "Émile", LastName: "Zoë 🙂", Email: "emile@example.test", SecurityLevel: 2}, "pw"); err != nil {
		t.Fatal(err)
	}
	users, err := st.ListUsers(ctx)
	if err != nil || len(users) != 2 || users[0].Email != "root@example.test" || users[1].LastName != "Zoë 🙂" {
		t.Fatalf("list: %+v %v", users, err)
	}
	if _, err := st.UserByID(ctx, 424242); !errors.Is(err, ErrNoUser) {
		t.Fatalf("missing id: %v", err)
	}
}

// TestDatabaseLossAndRecovery puts a proxy between the portal and MariaDB,
// cuts it, and restores it: readiness reports the loss, pages answer 503, and
// both recover with no restart of the portal.
func TestDatabaseLossAndRecovery(t *testing.T) {
	db := realDB(t)
	proxy, err := tcpproxy.Start("127.0.0.1:" + itoa(db.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	st := openStore(t, db, proxy.Port())
	st.healthTTL = 0 // every probe checks for real in this test
	if _, err := st.EnsureAdmin(context.Background(), "admin@example.test", "s3cret pass"); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(copyDocroot(t))
	srv, err := New(cfg, quietLogger(), st)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := runServer(t, srv)
	c := browser(t)
	waitFor(t, 5*time.Second, "ready", func() bool { code, _ := get(t, c, base+"/readyz"); return code == 200 })
	if resp, _ := login(t, c, base, "admin@example.test", "s3cret pass"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login through the proxy: %d", resp.StatusCode)
	}

	proxy.Cut()
	waitFor(t, 10*time.Second, "readyz to report the loss", func() bool { code, _ := get(t, c, base+"/readyz"); return code == 503 })
	if code, body := get(t, c, base+"/account"); code != 503 {
		t.Fatalf("account page with the database gone: %d\n%s", code, body)
	}
	if st := fetchStatus(t, base); st.Database == "ok" {
		t.Fatal("status says the database is ok while it is cut off")
	}
	if code, _ := get(t, c, base+"/healthz"); code != 200 {
		t.Fatal("the process must stay healthy while the database is gone")
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "readyz to recover", func() bool { code, _ := get(t, c, base+"/readyz"); return code == 200 })
	if code, body := get(t, c, base+"/account"); code != 200 || !strings.Contains(body, "admin@example.test") {
		t.Fatalf("account page after recovery: %d", code)
	}
	if st := fetchStatus(t, base); st.Database != "ok" {
		t.Fatalf("status after recovery: %q", st.Database)
	}
}

// TestAdminBootstrapWaitsForTheDatabase starts the portal while the database
// is unreachable; the first admin appears once it comes back.
func TestAdminBootstrapWaitsForTheDatabase(t *testing.T) {
	db := realDB(t)
	proxy, err := tcpproxy.Start("127.0.0.1:" + itoa(db.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	proxy.Cut()
	st := openStore(t, db, proxy.Port())
	cfg := testConfig(copyDocroot(t))
	cfg.AdminEmail, cfg.AdminPassword = "boot@example.test", "from the env file"
	srv, err := New(cfg, quietLogger(), st)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := runServer(t, srv)
	time.Sleep(700 * time.Millisecond) // at least one failed attempt
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	waitFor(t, 20*time.Second, "the first admin to be created", func() bool {
		resp, _ := login(t, c, base, "boot@example.test", "from the env file")
		return resp.StatusCode == http.StatusSeeOther
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
