package webapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSizeWorkers(t *testing.T) {
	set := func(wc, wpc, mw string) WorkerEnv {
		return WorkerEnv{WebConcurrency: wc, HasWebConcurrency: wc != "-",
			WorkersPerCore: wpc, HasWorkersPerCore: wpc != "-",
			MaxWorkers: mw, HasMaxWorkers: mw != "-"}
	}
	tests := []struct {
		name  string
		cores int
		env   WorkerEnv
		want  int
	}{
		{"default is 2 per core", 2, set("-", "-", "-"), 4},
		{"3 per core on 2 cores", 2, set("-", "3", "-"), 6},
		{"0.5 per core on 8 cores", 8, set("-", "0.5", "-"), 4},
		{"floor of a fraction", 3, set("-", "1.5", "-"), 4},
		{"never below 2 when computed", 1, set("-", "0.5", "-"), 2},
		{"one core default", 1, set("-", "-", "-"), 2},
		{"MAX_WORKERS caps the computed value", 8, set("-", "-", "3"), 3},
		{"MAX_WORKERS may go below the floor", 8, set("-", "-", "1"), 1},
		{"WEB_CONCURRENCY overrides", 8, set("3", "0.5", "-"), 3},
		{"WEB_CONCURRENCY may be 1", 8, set("1", "-", "-"), 1},
		{"WEB_CONCURRENCY is not capped", 2, set("10", "-", "3"), 10},
		{"spaces are trimmed", 2, set("-", " 3 ", "-"), 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SizeWorkers(tt.cores, tt.env)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got %d workers, want %d", got, tt.want)
			}
		})
	}
}

func TestSizeWorkersRejectsBadValues(t *testing.T) {
	bad := []string{"abc", "-1", "0", "NaN", "", "  ", "Inf", "-Inf", "1e400", "0x10", "99999999999999999999"}
	for _, v := range bad {
		for _, name := range []string{"WEB_CONCURRENCY", "WORKERS_PER_CORE", "MAX_WORKERS"} {
			env := WorkerEnv{}
			switch name {
			case "WEB_CONCURRENCY":
				env.WebConcurrency, env.HasWebConcurrency = v, true
			case "WORKERS_PER_CORE":
				env.WorkersPerCore, env.HasWorkersPerCore = v, true
			case "MAX_WORKERS":
				env.MaxWorkers, env.HasMaxWorkers = v, true
			}
			n, err := SizeWorkers(2, env)
			if err == nil {
				t.Errorf("%s=%q: got %d workers, want an error", name, v, n)
				continue
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: error does not name the variable: %v", name, v, err)
			}
		}
	}
	// Integers only where a count is meant.
	for _, v := range []string{"1.5", "2.0"} {
		if _, err := SizeWorkers(2, WorkerEnv{WebConcurrency: v, HasWebConcurrency: true}); err == nil {
			t.Errorf("WEB_CONCURRENCY=%q accepted", v)
		}
	}
	if _, err := SizeWorkers(2, WorkerEnv{WorkersPerCore: "1e9", HasWorkersPerCore: true}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("absurd WORKERS_PER_CORE accepted or unclear: %v", err)
	}
	// A typo in WORKERS_PER_CORE is reported even when WEB_CONCURRENCY overrides it.
	if _, err := SizeWorkers(2, WorkerEnv{WebConcurrency: "4", HasWebConcurrency: true, WorkersPerCore: "x", HasWorkersPerCore: true}); err == nil {
		t.Error("bad WORKERS_PER_CORE hidden behind WEB_CONCURRENCY")
	}
}

func validEnv() map[string]string {
	return map[string]string{"SECRET_KEY": "0123456789abcdef0123", "DB_PASSWORD": "pw"}
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(MapLookup(validEnv()), 2)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Workers != 4 || cfg.Addr != ":80" || cfg.DB.Host != "db" || cfg.DB.Port != 3306 || !cfg.AccessLog || cfg.ReloadTrigger != ".reload" {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	env := map[string]string{"WORKERS_PER_CORE": "NaN", "PORT": "http", "QUEUE_TIMEOUT": "soon", "ADMIN_PASSWORD": "x"}
	_, err := LoadConfig(MapLookup(env), 2)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"SECRET_KEY is required", "WORKERS_PER_CORE", "PORT", "QUEUE_TIMEOUT", "ADMIN_EMAIL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestLoadConfigSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "secret")
	os.WriteFile(p, []byte("from-a-file-0123456789\n"), 0o600)
	env := map[string]string{"SECRET_KEY_FILE": p, "DB_PASSWORD_FILE": p}
	cfg, err := LoadConfig(MapLookup(env), 2)
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.SecretKey) != "from-a-file-0123456789" || cfg.DB.Password != "from-a-file-0123456789" {
		t.Fatalf("secrets not read from files: %q %q", cfg.SecretKey, cfg.DB.Password)
	}
	env["SECRET_KEY"] = "also-set-directly-0123"
	if _, err := LoadConfig(MapLookup(env), 2); err == nil || !strings.Contains(err.Error(), "both SECRET_KEY and SECRET_KEY_FILE") {
		t.Fatalf("want a conflict error, got %v", err)
	}
	env = map[string]string{"SECRET_KEY_FILE": filepath.Join(dir, "missing")}
	if _, err := LoadConfig(MapLookup(env), 2); err == nil || !strings.Contains(err.Error(), "SECRET_KEY_FILE") {
		t.Fatalf("want a read error naming SECRET_KEY_FILE, got %v", err)
	}
}

func TestLoadConfigRejectsShortSecretAndBadTrigger(t *testing.T) {
	env := validEnv()
	env["SECRET_KEY"] = "short"
	env["RELOAD_TRIGGER"] = "../etc/x"
	_, err := LoadConfig(MapLookup(env), 2)
	if err == nil || !strings.Contains(err.Error(), "too short") || !strings.Contains(err.Error(), "RELOAD_TRIGGER") {
		t.Fatalf("got %v", err)
	}
}
