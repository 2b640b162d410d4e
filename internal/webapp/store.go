package webapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/bcrypt"
)

// SecurityAdmin is the security level that may see the user list.
const SecurityAdmin = 1

// User is one row of the users table.
type User struct {
	ID              int64
	FirstName       string
	LastName        string
	Email           string
	PasswordHash    string
	SecurityLevel   int
	Created         time.Time
	LastLogin       *time.Time
	PasswordChanged *time.Time
}

// IsAdmin reports whether the user may see the admin pages.
func (u *User) IsAdmin() bool { return u != nil && u.SecurityLevel == SecurityAdmin }

// ErrNoUser is returned when a lookup finds nobody.
var ErrNoUser = errors.New("no such user")

// Store is the portal's database access. database/sql re-dials lost
// connections by itself; Store adds a cached health check and connection
// lifetimes that stay under the server's idle timeout, so a restarted or
// recreated database is picked up without restarting the portal.
type Store struct {
	db *sql.DB

	healthMu    sync.Mutex
	checkedAt   time.Time
	healthErr   error
	tunedOnce   sync.Once
	healthTTL   time.Duration
	pingTimeout time.Duration
}

// OpenStore prepares the pool; it does not dial, so the portal starts even when
// the database is not up yet and /readyz says so.
func OpenStore(c DBConfig, workers int) (*Store, error) {
	mc := mysql.NewConfig()
	mc.User = c.User
	mc.Passwd = c.Password
	mc.Net = "tcp"
	mc.Addr = net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	mc.DBName = c.Name
	mc.ParseTime = true
	mc.Loc = time.UTC
	mc.Timeout = 3 * time.Second
	mc.ReadTimeout = 15 * time.Second
	mc.WriteTimeout = 15 * time.Second
	mc.Params = map[string]string{"time_zone": "'+00:00'"}
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("database settings: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(workers * 2)
	db.SetMaxIdleConns(workers)
	db.SetConnMaxIdleTime(time.Minute)
	// Refined in tune() once the server's wait_timeout is known.
	db.SetConnMaxLifetime(3 * time.Minute)
	return &Store{db: db, healthTTL: time.Second, pingTimeout: 2 * time.Second}, nil
}

// Close releases the pool.
func (s *Store) Close() error { return s.db.Close() }

// Check reports whether the database answers. Results are cached for a second
// so that a burst of /readyz or /status calls costs one round trip.
func (s *Store) Check(ctx context.Context) error {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if !s.checkedAt.IsZero() && time.Since(s.checkedAt) < s.healthTTL {
		return s.healthErr
	}
	ctx, cancel := context.WithTimeout(ctx, s.pingTimeout)
	defer cancel()
	err := s.db.PingContext(ctx)
	if err != nil {
		err = fmt.Errorf("database unreachable: %w", err)
	} else {
		s.tunedOnce.Do(func() { s.tune(ctx) })
	}
	s.checkedAt, s.healthErr = time.Now(), err
	return err
}

// tune keeps pooled connections younger than half the server's wait_timeout,
// so the pool never hands out a connection the server already closed.
func (s *Store) tune(ctx context.Context) {
	var wait int
	if err := s.db.QueryRowContext(ctx, "SELECT @@SESSION.wait_timeout").Scan(&wait); err != nil || wait <= 0 {
		return
	}
	s.db.SetConnMaxLifetime(min(3*time.Minute, time.Duration(wait)*time.Second/2))
}

const userColumns = "id, first_name, last_name, email, password_hash, security_level, created_at, last_login_at, password_changed_at"

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var last, changed sql.NullTime
	if err := row.Scan(&u.ID, &u.FirstName, &u.LastName, &u.Email, &u.PasswordHash, &u.SecurityLevel, &u.Created, &last, &changed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNoUser
		}
		return nil, err
	}
	if last.Valid {
		u.LastLogin = &last.Time
	}
	if changed.Valid {
		u.PasswordChanged = &changed.Time
	}
	return &u, nil
}

// UserByEmail finds a user by email (case-insensitive through the collation).
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", email))
	if err != nil && !errors.Is(err, ErrNoUser) {
		return nil, fmt.Errorf("look up user: %w", err)
	}
	return u, err
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil && !errors.Is(err, ErrNoUser) {
		return nil, fmt.Errorf("look up user %d: %w", id, err)
	}
	return u, err
}

// ListUsers returns every user, admins first.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY security_level, last_name, first_name, id")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// RecordLogin stamps the user's last login time.
func (s *Store) RecordLogin(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE users SET last_login_at = UTC_TIMESTAMP() WHERE id = ?", id); err != nil {
		return fmt.Errorf("record login: %w", err)
	}
	return nil
}

// CreateUser inserts a user with a bcrypt hash of the password.
func (s *Store) CreateUser(ctx context.Context, u User, password string) (int64, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return 0, fmt.Errorf("hash password: %w", err)
	}
	res, err := s.db.ExecContext(ctx,
		"INSERT INTO users (first_name, last_name, email, password_hash, security_level, password_changed_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP())",
		u.FirstName, u.LastName, u.Email, string(hash), u.SecurityLevel)
	if err != nil {
		return 0, fmt.Errorf("create user %s: %w", u.Email, err)
	}
	return res.LastInsertId()
}

// EnsureAdmin creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD unless a
// user with that email exists. An existing account is never overwritten: its
// password may have been changed on purpose since.
func (s *Store) EnsureAdmin(ctx context.Context, email, password string) (created bool, err error) {
	if _, err := s.UserByEmail(ctx, email); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNoUser) {
		return false, err
	}
	_, err = s.CreateUser(ctx, User{FirstName: "Portal", LastName: "Admin", Email: email, SecurityLevel: SecurityAdmin}, password)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 { // another replica created it first
		return false, nil
	}
	return err == nil, err
}

// dummyHash lets a login for an unknown email cost the same bcrypt work as a
// wrong password, so response time does not reveal which emails exist.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("timing-equaliser"), bcrypt.DefaultCost)
	return h
})

// Authenticate checks an email and password. It returns ErrNoUser for any
// mismatch, so callers cannot tell an unknown email from a wrong password.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, ErrNoUser) {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, ErrNoUser
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, ErrNoUser
	}
	return u, nil
}
