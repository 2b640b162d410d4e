package envfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureCreatesWithRandomSecrets(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".env")
	res, err := Ensure(p, Defaults())
	if err != nil || !res.Created {
		t.Fatalf("created %v err %v", res.Created, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	vals, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range Defaults() {
		if vals[e.Key] == "" {
			t.Errorf("%s missing or empty", e.Key)
		}
	}
	if vals["COMPOSE_PROJECT_NAME"] != ProjectName || vals["MYSQL_USER"] == "root" {
		t.Errorf("fixed values wrong: %v", vals["COMPOSE_PROJECT_NAME"])
	}
	p2 := filepath.Join(t.TempDir(), ".env")
	Ensure(p2, Defaults())
	other, _ := Load(p2)
	for _, k := range []string{"MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD", "SECRET_KEY", "ADMIN_PASSWORD"} {
		if vals[k] == other[k] {
			t.Errorf("%s is the same in two generated files: not random", k)
		}
		if len(vals[k]) < 20 {
			t.Errorf("%s is only %d characters", k, len(vals[k]))
		}
	}
	if vals["MYSQL_ROOT_PASSWORD"] == vals["MYSQL_PASSWORD"] {
		t.Error("root and app passwords are equal")
	}
}

func TestEnsureKeepsValuesAndAddsMissingKeys(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".env")
	orig := "# mine\nMYSQL_PASSWORD=keep-me\nexport SECRET_KEY=\"quoted value here 123\"\nWEB_PORT=9090" // no final newline
	os.WriteFile(p, []byte(orig), 0o644)
	res, err := Ensure(p, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || !res.ModeFixed || len(res.Added) != 6 {
		t.Fatalf("result: %+v", res)
	}
	b, _ := os.ReadFile(p)
	if !strings.HasPrefix(string(b), orig+"\n") {
		t.Fatalf("existing lines changed:\n%s", b)
	}
	vals, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if vals["MYSQL_PASSWORD"] != "keep-me" || vals["SECRET_KEY"] != "quoted value here 123" || vals["WEB_PORT"] != "9090" || vals["MYSQL_ROOT_PASSWORD"] == "" {
		t.Fatalf("values: %v", vals)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode not tightened: %v", fi.Mode().Perm())
	}
	// A second run is a no-op.
	res, err = Ensure(p, Defaults())
	if err != nil || res.Created || len(res.Added) != 0 || res.ModeFixed {
		t.Fatalf("second run: %+v %v", res, err)
	}
	b2, _ := os.ReadFile(p)
	if string(b2) != string(b) {
		t.Fatal("second run changed the file")
	}
}

func TestLoadRejectsMalformedLinesWithoutEchoingThem(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(p, []byte("OK=1\nMYSQL_PASSWORD hunter2\n"), 0o600)
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("want an error naming line 2, got %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatal("the error echoes a secret")
	}
	if _, err := Ensure(p, Defaults()); err == nil {
		t.Fatal("Ensure must not append to a file it cannot parse")
	}
	b, _ := os.ReadFile(p)
	if string(b) != "OK=1\nMYSQL_PASSWORD hunter2\n" {
		t.Fatal("a malformed file was modified")
	}
}

func TestRandomAlphabet(t *testing.T) {
	s := Random(2000)
	if len(s) != 2000 {
		t.Fatal(len(s))
	}
	counts := map[rune]int{}
	for _, r := range s {
		if !strings.ContainsRune(alphabet, r) {
			t.Fatalf("%q outside the alphabet", r)
		}
		counts[r]++
	}
	if len(counts) < len(alphabet)-2 {
		t.Fatalf("only %d distinct characters in 2000", len(counts))
	}
}
