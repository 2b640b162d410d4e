package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// startWatcher watches a fresh temp tree and collects change sets.
func startWatcher(t *testing.T, setup func(root string)) (string, *Watcher, <-chan ChangeSet) {
	t.Helper()
	root := t.TempDir()
	if setup != nil {
		setup(root)
	}
	w, err := New(Options{Root: root, Debounce: 80 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan ChangeSet, 16)
	done := make(chan struct{})
	go func() { w.Run(ctx, out); close(done) }()
	t.Cleanup(func() { cancel(); <-done; w.Close() })
	return root, w, out
}

func next(t *testing.T, ch <-chan ChangeSet) ChangeSet {
	t.Helper()
	select {
	case cs := <-ch:
		return cs
	case <-time.After(5 * time.Second):
		t.Fatal("no change set within 5s")
	}
	return ChangeSet{}
}

func quiet(t *testing.T, ch <-chan ChangeSet, d time.Duration) {
	t.Helper()
	select {
	case cs := <-ch:
		t.Fatalf("unexpected change set: %+v", cs)
	case <-time.After(d):
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBurstBecomesOneChangeSet(t *testing.T) {
	root, _, out := startWatcher(t, func(r string) { os.MkdirAll(filepath.Join(r, "docroot"), 0o755) })
	for i := range 500 {
		write(t, filepath.Join(root, "docroot", fmt.Sprintf("f%d.html", i%50)), fmt.Sprint(i))
	}
	cs := next(t, out)
	if len(cs.Paths) != 50 || cs.Paths[0] != "docroot/f0.html" {
		t.Fatalf("%d paths: %v", len(cs.Paths), cs.Paths[:min(5, len(cs.Paths))])
	}
	quiet(t, out, 300*time.Millisecond)
}

func TestAtomicSaveIsSeen(t *testing.T) {
	root, _, out := startWatcher(t, func(r string) { write(t, filepath.Join(r, "docroot", "index.html"), "old") })
	tmp := filepath.Join(root, "docroot", "index.html.new123")
	write(t, tmp, "new")
	if err := os.Rename(tmp, filepath.Join(root, "docroot", "index.html")); err != nil {
		t.Fatal(err)
	}
	cs := next(t, out)
	if strings.Join(cs.Paths, ",") != "docroot/index.html" {
		t.Fatalf("paths %v: the target must be reported, the transient temp file not", cs.Paths)
	}
}

func TestNewNestedDirectoriesAreWatched(t *testing.T) {
	root, w, out := startWatcher(t, nil)
	before := w.Watched()
	write(t, filepath.Join(root, "a", "b", "c", "first.go"), "package c")
	cs := next(t, out)
	if strings.Join(cs.Paths, ",") != "a/b/c/first.go" {
		t.Fatalf("files created with their directory: %v", cs.Paths)
	}
	write(t, filepath.Join(root, "a", "b", "c", "second.go"), "package c")
	if cs := next(t, out); strings.Join(cs.Paths, ",") != "a/b/c/second.go" {
		t.Fatalf("the new directory is not watched: %v", cs.Paths)
	}
	if w.Watched() != before+3 {
		t.Fatalf("watching %d directories, want %d", w.Watched(), before+3)
	}
	// A removed directory is simply gone; the watcher goes on.
	os.RemoveAll(filepath.Join(root, "a"))
	next(t, out)
	write(t, filepath.Join(root, "z.go"), "package z")
	if cs := next(t, out); strings.Join(cs.Paths, ",") != "z.go" {
		t.Fatalf("after removing a directory: %v", cs.Paths)
	}
	// Re-created at the same path: watched again.
	write(t, filepath.Join(root, "a", "again.go"), "package a")
	next(t, out)
	write(t, filepath.Join(root, "a", "later.go"), "package a")
	if cs := next(t, out); strings.Join(cs.Paths, ",") != "a/later.go" {
		t.Fatalf("a re-created directory is not watched: %v", cs.Paths)
	}
}

func TestIgnoredPathsAreIgnored(t *testing.T) {
	root, _, out := startWatcher(t, func(r string) {
		write(t, filepath.Join(r, ".gitignore"), "# local\n*.log\nbuild/\n/secret.txt\n")
		for _, d := range []string{".git", "bin", "build", "docroot"} {
			os.MkdirAll(filepath.Join(r, d), 0o755)
		}
	})
	for _, p := range []string{".git/index", "bin/ttsui", "build/out.o", "app.log", "secret.txt",
		"docroot/.index.html.swp", "docroot/index.html~", "docroot/4913", "docroot/.#index.html"} {
		write(t, filepath.Join(root, p), "x")
	}
	os.Chmod(filepath.Join(root, ".gitignore"), 0o600) // chmod only: ignored
	quiet(t, out, 400*time.Millisecond)
	write(t, filepath.Join(root, "docroot", "index.html"), "x")
	if cs := next(t, out); strings.Join(cs.Paths, ",") != "docroot/index.html" {
		t.Fatalf("paths %v", cs.Paths)
	}
}

func TestOverflowRescans(t *testing.T) {
	root, w, out := startWatcher(t, func(r string) { write(t, filepath.Join(r, "old.go"), "x") })
	time.Sleep(50 * time.Millisecond)
	// Files changed while the kernel dropped their events.
	w.fs.Remove(root)
	write(t, filepath.Join(root, "lost.go"), "x")
	w.fs.Add(root)
	w.fs.Errors <- fsnotify.ErrEventOverflow
	cs := next(t, out)
	if !cs.Rescan || !contains(cs.Paths, "lost.go") {
		t.Fatalf("rescan: %+v", cs)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func TestLimitErrorsSayWhatToDo(t *testing.T) {
	err := limitHint(fmt.Errorf("add: %w", syscall.ENOSPC))
	if !strings.Contains(err.Error(), "max_user_watches") || !strings.Contains(err.Error(), "sysctl") {
		t.Fatalf("%v", err)
	}
}

func TestDecide(t *testing.T) {
	rules := DefaultRules()
	p := Decide(ChangeSet{Paths: []string{"docroot/templates/index.html", "docroot/static/css/x.css"}}, rules)
	if strings.Join(p.Reload, ",") != "web" || len(p.Rebuild) != 0 {
		t.Fatalf("template change: %+v", p)
	}
	p = Decide(ChangeSet{Paths: []string{"docroot/templates/index.html", "internal/webapp/pages.go"}}, rules)
	if strings.Join(p.Rebuild, ",") != "web" || len(p.Reload) != 0 {
		t.Fatalf("a rebuild includes the reload: %+v", p)
	}
	for _, f := range []string{"go.mod", "go.sum", "Dockerfile.web", "cmd/ttsportal/main.go"} {
		if p := Decide(ChangeSet{Paths: []string{f}}, rules); strings.Join(p.Rebuild, ",") != "web" {
			t.Errorf("%s: %+v", f, p)
		}
	}
	p = Decide(ChangeSet{Paths: []string{"db/01-schema.sql"}}, rules)
	if len(p.Notices) != 1 || len(p.Rebuild)+len(p.Reload) != 0 {
		t.Fatalf("db change: %+v", p)
	}
	p = Decide(ChangeSet{Paths: []string{"docker-compose.yaml", ".env"}}, rules)
	if len(p.OfferUp) != 2 || len(p.Rebuild)+len(p.Reload) != 0 {
		t.Fatalf("compose change: %+v", p)
	}
	if p := Decide(ChangeSet{Paths: []string{"README.md"}}, rules); !p.Empty() {
		t.Fatalf("README: %+v", p)
	}
}

type fakeActions struct {
	mu      sync.Mutex
	log     []string
	block   chan struct{}
	started chan struct{}
}

func (f *fakeActions) Reload(context.Context) error {
	f.mu.Lock()
	f.log = append(f.log, "reload")
	f.mu.Unlock()
	return nil
}

func (f *fakeActions) Rebuild(_ context.Context, s []string) error {
	f.mu.Lock()
	f.log = append(f.log, "rebuild "+strings.Join(s, ","))
	block, started := f.block, f.started
	f.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if block != nil {
		<-block
	}
	return nil
}

func TestRunnerCoalescesChangesDuringARebuild(t *testing.T) {
	fa := &fakeActions{block: make(chan struct{}), started: make(chan struct{}, 1)}
	r := NewRunner(fa)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outcomes := make(chan Outcome, 10)
	go r.Run(ctx, func(o Outcome) { outcomes <- o })
	r.Submit(Plan{Rebuild: []string{"web"}})
	<-fa.started
	// While it builds: three more saves of Go and templates.
	r.Submit(Plan{Reload: []string{"web"}})
	r.Submit(Plan{Rebuild: []string{"web"}})
	r.Submit(Plan{Reload: []string{"web"}})
	fa.mu.Lock()
	block := fa.block
	fa.block, fa.started = nil, nil // the follow-up runs straight through
	fa.mu.Unlock()
	close(block)
	first, second := <-outcomes, <-outcomes
	if first.Did != "rebuild web" || second.Did != "rebuild web" {
		t.Fatalf("outcomes %q then %q", first.Did, second.Did)
	}
	select {
	case o := <-outcomes:
		t.Fatalf("a third action: %q", o.Did)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestLoadRules(t *testing.T) {
	dir := t.TempDir()
	rules, err := LoadRules(dir)
	if err != nil || len(rules) != len(DefaultRules()) {
		t.Fatalf("no file: %d rules, %v", len(rules), err)
	}
	write(t, filepath.Join(dir, RulesFile), "# project rules\ndocroot/drafts/** ignore\nassets/** rebuild web\nnotes/*.txt notice notes are not deployed\n")
	rules, err = LoadRules(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := Decide(ChangeSet{Paths: []string{"docroot/drafts/x.html", "assets/logo.svg", "notes/a.txt"}}, rules)
	if strings.Join(p.Rebuild, ",") != "web" || len(p.Reload) != 0 || len(p.Notices) != 1 || p.Notices[0] != "notes are not deployed" {
		t.Fatalf("plan: %+v", p)
	}
	for _, bad := range []string{"onlypattern\n", "x/** explode\n", "x/** rebuild\n", "[ reload web\n"} {
		write(t, filepath.Join(dir, RulesFile), bad)
		if _, err := LoadRules(dir); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
