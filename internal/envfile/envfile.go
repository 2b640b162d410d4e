// Package envfile reads and creates the stack's .env: the one place secrets
// live. Ensure creates a missing file with random secrets (mode 0600) and adds
// keys that an older file lacks, without ever changing a value already there.
// The console and the test harness share it.
package envfile

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// ProjectName is the stack's compose project name.
const ProjectName = "tts-portal"

// Entry is one key the stack needs, with how to make its value when missing.
type Entry struct {
	Key     string
	Comment string
	Make    func() string
}

// Defaults lists every key the stack files read, in file order.
func Defaults() []Entry {
	fixed := func(v string) func() string { return func() string { return v } }
	return []Entry{
		{"COMPOSE_PROJECT_NAME", "compose project name, so plain docker-compose finds the same stack", fixed(ProjectName)},
		{"MYSQL_ROOT_PASSWORD", "database root password (random; only ttsui's SQL pane uses root, on request)", func() string { return Random(32) }},
		{"MYSQL_DATABASE", "the portal's database", fixed("tts")},
		{"MYSQL_USER", "the portal's application user (not root)", fixed("tts")},
		{"MYSQL_PASSWORD", "the application user's password (random)", func() string { return Random(32) }},
		{"SECRET_KEY", "signs session and CSRF cookies (random; changing it logs everyone out)", func() string { return Random(48) }},
		{"ADMIN_EMAIL", "the first admin account, created by the portal when missing", fixed("admin@localhost")},
		{"ADMIN_PASSWORD", "the first admin's password (random; change it after the first login)", func() string { return Random(20) }},
	}
}

const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// Random returns n characters from an unambiguous alphanumeric alphabet, so
// values need no quoting in .env, shells, DSNs or compose interpolation.
func Random(n int) string {
	out := make([]byte, n)
	buf := make([]byte, n*2)
	for i := 0; i < n; {
		rand.Read(buf) // never fails on supported platforms
		for _, b := range buf {
			// Reject the top of the byte range so every letter is equally likely.
			if int(b) >= 256/len(alphabet)*len(alphabet) {
				continue
			}
			out[i] = alphabet[int(b)%len(alphabet)]
			i++
			if i == n {
				break
			}
		}
	}
	return string(out)
}

// Result says what Ensure did.
type Result struct {
	Created     bool     // the file did not exist and was written
	Added       []string // keys appended to an existing file
	ModeFixed   bool     // permissions were wider than 0600 and were tightened
	Path        string
	PreviousMod fs.FileMode
}

// Ensure makes sure path holds every key in entries. A missing file is created
// with mode 0600; an existing one keeps every line and value it has, gets the
// missing keys appended, and has group/other permissions removed.
func Ensure(path string, entries []Entry) (Result, error) {
	res := Result{Path: path}
	vals, err := Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		var b bytes.Buffer
		fmt.Fprintf(&b, "# Secrets and settings for the TTS portal stack, made by ttsui on %s.\n", time.Now().UTC().Format(time.DateOnly))
		b.WriteString("# Never commit this file. Values are random; edit them before the first `up` if you like.\n")
		for _, e := range entries {
			fmt.Fprintf(&b, "\n# %s\n%s=%s\n", e.Comment, e.Key, e.Make())
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return res, fmt.Errorf("create %s: %w", path, err)
		}
		if _, err := f.Write(b.Bytes()); err != nil {
			f.Close()
			os.Remove(path)
			return res, fmt.Errorf("write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return res, fmt.Errorf("write %s: %w", path, err)
		}
		res.Created = true
		return res, nil
	case err != nil:
		return res, err
	}

	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("stat %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		res.PreviousMod = fi.Mode().Perm()
		if err := os.Chmod(path, 0o600); err != nil {
			return res, fmt.Errorf("%s is readable by other users (mode %v) and could not be tightened: %w; run chmod 600 %s", path, fi.Mode().Perm(), err, path)
		}
		res.ModeFixed = true
	}

	var add bytes.Buffer
	for _, e := range entries {
		if _, ok := vals[e.Key]; ok {
			continue
		}
		if add.Len() == 0 {
			fmt.Fprintf(&add, "\n# Added by ttsui on %s: keys this file lacked.\n", time.Now().UTC().Format(time.DateOnly))
		}
		fmt.Fprintf(&add, "# %s\n%s=%s\n", e.Comment, e.Key, e.Make())
		res.Added = append(res.Added, e.Key)
	}
	if add.Len() == 0 {
		return res, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return res, fmt.Errorf("add %s to %s: %w", strings.Join(res.Added, ", "), path, err)
	}
	if err := ensureTrailingNewline(path, f); err != nil {
		f.Close()
		return res, err
	}
	if _, err := f.Write(add.Bytes()); err != nil {
		f.Close()
		return res, fmt.Errorf("add %s to %s: %w", strings.Join(res.Added, ", "), path, err)
	}
	return res, f.Close()
}

// ensureTrailingNewline keeps an appended key off the end of a last line that
// had no newline.
func ensureTrailingNewline(path string, f *os.File) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		if _, err := f.Write([]byte("\n")); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// Load parses a .env file in the subset of the format that both compose
// implementations agree on: KEY=VALUE lines, '#' comments, blank lines, an
// optional `export ` prefix, and values optionally in single or double quotes.
// A malformed line is an error naming its line number, never a silent skip.
func Load(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	defer f.Close()
	vals := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !validKey(key) {
			// The line's text is not quoted back: it may hold a secret.
			return nil, fmt.Errorf("%s line %d: want KEY=VALUE with a name of letters, digits and _", path, n)
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
		} else if i := strings.Index(val, " #"); i >= 0 {
			val = strings.TrimSpace(val[:i])
		}
		vals[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return vals, nil
}

func validKey(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
