package webapp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	sessionCookie = "tts_session"
	csrfCookie    = "tts_csrf"
	csrfField     = "csrf_token"
	sessionTTL    = 12 * time.Hour
)

var b64 = base64.RawURLEncoding

// Signer makes and checks the portal's signed values. Session and CSRF keys are
// derived separately from SECRET_KEY so that a value signed for one purpose is
// never accepted for the other.
type Signer struct {
	sessionKey, csrfKey []byte
	now                 func() time.Time
}

// NewSigner derives the keys from the secret.
func NewSigner(secret []byte) *Signer {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("ttsportal/" + purpose))
		return m.Sum(nil)
	}
	return &Signer{sessionKey: derive("session"), csrfKey: derive("csrf"), now: time.Now}
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// Session is what the signed session cookie carries. PasswordChanged lets a
// password change end every older session without server-side state.
type Session struct {
	UserID          int64
	Expires         time.Time
	PasswordChanged int64 // unix seconds of the user's last password change, 0 if never
}

// EncodeSession signs a session into a cookie value.
func (s *Signer) EncodeSession(sess Session) string {
	payload := strconv.FormatInt(sess.UserID, 10) + "." + strconv.FormatInt(sess.Expires.Unix(), 10) + "." + strconv.FormatInt(sess.PasswordChanged, 10)
	p := b64.EncodeToString([]byte(payload))
	return p + "." + b64.EncodeToString(mac(s.sessionKey, p))
}

var errBadSession = errors.New("invalid session")

// DecodeSession checks the signature and expiry of a cookie value.
func (s *Signer) DecodeSession(v string) (Session, error) {
	p, sig, ok := strings.Cut(v, ".")
	if !ok {
		return Session{}, errBadSession
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(s.sessionKey, p)) {
		return Session{}, errBadSession
	}
	raw, err := b64.DecodeString(p)
	if err != nil {
		return Session{}, errBadSession
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 {
		return Session{}, errBadSession
	}
	var n [3]int64
	for i, part := range parts {
		if n[i], err = strconv.ParseInt(part, 10, 64); err != nil {
			return Session{}, errBadSession
		}
	}
	sess := Session{UserID: n[0], Expires: time.Unix(n[1], 0), PasswordChanged: n[2]}
	if !s.now().Before(sess.Expires) {
		return Session{}, errBadSession
	}
	return sess, nil
}

// CSRFToken is the form token that belongs to a CSRF cookie value. The cookie
// is random per browser; the token is its MAC, so a forged form from another
// site can carry neither.
func (s *Signer) CSRFToken(cookieValue string) string {
	return b64.EncodeToString(mac(s.csrfKey, cookieValue))
}

// CheckCSRF reports whether a submitted token matches the cookie.
func (s *Signer) CheckCSRF(cookieValue, token string) bool {
	if cookieValue == "" || token == "" {
		return false
	}
	want := s.CSRFToken(cookieValue)
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// ensureCSRFCookie returns the browser's CSRF cookie value, setting a new one
// when it has none.
func ensureCSRFCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 22 {
		return c.Value
	}
	buf := make([]byte, 24)
	rand.Read(buf) // crypto/rand.Read never fails on supported platforms
	v := b64.EncodeToString(buf)
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: v, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	// Make the new value visible to this request's own form rendering.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return v
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
}

// safeNext keeps a post-login redirect on this site: only absolute paths, never
// a scheme-relative "//host" or a backslash trick.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/account"
	}
	return next
}
