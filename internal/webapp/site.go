package webapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pageNames are the templates every generation must have; a docroot missing one
// is a reload error, not a 500 at request time.
var pageNames = []string{"index", "login", "account", "admin_users", "error"}

// SiteSettings is the live-reloadable part of the configuration, read from the
// optional docroot/site.json on every reload.
type SiteSettings struct {
	Title   string `json:"title"`
	Tagline string `json:"tagline"`
}

// generation is one immutable, fully parsed view of the docroot. Requests take
// the current one at their start and keep it to the end, so a reload never
// changes anything under a running request.
type generation struct {
	n        uint64
	pages    map[string]*template.Template
	settings SiteSettings

	// The anonymous landing page is the same bytes for every visitor of a
	// generation (two variants: with and without a session cookie), so it is
	// rendered once per generation instead of once per request.
	landingOnce [2]sync.Once
	landing     [2][]byte
	landingErr  [2]error
}

// landingPage returns the cached landing page for a variant, rendering it on
// first use.
func (g *generation) landingPage(variant int, data func() pageData) ([]byte, error) {
	g.landingOnce[variant].Do(func() {
		var b bytes.Buffer
		g.landingErr[variant] = g.execute(&b, "index", data())
		g.landing[variant] = b.Bytes()
	})
	return g.landing[variant], g.landingErr[variant]
}

func (g *generation) execute(buf *bytes.Buffer, page string, data any) error {
	t, ok := g.pages[page]
	if !ok {
		return fmt.Errorf("render %s: no such page", page)
	}
	if err := t.ExecuteTemplate(buf, "base", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	return nil
}

func writeHTML(w http.ResponseWriter, status int, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// Site serves the docroot: templates, static files and live settings, and
// reloads them on demand.
type Site struct {
	docroot string

	reloadMu sync.Mutex // one reload at a time; requests never take it
	cur      atomic.Pointer[generation]

	stateMu    sync.Mutex
	lastReload time.Time
	lastErr    string
}

// NewSite parses the docroot once. A docroot that does not parse at start-up is
// fatal: there is no older generation to keep serving.
func NewSite(docroot string) (*Site, error) {
	s := &Site{docroot: docroot}
	g, err := loadGeneration(docroot, 1)
	if err != nil {
		return nil, err
	}
	s.cur.Store(g)
	s.lastReload = time.Now()
	return s, nil
}

// Reload parses the docroot again and, when everything parses, makes it the
// current generation. On failure the previous generation keeps serving and the
// error is kept for /status.
func (s *Site) Reload() (uint64, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.cur.Load()
	g, err := loadGeneration(s.docroot, old.n+1)
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	s.lastReload = time.Now()
	if err != nil {
		s.lastErr = err.Error()
		return old.n, err
	}
	s.lastErr = ""
	s.cur.Store(g)
	return g.n, nil
}

// ReloadState reports the current generation and the last reload's outcome.
func (s *Site) ReloadState() (gen uint64, last time.Time, errText string) {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.cur.Load().n, s.lastReload, s.lastErr
}

func (s *Site) current() *generation { return s.cur.Load() }

func loadGeneration(docroot string, n uint64) (*generation, error) {
	tdir := filepath.Join(docroot, "templates")
	base, err := template.New("base.html").Funcs(templateFuncs).ParseFiles(filepath.Join(tdir, "base.html"))
	if err != nil {
		return nil, fmt.Errorf("reload templates: %w", err)
	}
	// Optional shared partials, parsed into every page.
	partials, err := filepath.Glob(filepath.Join(tdir, "_*.html"))
	if err != nil {
		return nil, fmt.Errorf("reload templates: %w", err)
	}
	if len(partials) > 0 {
		if _, err := base.ParseFiles(partials...); err != nil {
			return nil, fmt.Errorf("reload templates: %w", err)
		}
	}
	g := &generation{n: n, pages: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("reload templates: %w", err)
		}
		if _, err := t.ParseFiles(filepath.Join(tdir, name+".html")); err != nil {
			return nil, fmt.Errorf("reload templates: %w", err)
		}
		g.pages[name] = t
	}
	g.settings = SiteSettings{Title: "TTS Portal"}
	b, err := os.ReadFile(filepath.Join(docroot, "site.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reload site.json: %w", err)
	default:
		if err := json.Unmarshal(b, &g.settings); err != nil {
			return nil, fmt.Errorf("reload site.json: %w", err)
		}
	}
	return g, nil
}

var templateFuncs = template.FuncMap{
	"datetime": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "never"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "never"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return ""
	},
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page into a buffer first, so that a template execution
// error becomes a clean 500 instead of half a page.
func (g *generation) render(w http.ResponseWriter, status int, page string, data any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := g.execute(buf, page, data); err != nil {
		return err
	}
	return writeHTML(w, status, buf.Bytes())
}

// serveStatic serves a file below docroot/static. os.OpenInRoot refuses any path
// that escapes the directory, symlinks included. The ETag comes from size and
// modification time, so an edited file gets a new tag without a reload, and
// no-cache makes browsers revalidate (a cheap 304) instead of using stale copies.
func (s *Site) serveStatic(w http.ResponseWriter, r *http.Request, name string) bool {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "" || name == "." {
		return false
	}
	f, err := os.OpenInRoot(filepath.Join(s.docroot, "static"), name)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		return false
	}
	h := w.Header()
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size()))
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), io.ReadSeeker(f))
	return true
}
