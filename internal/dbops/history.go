package dbops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// defaultHistoryMax is the history length when OpenHistory is given none.
const defaultHistoryMax = 1000

// HistoryPath is where a project's SQL history lives:
// $XDG_STATE_HOME/ttsui/<project>/sql_history.jsonl, with XDG_STATE_HOME
// defaulting to ~/.local/state. The project name is made safe as a path
// element (no separators, no "..", empty → "default").
func HistoryPath(project string) (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	// The XDG spec says a relative value is invalid and must be ignored;
	// honouring it would put history wherever the console was started.
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("sql history: %w", err)
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "ttsui", historyProjectDir(project), "sql_history.jsonl"), nil
}

// historyProjectDir maps a project name to one harmless path element.
// Compose project names are already [a-z0-9_-], so the mapping only bites
// on names that would otherwise escape the ttsui directory or hide in it.
func historyProjectDir(project string) string {
	b := []byte(project)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	s := string(b)
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	// A leading dot would be "." itself or a hidden directory.
	s = strings.TrimLeft(s, ".")
	const maxElem = 128 // well under NAME_MAX even after the mapping above
	if len(s) > maxElem {
		s = s[:maxElem]
	}
	if s == "" {
		return "default"
	}
	return s
}

// historyRecord is one line of the history file.
type historyRecord struct {
	At  string `json:"at"`
	SQL string `json:"sql"`
}

// History is one project's statement history file. It is safe for
// concurrent use; several History values (several consoles) may share one
// file.
type History struct {
	mu      sync.Mutex
	path    string
	max     int
	entries []string // oldest first, at most max
	lines   int      // lines in the file as far as this value knows, to decide compaction
}

// OpenHistory loads the history at path (oldest first, at most max entries,
// max<=0 → 1000), creating the directories with mode 0700. A missing file
// is an empty history. Corrupt lines are skipped, never fatal. If the file
// exists with a mode wider than 0600 it is chmod-ed to 0600.
//
// The returned slice is the same as Entries.
func OpenHistory(path string, max int) (*History, []string, error) {
	if max <= 0 {
		max = defaultHistoryMax
	}
	h := &History{path: path, max: max}
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return nil, nil, fmt.Errorf("sql history: %w", err)
	}
	if fi, err := os.Stat(path); err == nil {
		// Statements can name tables, users and data; other local users
		// have no business reading them, whatever an older version or a
		// careless copy left behind.
		if fi.Mode().Perm()&^0o600 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return nil, nil, fmt.Errorf("sql history: %w", err)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("sql history: %w", err)
	}
	recs, lines, err := readHistory(path)
	if err != nil {
		return nil, nil, fmt.Errorf("sql history: %w", err)
	}
	h.lines = lines
	if len(recs) > max {
		recs = recs[len(recs)-max:]
	}
	h.entries = make([]string, len(recs))
	for i, r := range recs {
		h.entries[i] = r.rec.SQL
	}
	return h, h.Entries(), nil
}

// mkdirPrivate creates dir and its missing parents with mode 0700. Each
// one is created singly and chmod-ed at once: Mkdir's mode is filtered by
// the umask, and a permissive umask must not make the history readable,
// nor a strict one leave a parent we cannot create the next level in.
// Directories that already exist are left alone: they may be shared.
func mkdirPrivate(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := os.Mkdir(d, 0o700); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue // another console won the race; it is theirs to set
			}
			return err
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return err
		}
	}
	return nil
}

// rawRecord keeps a parsed record with its original line, so compaction
// can copy lines (and their timestamps) without re-encoding them.
type rawRecord struct {
	rec  historyRecord
	line []byte
}

// readHistory parses the file, skipping lines that are not a usable
// record: a crash can leave half a line, and an editor can leave anything.
// It also returns the number of non-blank lines, usable or not, because
// those are what make the file grow.
func readHistory(path string) ([]rawRecord, int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	var recs []rawRecord
	lines := 0
	for line := range bytes.SplitSeq(data, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines++
		var r historyRecord
		if json.Unmarshal(line, &r) != nil || strings.TrimSpace(r.SQL) == "" {
			continue
		}
		// A secret written by something else must not come back into the
		// pane, and dropping it here lets the next compaction purge it.
		if ContainsSecret(r.SQL) {
			continue
		}
		recs = append(recs, rawRecord{rec: r, line: line})
	}
	return recs, lines, nil
}

// Add appends a statement. It returns false (and writes nothing) for
// empty/whitespace statements, for a repeat of the last entry, and for
// statements where ContainsSecret is true. The file is created with mode
// 0600 (set explicitly, independent of umask). Each entry is one JSON line
// {"at":"RFC3339 time","sql":"..."} written with a single write on an
// O_APPEND file so two consoles on the same project interleave whole lines.
// When the file grows past 2*max entries it is compacted to the last max
// entries via a temp file (mode 0600) and rename.
//
// A true result with a non-nil error means the statement is in the
// in-memory history but could not be persisted: the session keeps working
// when the state directory does not.
func (h *History) Add(stmt string) (bool, error) {
	if strings.TrimSpace(stmt) == "" || ContainsSecret(stmt) {
		return false, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	// Surrounding whitespace differs between the same statement typed twice
	// and the same statement re-run from the history, so it is ignored.
	if n := len(h.entries); n > 0 && strings.TrimSpace(h.entries[n-1]) == strings.TrimSpace(stmt) {
		return false, nil
	}
	if len(h.entries) == h.max {
		copy(h.entries, h.entries[1:])
		h.entries = h.entries[:h.max-1]
	}
	h.entries = append(h.entries, stmt)

	if err := h.appendLine(stmt); err != nil {
		return true, fmt.Errorf("sql history: %w", err)
	}
	h.lines++
	if h.lines > 2*h.max {
		if err := h.compact(); err != nil {
			return true, fmt.Errorf("sql history: compact: %w", err)
		}
	}
	return true, nil
}

// appendLine writes one record. The file is opened per call rather than
// held open: another console's compaction replaces the file by rename, and
// a held descriptor would keep writing into the unlinked old one.
func (h *History) appendLine(stmt string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <, > and & readable in the file
	if err := enc.Encode(historyRecord{At: time.Now().UTC().Format(time.RFC3339), SQL: stmt}); err != nil {
		return err
	}
	f, err := os.OpenFile(h.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	err = writeRecordLine(f, buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeRecordLine makes f private and appends line to it.
func writeRecordLine(f *os.File, line []byte) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// OpenFile's mode is filtered by the umask and ignored for an existing
	// file; either way the result must be 0600.
	if fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			return err
		}
	}
	// After a crash mid-write the file may end in half a line; gluing this
	// record onto it would make both unreadable.
	if size := fi.Size(); size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil && err != io.EOF {
			return err
		}
		if last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	_, err = f.Write(line) // one write: O_APPEND keeps it whole against other writers
	return err
}

// compact rewrites the file as its last max records. It re-reads the file
// rather than using h.entries so records appended by other consoles
// survive. A record another console appends between the read and the
// rename is lost; for a convenience history that beats locking.
func (h *History) compact() error {
	recs, _, err := readHistory(h.path)
	if err != nil {
		return err
	}
	if len(recs) > h.max {
		recs = recs[len(recs)-h.max:]
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.path), ".sql_history-*.tmp")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, r := range recs {
		buf.Write(r.line)
		buf.WriteByte('\n')
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return err
	}
	// Without the sync a crash right after the rename can leave an empty
	// history in place of the old one.
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), h.path); err != nil {
		return err
	}
	done = true
	h.lines = len(recs)
	return nil
}

// Entries returns the in-memory entries, oldest first (a copy).
func (h *History) Entries() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.entries...)
}
