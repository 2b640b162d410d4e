package webapp

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// pageData is what every template receives.
type pageData struct {
	Site       SiteSettings
	Generation uint64
	User       *User
	CSRF       string
	Error      string
	Status     int
	Message    string
	Email      string
	Next       string
	Users      []User
}

// csrfGuard rejects any state-changing request whose form token does not
// match the browser's CSRF cookie. Cookies and tokens are handed out only by
// pages that render a form (withCSRF), so plain page views stay cheap.
func (s *Server) csrfGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			cookie := ""
			if c, err := r.Cookie(csrfCookie); err == nil {
				cookie = c.Value
			}
			if !s.signer.CheckCSRF(cookie, r.PostFormValue(csrfField)) {
				s.renderError(w, r, http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// newPage fills the fields every page needs.
func (s *Server) newPage(g *generation) pageData {
	return pageData{Site: g.settings, Generation: g.n, Status: http.StatusOK}
}

// withCSRF adds the form token for a page that renders a form, giving the
// browser a CSRF cookie first when it has none.
func (s *Server) withCSRF(w http.ResponseWriter, r *http.Request, d *pageData) {
	d.CSRF = s.signer.CSRFToken(ensureCSRFCookie(w, r))
}

// currentUser resolves the session cookie. A session whose user is gone or
// whose password changed after it was issued is treated as logged out.
func (s *Server) currentUser(r *http.Request) (*User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	sess, err := s.signer.DecodeSession(c.Value)
	if err != nil {
		return nil, nil
	}
	u, err := s.store.UserByID(r.Context(), sess.UserID)
	if errors.Is(err, ErrNoUser) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if changedUnix(u) != sess.PasswordChanged {
		return nil, nil
	}
	return u, nil
}

func changedUnix(u *User) int64 {
	if u.PasswordChanged == nil {
		return 0
	}
	return u.PasswordChanged.Unix()
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, g *generation, page string, d pageData) {
	if err := g.render(w, d.Status, page, d); err != nil {
		s.serverError(w, r, err)
	}
}

// renderError shows the error page with a message meant for the visitor.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	g := s.site.current()
	d := s.newPage(g)
	d.Status, d.Message = status, msg
	if err := g.render(w, status, "error", d); err != nil {
		// The error template itself is broken: fall back to plain text.
		s.log.Error("render error page", "err", err)
		http.Error(w, msg, status)
	}
}

// serverError logs the cause and shows a 500 page that leaks none of it.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.renderError(w, r, http.StatusInternalServerError, "Something went wrong on our side. It has been logged; please try again.")
}

// dbUnavailable is the answer when the database is down: 503, not a crash.
func (s *Server) dbUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Warn("database unavailable", "path", r.URL.Path, "err", err)
	s.renderError(w, r, http.StatusServiceUnavailable, "The portal's database is not reachable right now. Please try again in a moment.")
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	g := s.site.current()
	// The landing page never needs the database: it shows only whether a
	// session cookie is present, which keeps it fast and up while the DB is
	// not, and makes it cacheable per generation.
	variant := 0
	if _, err := r.Cookie(sessionCookie); err == nil {
		variant = 1
	}
	body, err := g.landingPage(variant, func() pageData {
		d := s.newPage(g)
		if variant == 1 {
			d.Next = "/account"
		}
		return d
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeHTML(w, http.StatusOK, body)
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	g := s.site.current()
	d := s.newPage(g)
	s.withCSRF(w, r, &d)
	d.Next = safeNext(r.URL.Query().Get("next"))
	s.render(w, r, g, "login", d)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	g := s.site.current()
	d := s.newPage(g)
	s.withCSRF(w, r, &d)
	d.Email = strings.TrimSpace(r.PostFormValue("email"))
	d.Next = safeNext(r.PostFormValue("next"))
	password := r.PostFormValue("password")
	if d.Email == "" || password == "" {
		d.Status, d.Error = http.StatusBadRequest, "Enter your email and password."
		s.render(w, r, g, "login", d)
		return
	}
	u, err := s.store.Authenticate(r.Context(), d.Email, password)
	switch {
	case errors.Is(err, ErrNoUser):
		s.log.Info("login failed", "email", d.Email, "remote", r.RemoteAddr)
		d.Status, d.Error = http.StatusUnauthorized, "Wrong email or password."
		s.render(w, r, g, "login", d)
		return
	case err != nil:
		s.log.Warn("login: database unavailable", "err", err)
		d.Status, d.Error = http.StatusServiceUnavailable, "The portal's database is not reachable right now. Please try again in a moment."
		s.render(w, r, g, "login", d)
		return
	}
	if err := s.store.RecordLogin(r.Context(), u.ID); err != nil {
		s.log.Warn("login succeeded but the login time was not recorded", "user", u.ID, "err", err)
	}
	exp := time.Now().Add(sessionTTL)
	setSessionCookie(w, r, s.signer.EncodeSession(Session{UserID: u.ID, Expires: exp, PasswordChanged: changedUnix(u)}), exp)
	s.log.Info("login", "user", u.ID, "email", u.Email)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	clearSessionCookie(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// requireUser returns the logged-in user or answers the request itself
// (redirect to login, or 503 when the database is down).
func (s *Server) requireUser(w http.ResponseWriter, r *http.Request) *User {
	u, err := s.currentUser(r)
	if err != nil {
		s.dbUnavailable(w, r, err)
		return nil
	}
	if u == nil {
		http.Redirect(w, r, "/login?next="+r.URL.EscapedPath(), http.StatusSeeOther)
		return nil
	}
	return u
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r)
	if u == nil {
		return
	}
	g := s.site.current()
	d := s.newPage(g)
	s.withCSRF(w, r, &d)
	d.User = u
	s.render(w, r, g, "account", d)
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r)
	if u == nil {
		return
	}
	if !u.IsAdmin() {
		s.renderError(w, r, http.StatusForbidden, "This page is for administrators only.")
		return
	}
	users, err := s.store.ListUsers(r.Context())
	if err != nil {
		s.dbUnavailable(w, r, err)
		return
	}
	g := s.site.current()
	d := s.newPage(g)
	s.withCSRF(w, r, &d)
	d.User, d.Users = u, users
	s.render(w, r, g, "admin_users", d)
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	if !s.site.serveStatic(w, r, r.PathValue("path")) {
		s.handleNotFound(w, r)
	}
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
}
