// Package watch keeps the running stack in step with the project tree: a
// recursive fsnotify watcher that debounces bursts into change sets, rules
// that turn a change set into a plan (reload, rebuild, a notice, an offer to
// re-apply), and a runner that carries plans out one at a time, folding
// changes that arrive meanwhile into one follow-up. It replaces the old
// stack's Watchman + `touch uwsgi.ini`.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// ChangeSet is one debounced burst of changes.
type ChangeSet struct {
	Paths    []string  // relative to the root, slash-separated, sorted
	At       time.Time // when the burst went quiet
	Rescan   bool      // the kernel queue overflowed: Paths come from a rescan
	Warnings []string  // e.g. a directory that could not be watched
}

// Options tune a Watcher.
type Options struct {
	Root     string
	Debounce time.Duration // quiet time that ends a burst; default 100ms
	MaxWait  time.Duration // a burst is flushed after this even if busy; default 1s
}

// Watcher watches a tree.
type Watcher struct {
	opt    Options
	fs     *fsnotify.Watcher
	ignore *ignorer

	mu      sync.Mutex
	watched map[string]bool // directories with a watch: a new directory's
	// Create can arrive after its parent's walk already added it
}

// New watches every directory under root that is not ignored.
func New(opt Options) (*Watcher, error) {
	if opt.Debounce <= 0 {
		opt.Debounce = 100 * time.Millisecond
	}
	if opt.MaxWait <= 0 {
		opt.MaxWait = time.Second
	}
	root, err := filepath.Abs(opt.Root)
	if err != nil {
		return nil, err
	}
	opt.Root = root
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("start the file watcher: %w", limitHint(err))
	}
	w := &Watcher{opt: opt, fs: fw, ignore: loadIgnorer(root), watched: map[string]bool{}}
	if err := w.addTree(root, nil); err != nil {
		fw.Close()
		return nil, err
	}
	return w, nil
}

// Watched is how many directories are being watched.
func (w *Watcher) Watched() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.watched)
}

// Close stops watching.
func (w *Watcher) Close() error { return w.fs.Close() }

func (w *Watcher) rel(path string) string {
	r, err := filepath.Rel(w.opt.Root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// addTree adds watches for dir and every directory below it; files found
// are passed to found (for directories that appeared after the fact, whose
// files were created before their watch existed).
func (w *Watcher) addTree(dir string, found func(rel string)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone meanwhile
			}
			return err
		}
		rel := w.rel(p)
		if p != w.opt.Root && w.ignore.match(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			if found != nil {
				found(rel)
			}
			return nil
		}
		w.mu.Lock()
		seen := w.watched[p]
		w.mu.Unlock()
		if seen {
			return nil
		}
		if err := w.fs.Add(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return fmt.Errorf("watch %s: %w", rel, limitHint(err))
		}
		w.mu.Lock()
		w.watched[p] = true
		w.mu.Unlock()
		return nil
	})
}

// limitHint explains the inotify limits, which are what runs out on big
// trees.
func limitHint(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: the inotify watch limit is reached; raise it with `sudo sysctl fs.inotify.max_user_watches=524288` (and add it to /etc/sysctl.conf)", err)
	}
	if errors.Is(err, syscall.EMFILE) {
		return fmt.Errorf("%w: too many inotify instances; raise `fs.inotify.max_user_instances` with sysctl", err)
	}
	return err
}

// Run turns file events into change sets on out until ctx ends. A burst is
// flushed once no event came for Debounce, or MaxWait after it began.
func (w *Watcher) Run(ctx context.Context, out chan<- ChangeSet) error {
	type state struct {
		created bool // created in this burst: gone again means transient
		gone    bool
	}
	pending := map[string]*state{}
	var warnings []string
	rescan := false
	var quiet, deadline <-chan time.Time
	var burstStart time.Time

	touch := func(rel string, created, gone bool) {
		st := pending[rel]
		if st == nil {
			st = &state{}
			pending[rel] = st
		}
		st.created = st.created || created
		st.gone = gone
		if burstStart.IsZero() {
			burstStart = time.Now()
			deadline = time.After(w.opt.MaxWait)
		}
		quiet = time.After(w.opt.Debounce)
	}
	flush := func() {
		cs := ChangeSet{At: time.Now(), Rescan: rescan, Warnings: warnings}
		for rel, st := range pending {
			if st.created && st.gone {
				continue // an editor's temp file, written and renamed away
			}
			cs.Paths = append(cs.Paths, rel)
		}
		sort.Strings(cs.Paths)
		pending, warnings, rescan = map[string]*state{}, nil, false
		quiet, deadline, burstStart = nil, nil, time.Time{}
		if len(cs.Paths) == 0 && len(cs.Warnings) == 0 {
			return
		}
		select {
		case out <- cs:
		case <-ctx.Done():
		}
	}

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-quiet:
			flush()
		case <-deadline:
			flush()
		case ev, ok := <-w.fs.Events:
			if !ok {
				return errors.New("file watcher closed")
			}
			if ev.Op == fsnotify.Chmod {
				continue // touch of permissions or times only
			}
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				w.forget(ev.Name) // its watches died with it
			}
			rel := w.rel(ev.Name)
			info, statErr := os.Lstat(ev.Name)
			isDir := statErr == nil && info.IsDir()
			if w.ignore.match(rel, isDir) {
				continue
			}
			if isDir && ev.Has(fsnotify.Create) {
				// A new directory (or one moved in): watch it and report what
				// it already holds.
				if err := w.addTree(ev.Name, func(r string) { touch(r, true, false) }); err != nil {
					warnings = append(warnings, err.Error())
				}
				continue
			}
			if isDir {
				continue
			}
			touch(rel, ev.Has(fsnotify.Create), ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename))
		case err, ok := <-w.fs.Errors:
			if !ok {
				return errors.New("file watcher closed")
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: report every file changed since the burst
				// (or the last second) by walking the tree.
				since := burstStart
				if since.IsZero() {
					since = time.Now().Add(-time.Second)
				}
				rescan = true
				w.rescan(since.Add(-w.opt.MaxWait), func(r string) { touch(r, false, false) })
				continue
			}
			warnings = append(warnings, limitHint(err).Error())
			if quiet == nil {
				quiet = time.After(w.opt.Debounce) // report it soon
			}
		}
	}
}

// forget drops a removed or renamed directory, and all below it, from the
// watched set, so that one re-created at the same path is watched again.
func (w *Watcher) forget(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for p := range w.watched {
		if p == path || strings.HasPrefix(p, path+string(filepath.Separator)) {
			delete(w.watched, p)
		}
	}
}

// rescan reports every non-ignored file modified after since.
func (w *Watcher) rescan(since time.Time, found func(rel string)) {
	filepath.WalkDir(w.opt.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel := w.rel(p)
		if p != w.opt.Root && w.ignore.match(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			w.fs.Add(p) // directories created during the overflow
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(since) {
			found(rel)
		}
		return nil
	})
}

// ignorer decides what is never a change: VCS and build output, editor
// swap and backup files, and what the root .gitignore lists.
type ignorer struct {
	patterns []gitPattern
}

type gitPattern struct {
	glob     string
	dirOnly  bool
	anchored bool // contains a slash: matched against the whole path
}

var builtinIgnores = []string{".git/", "bin/", "backups/", "exports/", "node_modules/", ".idea/", ".vscode/"}

func loadIgnorer(root string) *ignorer {
	ig := &ignorer{}
	lines := append([]string{}, builtinIgnores...)
	if b, err := os.ReadFile(filepath.Join(root, ".gitignore")); err == nil {
		lines = append(lines, strings.Split(string(b), "\n")...)
	}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "!") {
			continue // negations are not supported: they only ever un-ignore
		}
		p := gitPattern{glob: l}
		if strings.HasSuffix(p.glob, "/") {
			p.dirOnly = true
			p.glob = strings.TrimSuffix(p.glob, "/")
		}
		if strings.Contains(p.glob, "/") {
			p.anchored = true
			p.glob = strings.TrimPrefix(p.glob, "/")
		}
		ig.patterns = append(ig.patterns, p)
	}
	return ig
}

// editorJunk is what editors write next to the files being edited.
func editorJunk(base string) bool {
	switch {
	case strings.HasSuffix(base, "~"), strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"),
		strings.HasSuffix(base, ".swo"), strings.HasPrefix(base, ".#"),
		strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"), base == "4913",
		strings.HasSuffix(base, ".tmp") && strings.HasPrefix(base, "."):
		return true
	}
	return false
}

// match reports whether rel (slash-separated, relative to the root) is
// ignored; a path is also ignored when one of its parent directories is.
func (ig *ignorer) match(rel string, isDir bool) bool {
	if rel == "" || rel == "." {
		return false
	}
	if editorJunk(filepath.Base(rel)) {
		return true
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		dir := isDir || i < len(parts)-1
		for _, p := range ig.patterns {
			if p.dirOnly && !dir {
				continue
			}
			target := parts[i]
			if p.anchored {
				target = sub
			}
			if ok, _ := filepath.Match(p.glob, target); ok {
				return true
			}
		}
	}
	return false
}
