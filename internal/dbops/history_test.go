package dbops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// historyFileLines returns the non-blank lines of the history file.
func historyFileLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for l := range strings.SplitSeq(string(data), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func openHistory(t *testing.T, path string, max int) (*History, []string) {
	t.Helper()
	h, entries, err := OpenHistory(path, max)
	if err != nil {
		t.Fatal(err)
	}
	return h, entries
}

func mustAdd(t *testing.T, h *History, stmt string, want bool) {
	t.Helper()
	got, err := h.Add(stmt)
	if err != nil {
		t.Fatalf("Add(%q): %v", stmt, err)
	}
	if got != want {
		t.Fatalf("Add(%q) = %v, want %v", stmt, got, want)
	}
}

func TestHistoryPathLayout(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("HOME", t.TempDir())
	got, err := HistoryPath("shop")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(state, "ttsui", "shop", "sql_history.jsonl"); got != want {
		t.Errorf("with XDG_STATE_HOME: %q, want %q", got, want)
	}

	home := t.TempDir()
	t.Setenv("HOME", home)
	want := filepath.Join(home, ".local", "state", "ttsui", "shop", "sql_history.jsonl")
	for _, xdg := range []string{"", "relative/state"} {
		t.Setenv("XDG_STATE_HOME", xdg)
		got, err := HistoryPath("shop")
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("XDG_STATE_HOME=%q: %q, want %q", xdg, got, want)
		}
	}
}

func TestHistoryPathSanitisesProject(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	root := filepath.Join(state, "ttsui")
	for _, tc := range []struct{ project, want string }{
		{"../x", "_x"},
		{"a/b", "a_b"},
		{`a\b`, "a_b"},
		{"", "default"},
		{".", "default"},
		{"..", "default"},
		{"...", "default"},
		{".hidden", "hidden"},
		{"a/../../b", "a_._._b"},
		{"my-proj_2", "my-proj_2"},
	} {
		p, err := HistoryPath(tc.project)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(p)
		if filepath.Dir(dir) != root {
			t.Errorf("%q: %q escapes %q", tc.project, p, root)
		}
		elem := filepath.Base(dir)
		if elem != tc.want {
			t.Errorf("%q: project dir %q, want %q", tc.project, elem, tc.want)
		}
		if strings.ContainsAny(elem, `/\`) || strings.Contains(elem, "..") || elem == "" {
			t.Errorf("%q: unsafe project dir %q", tc.project, elem)
		}
	}
}

func TestHistoryModesIndependentOfUmask(t *testing.T) {
	// 0 would let a plain OpenFile(0644) through; 0277 strips the owner's
	// write bit, so only an explicit chmod gets 0600 and 0700.
	for _, mask := range []int{0, 0o277} {
		t.Run(fmt.Sprintf("umask %04o", mask), func(t *testing.T) {
			state := t.TempDir() // before the umask, so the test can still write in it
			old := syscall.Umask(mask)
			t.Cleanup(func() { syscall.Umask(old) })

			t.Setenv("XDG_STATE_HOME", state)
			path, err := HistoryPath("shop")
			if err != nil {
				t.Fatal(err)
			}
			h, _ := openHistory(t, path, 2)
			for _, dir := range []string{filepath.Dir(path), filepath.Join(state, "ttsui")} {
				fi, err := os.Stat(dir)
				if err != nil {
					t.Fatal(err)
				}
				if perm := fi.Mode().Perm(); perm != 0o700 {
					t.Errorf("%s: mode %o, want 700", dir, perm)
				}
			}
			assertMode := func(when string) {
				t.Helper()
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if perm := fi.Mode().Perm(); perm != 0o600 {
					t.Errorf("%s: file mode %o, want 600", when, perm)
				}
			}
			mustAdd(t, h, "SELECT 1", true)
			assertMode("after first add")
			for i := 2; i <= 5; i++ { // past 2*max: the file is replaced by a compacted one
				mustAdd(t, h, fmt.Sprintf("SELECT %d", i), true)
			}
			if n := len(historyFileLines(t, path)); n != 2 {
				t.Fatalf("compaction did not run: %d lines", n)
			}
			assertMode("after compaction")
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp"))
			if len(leftovers) != 0 {
				t.Errorf("temp files left behind: %v", leftovers)
			}
		})
	}
}

func TestHistoryRoundTripMultiLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h", "sql_history.jsonl")
	stmts := []string{
		"SELECT 1",
		"SELECT a,\n       b\n  FROM t\n WHERE c = 'x\ty'\n",
		"INSERT INTO t VALUES ('line1\r\nline2', \"q\\\"uote\", 'ü <&> \\\\')",
		"DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;",
	}
	h, entries := openHistory(t, path, 10)
	if len(entries) != 0 {
		t.Fatalf("missing file: %q, want empty", entries)
	}
	for _, s := range stmts {
		mustAdd(t, h, s, true)
	}
	if got := h.Entries(); !slices.Equal(got, stmts) {
		t.Errorf("in memory: %q, want %q", got, stmts)
	}
	lines := historyFileLines(t, path)
	if len(lines) != len(stmts) {
		t.Fatalf("%d lines in the file, want one per statement: %q", len(lines), lines)
	}
	for _, l := range lines {
		var rec struct{ At, SQL string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if _, err := time.Parse(time.RFC3339, rec.At); err != nil {
			t.Errorf("line %q: at: %v", l, err)
		}
	}

	if data, _ := os.ReadFile(path); !bytes.Contains(data, []byte("<&>")) {
		t.Errorf("HTML-escaped, unreadable with grep:\n%s", data)
	}

	_, reopened := openHistory(t, path, 10)
	if !slices.Equal(reopened, stmts) {
		t.Errorf("after reopen: %q, want %q", reopened, stmts)
	}
}

func TestHistoryEntriesIsACopy(t *testing.T) {
	h, _ := openHistory(t, filepath.Join(t.TempDir(), "sql_history.jsonl"), 10)
	mustAdd(t, h, "SELECT 1", true)
	got := h.Entries()
	got[0] = "DROP TABLE t"
	if e := h.Entries(); e[0] != "SELECT 1" {
		t.Errorf("caller's change leaked into the history: %q", e)
	}
}

func TestHistoryNeverWritesSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sql_history.jsonl")
	h, _ := openHistory(t, path, 10)
	mustAdd(t, h, "SELECT 1", true) // so the file exists and the check below has something to read
	mustAdd(t, h, "CREATE USER x IDENTIFIED BY 'hunter2'", false)
	mustAdd(t, h, "SET PASSWORD = PASSWORD('hunter2')", false)
	mustAdd(t, h, "SELECT 2", true)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("hunter2")) {
		t.Errorf("secret written to history:\n%s", data)
	}
	if got := h.Entries(); !slices.Equal(got, []string{"SELECT 1", "SELECT 2"}) {
		t.Errorf("entries %q", got)
	}

	// A secret that reached the file some other way is not offered again.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"at":"2024-01-01T00:00:00Z","sql":"ALTER USER x IDENTIFIED BY 'hunter2'"}`)
	f.Close()
	if _, got := openHistory(t, path, 10); !slices.Equal(got, []string{"SELECT 1", "SELECT 2"}) {
		t.Errorf("loaded %q", got)
	}
}

func TestHistorySkipsEmptyAndRepeats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sql_history.jsonl")
	h, _ := openHistory(t, path, 10)
	mustAdd(t, h, "", false)
	mustAdd(t, h, " \n\t ", false)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("empty statements created the file: %v", err)
	}
	mustAdd(t, h, "SELECT 1", true)
	mustAdd(t, h, "SELECT 1", false)
	mustAdd(t, h, "SELECT 1\n", false)
	mustAdd(t, h, "SELECT 2", true)
	mustAdd(t, h, "SELECT 1", true) // only a repeat of the last one is dropped
	want := []string{"SELECT 1", "SELECT 2", "SELECT 1"}
	if got := h.Entries(); !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
	if n := len(historyFileLines(t, path)); n != len(want) {
		t.Errorf("%d lines in the file, want %d", n, len(want))
	}

	// The repeat check also applies to the last entry loaded from disk.
	h2, _ := openHistory(t, path, 10)
	mustAdd(t, h2, "SELECT 1", false)
}

func TestHistoryCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sql_history.jsonl")
	const max = 3
	h, _ := openHistory(t, path, max)
	var all []string
	for i := 1; i <= 2*max; i++ {
		s := fmt.Sprintf("SELECT %d", i)
		all = append(all, s)
		mustAdd(t, h, s, true)
	}
	if n := len(historyFileLines(t, path)); n != 2*max {
		t.Fatalf("compacted too early: %d lines at 2*max", n)
	}
	if got := h.Entries(); !slices.Equal(got, all[len(all)-max:]) {
		t.Errorf("in memory not bounded to max: %q", got)
	}
	mustAdd(t, h, "SELECT 7", true)
	all = append(all, "SELECT 7")
	want := all[len(all)-max:]
	lines := historyFileLines(t, path)
	if len(lines) != max {
		t.Fatalf("after compaction %d lines, want %d: %q", len(lines), max, lines)
	}
	_, reopened := openHistory(t, path, 100)
	if !slices.Equal(reopened, want) {
		t.Errorf("after compaction: %q, want %q", reopened, want)
	}
	if got := h.Entries(); !slices.Equal(got, want) {
		t.Errorf("in memory: %q, want %q", got, want)
	}

	// Compaction restarts the count: the next one is due only after the
	// file again exceeds 2*max lines.
	for i := 8; i <= 10; i++ {
		mustAdd(t, h, fmt.Sprintf("SELECT %d", i), true)
	}
	if n := len(historyFileLines(t, path)); n != 2*max {
		t.Errorf("after three more: %d lines, want %d", n, 2*max)
	}
}

func TestHistoryLoadKeepsLastMax(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sql_history.jsonl")
	var b strings.Builder
	for i := 1; i <= 1001; i++ {
		fmt.Fprintf(&b, `{"at":"2024-01-01T00:00:00Z","sql":"SELECT %d"}`+"\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, got := openHistory(t, path, 2)
	if !slices.Equal(got, []string{"SELECT 1000", "SELECT 1001"}) {
		t.Errorf("max 2: %q", got)
	}
	_, got = openHistory(t, path, 0)
	if len(got) != 1000 || got[0] != "SELECT 2" || got[999] != "SELECT 1001" {
		t.Errorf("max 0: %d entries, first %q", len(got), got[0])
	}
}

func TestHistorySkipsCorruptLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sql_history.jsonl")
	content := `{"at":"2024-01-01T00:00:00Z","sql":"SELECT 1"}
not json at all
{"at":"2024-01-01T00:00:01Z"}
{"at":"2024-01-01T00:00:02Z","sql":"SELECT\n2"}

{"at":"2024-01-01T00:00:03Z","sql":"SELECT 3"}
{"at":"2024-01-01T00:00:04Z","sql":"SELECT 4` // half a line, as a crash leaves it
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	h, got := openHistory(t, path, 10)
	want := []string{"SELECT 1", "SELECT\n2", "SELECT 3"}
	if !slices.Equal(got, want) {
		t.Fatalf("loaded %q, want %q", got, want)
	}
	// The next record must not be glued onto the half line.
	mustAdd(t, h, "SELECT 5", true)
	_, got = openHistory(t, path, 10)
	want = append(want, "SELECT 5")
	if !slices.Equal(got, want) {
		t.Errorf("after add: %q, want %q", got, want)
	}
}

func TestHistoryTightensWideMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sql_history.jsonl")
	if err := os.WriteFile(path, []byte(`{"at":"2024-01-01T00:00:00Z","sql":"SELECT 1"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, wide := range []os.FileMode{0o644, 0o666, 0o640, 0o700} {
		if err := os.Chmod(path, wide); err != nil {
			t.Fatal(err)
		}
		_, got := openHistory(t, path, 10)
		if !slices.Equal(got, []string{"SELECT 1"}) {
			t.Errorf("%o: loaded %q", wide, got)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%o: mode after open %o, want 600", wide, perm)
		}
	}
}

func TestHistoryConcurrentConsolesWriteWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sql_history.jsonl")
	const consoles, each = 8, 50
	big := strings.Repeat("x", 32<<10) // several pages, so a write split into pieces interleaves
	var wg sync.WaitGroup
	for c := range consoles {
		h, _ := openHistory(t, path, 10000)
		wg.Go(func() {
			for i := range each {
				if _, err := h.Add(fmt.Sprintf("SELECT '%s' -- %d/%d", big, c, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	lines := historyFileLines(t, path)
	if len(lines) != consoles*each {
		t.Fatalf("%d lines, want %d", len(lines), consoles*each)
	}
	_, got := openHistory(t, path, 10000)
	if len(got) != consoles*each {
		t.Errorf("%d entries parse, want %d", len(got), consoles*each)
	}
}
