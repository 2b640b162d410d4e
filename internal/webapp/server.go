// Package webapp is the TTS portal server: configuration from the environment,
// the worker pool, live reload of the docroot, the pages, the database and the
// health/status endpoints. cmd/ttsportal wires it to signals and a listener.
package webapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/tts-portal/ttsui/internal/portal"
)

// Server is one portal process.
type Server struct {
	cfg     Config
	log     *slog.Logger
	pool    *Pool
	site    *Site
	store   UserStore
	signer  *Signer
	started time.Time
	handler http.Handler

	accessLogger *slog.Logger
	accessOut    *lazyFlushWriter
}

// UserStore is what the pages need from the database; *Store implements it and
// unit tests substitute a fake.
type UserStore interface {
	Check(ctx context.Context) error
	Authenticate(ctx context.Context, email, password string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	ListUsers(ctx context.Context) ([]User, error)
	RecordLogin(ctx context.Context, id int64) error
	EnsureAdmin(ctx context.Context, email, password string) (bool, error)
}

// New builds a server from a validated config. store may be nil, in which case
// a MySQL store is opened from cfg.DB.
func New(cfg Config, log *slog.Logger, store UserStore) (*Server, error) {
	site, err := NewSite(cfg.Docroot)
	if err != nil {
		return nil, fmt.Errorf("load docroot %s: %w", cfg.Docroot, err)
	}
	if store == nil {
		st, err := OpenStore(cfg.DB, cfg.Workers)
		if err != nil {
			return nil, err
		}
		store = st
	}
	s := &Server{
		cfg:     cfg,
		log:     log,
		pool:    NewPool(cfg.Workers, cfg.QueueLimit, cfg.QueueTimeout),
		site:    site,
		store:   store,
		signer:  NewSigner(cfg.SecretKey),
		started: time.Now(),
	}
	if cfg.AccessLog {
		out := cfg.AccessLogOutput
		if out == nil {
			out = os.Stderr
		}
		s.accessOut = newLazyFlushWriter(out, 100*time.Millisecond)
		s.accessLogger = slog.New(slog.NewTextHandler(s.accessOut, nil))
	}
	s.handler = s.routes()
	return s, nil
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Reload re-reads the docroot. It is safe to call at any time, from any
// goroutine; requests in flight finish on the generation they started with.
func (s *Server) Reload() (uint64, error) {
	gen, err := s.site.Reload()
	if err != nil {
		s.log.Error("reload failed, still serving the previous generation", "generation", gen, "err", err)
	} else {
		s.log.Info("reloaded", "generation", gen)
	}
	return gen, err
}

// Status is the document served at /status.
func (s *Server) Status(ctx context.Context) portal.Status {
	st := s.pool.Stats()
	gen, last, reloadErr := s.site.ReloadState()
	db := "ok"
	if err := s.store.Check(ctx); err != nil {
		db = err.Error()
	}
	return portal.Status{
		Workers: st.Workers, Busy: st.Busy, Queued: st.Queued, QueueLimit: st.QueueLimit,
		Served: st.Served, Rejected: st.Rejected,
		Generation: gen, LastReload: last, ReloadError: reloadErr,
		Started: s.started, Uptime: time.Since(s.started).Seconds(),
		Version: portal.CurrentVersion(), Database: db,
	}
}

// Run serves on ln until ctx ends, then stops accepting, lets requests in
// flight finish within ShutdownTimeout, and returns. It also owns the trigger
// file watcher and the first-admin bootstrap; both stop with ctx.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	var wg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	defer func() { stopBG(); wg.Wait() }()

	wg.Go(func() { s.watchTrigger(bgCtx) })
	if s.cfg.AdminEmail != "" && s.cfg.AdminPassword != "" {
		wg.Go(func() { s.bootstrapAdmin(bgCtx) })
	} else {
		s.log.Info("no ADMIN_EMAIL/ADMIN_PASSWORD given: no first admin account is created")
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("portal serving", "addr", ln.Addr().String(), "workers", s.cfg.Workers, "queue_limit", s.cfg.QueueLimit, "version", portal.CurrentVersion())

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining requests in flight", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("drain requests within %s: %w", s.cfg.ShutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if s.accessOut != nil {
		s.accessOut.Flush()
	}
	s.log.Info("shut down cleanly")
	return nil
}

// watchTrigger reloads when the trigger file in the docroot is created,
// written or touched: the old stack's `touch uwsgi.ini` habit.
func (s *Server) watchTrigger(ctx context.Context) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		s.log.Warn("reload trigger file disabled: cannot create a watcher (SIGHUP still reloads)", "err", err)
		return
	}
	defer w.Close()
	if err := w.Add(s.cfg.Docroot); err != nil {
		s.log.Warn("reload trigger file disabled: cannot watch the docroot (SIGHUP still reloads)", "docroot", s.cfg.Docroot, "err", err)
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if filepath.Base(ev.Name) == s.cfg.ReloadTrigger && ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Chmod) != 0 {
				s.log.Info("reload trigger touched", "file", ev.Name)
				s.Reload()
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			s.log.Warn("reload trigger watcher", "err", err)
		}
	}
}

// bootstrapAdmin creates the first admin as soon as the database answers,
// retrying with backoff because the database may come up after the portal.
func (s *Server) bootstrapAdmin(ctx context.Context) {
	delay := 500 * time.Millisecond
	for {
		created, err := s.store.EnsureAdmin(ctx, s.cfg.AdminEmail, s.cfg.AdminPassword)
		if err == nil {
			if created {
				s.log.Info("created the first admin account", "email", s.cfg.AdminEmail)
			}
			return
		}
		s.log.Warn("first admin not created yet, will retry", "err", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 30*time.Second)
	}
}

func (s *Server) routes() http.Handler {
	pages := http.NewServeMux()
	pages.HandleFunc("GET /{$}", s.handleIndex)
	pages.HandleFunc("GET /login", s.handleLoginForm)
	pages.HandleFunc("POST /login", s.handleLogin)
	pages.HandleFunc("POST /logout", s.handleLogout)
	pages.HandleFunc("GET /account", s.handleAccount)
	pages.HandleFunc("GET /admin/users", s.handleAdminUsers)
	pages.HandleFunc("GET /static/{path...}", s.handleStatic)
	pages.HandleFunc("/", s.handleNotFound)

	var app http.Handler = s.csrfGuard(pages)
	app = s.recoverPanics(app)
	app = s.pool.Wrap(app)
	if s.cfg.AccessLog {
		app = s.accessLog(app)
	}

	root := http.NewServeMux()
	// Probes and status bypass the worker pool: they must answer while every
	// worker is busy, which is exactly when an operator looks.
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	root.HandleFunc("GET /readyz", s.handleReady)
	root.HandleFunc("GET /status", s.handleStatus)
	root.HandleFunc("GET /metrics", s.handleMetrics)
	root.Handle("/", app)
	return root
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Check(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(s.Status(r.Context()))
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	st := s.Status(r.Context())
	dbUp, reloadOK := 0, 1
	if st.Database == "ok" {
		dbUp = 1
	}
	if st.ReloadError != "" {
		reloadOK = 0
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	var b strings.Builder
	metric := func(name, typ, help string, v any) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	metric("ttsportal_workers", "gauge", "Request-handling slots.", st.Workers)
	metric("ttsportal_workers_busy", "gauge", "Slots running a handler now.", st.Busy)
	metric("ttsportal_queue_length", "gauge", "Requests waiting for a slot.", st.Queued)
	metric("ttsportal_requests_served_total", "counter", "Requests that got a slot.", st.Served)
	metric("ttsportal_requests_rejected_total", "counter", "Requests turned away with 503.", st.Rejected)
	metric("ttsportal_generation", "gauge", "Docroot generation; advances on each successful reload.", st.Generation)
	metric("ttsportal_last_reload_success", "gauge", "1 if the last reload succeeded.", reloadOK)
	metric("ttsportal_database_up", "gauge", "1 if the database answered the last check.", dbUp)
	metric("ttsportal_uptime_seconds", "gauge", "Seconds since start.", fmt.Sprintf("%.0f", st.Uptime))
	w.Write([]byte(b.String()))
}

// recoverPanics turns a handler panic into the 500 page and a log line, so one
// bad request never takes the process down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (rw *statusRecorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *statusRecorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += n
	return n, err
}

func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.accessLogger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Duration("took", time.Since(start)))
	})
}
