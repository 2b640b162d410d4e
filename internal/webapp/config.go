package webapp

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// LookupFunc reads one environment variable; ok is false when it is unset.
// os.LookupEnv satisfies it, tests pass a map.
type LookupFunc func(name string) (value string, ok bool)

// MapLookup adapts a map to a LookupFunc.
func MapLookup(m map[string]string) LookupFunc {
	return func(name string) (string, bool) { v, ok := m[name]; return v, ok }
}

// maxWorkerCount bounds any worker count so that a typo such as
// WORKERS_PER_CORE=2000000 is a start-up error, not an out-of-memory later.
const maxWorkerCount = 10000

// Config is everything the portal reads from its environment at start-up.
type Config struct {
	Addr    string // listen address, ":80" by default
	Docroot string // holds templates/ and static/

	DB DBConfig

	SecretKey []byte

	Workers      int           // request-handling slots
	QueueLimit   int           // requests that may wait for a slot
	QueueTimeout time.Duration // how long one may wait before 503

	ShutdownTimeout time.Duration // drain time on SIGTERM
	ReloadTrigger   string        // file name in Docroot whose touch reloads
	AccessLog       bool
	// AccessLogOutput receives access-log lines; nil means stderr.
	AccessLogOutput io.Writer

	AdminEmail    string
	AdminPassword string
}

// DBConfig says where the portal's database is.
type DBConfig struct {
	Host, Name, User, Password string
	Port                       int
}

// WorkerEnv is the raw worker-sizing environment, kept apart so that the sizing
// rule can be tested on its own.
type WorkerEnv struct {
	WebConcurrency, WorkersPerCore, MaxWorkers string
	HasWebConcurrency, HasWorkersPerCore       bool
	HasMaxWorkers                              bool
}

// SizeWorkers applies the old image's rule: WEB_CONCURRENCY when set, else
// max(2, floor(cores * WORKERS_PER_CORE)) capped by MAX_WORKERS. The default
// WORKERS_PER_CORE is 2. Every malformed value is an error naming the variable.
func SizeWorkers(cores int, env WorkerEnv) (int, error) {
	if cores < 1 {
		cores = 1
	}
	var errs []error
	maxWorkers := 0
	if env.HasMaxWorkers {
		n, err := parsePositiveInt("MAX_WORKERS", env.MaxWorkers)
		if err != nil {
			errs = append(errs, err)
		}
		maxWorkers = n
	}
	if env.HasWebConcurrency {
		n, err := parsePositiveInt("WEB_CONCURRENCY", env.WebConcurrency)
		if err != nil {
			errs = append(errs, err)
		}
		if env.HasWorkersPerCore {
			// Still validate it: a typo there should not hide behind an override.
			if _, err := parsePerCore(env.WorkersPerCore); err != nil {
				errs = append(errs, err)
			}
		}
		return n, errors.Join(errs...)
	}
	perCore := 2.0
	if env.HasWorkersPerCore {
		f, err := parsePerCore(env.WorkersPerCore)
		if err != nil {
			errs = append(errs, err)
		}
		perCore = f
	}
	if len(errs) > 0 {
		return 0, errors.Join(errs...)
	}
	raw := math.Floor(float64(cores) * perCore)
	if raw > maxWorkerCount {
		return 0, fmt.Errorf("WORKERS_PER_CORE=%s gives %.0f workers on %d cores, more than the limit of %d: use a smaller value or set WEB_CONCURRENCY", env.WorkersPerCore, raw, cores, maxWorkerCount)
	}
	n := max(2, int(raw))
	if maxWorkers > 0 {
		n = min(n, maxWorkers)
	}
	return n, nil
}

func parsePositiveInt(name, raw string) (int, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return 0, fmt.Errorf("%s is set but empty: unset it or give a whole number such as 4", name)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a whole number: give one such as 4", name, raw)
	}
	if n < 1 || n > maxWorkerCount {
		return 0, fmt.Errorf("%s=%d is out of range: give a whole number from 1 to %d", name, n, maxWorkerCount)
	}
	return n, nil
}

func parsePerCore(raw string) (float64, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return 0, errors.New("WORKERS_PER_CORE is set but empty: unset it (default 2) or give a number such as 0.5 or 3")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("WORKERS_PER_CORE=%q is not a number: give one such as 0.5 or 3", raw)
	}
	if f <= 0 {
		return 0, fmt.Errorf("WORKERS_PER_CORE=%q must be greater than 0: give a number such as 0.5 or 3", raw)
	}
	return f, nil
}

// UsableCores is the CPU count the worker rule uses. Go's runtime already
// derives GOMAXPROCS from the CPU affinity mask and the cgroup CPU quota, so a
// container limited to 1.5 CPUs counts 2 here, not the host's count.
func UsableCores() int { return runtime.GOMAXPROCS(0) }

// LoadConfig reads and validates the whole environment and reports every
// problem at once, so that one start-up shows all there is to fix.
func LoadConfig(lookup LookupFunc, cores int) (Config, error) {
	var errs []error
	get := func(name, def string) string {
		if v, ok := lookup(name); ok {
			return v
		}
		return def
	}
	secret := func(name string, required bool) string {
		v, err := readSecret(lookup, name)
		if err != nil {
			errs = append(errs, err)
		} else if required && v == "" {
			errs = append(errs, fmt.Errorf("%s is required: set it or %s_FILE (ttsui env writes one into .env)", name, name))
		}
		return v
	}

	cfg := Config{
		Docroot:       get("DOCROOT", "docroot"),
		ReloadTrigger: get("RELOAD_TRIGGER", ".reload"),
		AdminEmail:    strings.TrimSpace(get("ADMIN_EMAIL", "")),
	}

	port, err := parseIntRange("PORT", get("PORT", "80"), 1, 65535)
	errs = appendErr(errs, err)
	cfg.Addr = listenAddr(get("LISTEN_HOST", ""), port)

	cfg.DB.Host = get("DB_HOST", "db")
	cfg.DB.Port, err = parseIntRange("DB_PORT", get("DB_PORT", "3306"), 1, 65535)
	errs = appendErr(errs, err)
	cfg.DB.Name = get("DB_NAME", "tts")
	cfg.DB.User = get("DB_USER", "tts")
	cfg.DB.Password = secret("DB_PASSWORD", false)

	key := secret("SECRET_KEY", true)
	if key != "" && len(key) < 16 {
		errs = append(errs, errors.New("SECRET_KEY is too short: give at least 16 random characters (ttsui env generates one)"))
	}
	cfg.SecretKey = []byte(key)
	cfg.AdminPassword = secret("ADMIN_PASSWORD", false)

	var we WorkerEnv
	we.WebConcurrency, we.HasWebConcurrency = lookup("WEB_CONCURRENCY")
	we.WorkersPerCore, we.HasWorkersPerCore = lookup("WORKERS_PER_CORE")
	we.MaxWorkers, we.HasMaxWorkers = lookup("MAX_WORKERS")
	cfg.Workers, err = SizeWorkers(cores, we)
	errs = appendErr(errs, err)

	cfg.QueueLimit, err = parseIntRange("QUEUE_LIMIT", get("QUEUE_LIMIT", "256"), 0, 1<<20)
	errs = appendErr(errs, err)
	cfg.QueueTimeout, err = parseDuration("QUEUE_TIMEOUT", get("QUEUE_TIMEOUT", "5s"))
	errs = appendErr(errs, err)
	cfg.ShutdownTimeout, err = parseDuration("SHUTDOWN_TIMEOUT", get("SHUTDOWN_TIMEOUT", "10s"))
	errs = appendErr(errs, err)
	cfg.AccessLog, err = parseBool("ACCESS_LOG", get("ACCESS_LOG", "true"))
	errs = appendErr(errs, err)

	if strings.ContainsAny(cfg.ReloadTrigger, `/\`) || cfg.ReloadTrigger == "" || cfg.ReloadTrigger == "." || cfg.ReloadTrigger == ".." {
		errs = append(errs, fmt.Errorf("RELOAD_TRIGGER=%q must be a plain file name inside DOCROOT", cfg.ReloadTrigger))
	}
	if cfg.AdminPassword != "" && cfg.AdminEmail == "" {
		errs = append(errs, errors.New("ADMIN_PASSWORD is set but ADMIN_EMAIL is not: set both to create the first admin"))
	}
	return cfg, errors.Join(errs...)
}

// readSecret returns NAME, or the contents of the file named by NAME_FILE (one
// trailing newline trimmed). Setting both is an error: which wins would be a guess.
func readSecret(lookup LookupFunc, name string) (string, error) {
	v, hasV := lookup(name)
	path, hasFile := lookup(name + "_FILE")
	if hasV && hasFile && v != "" && path != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set: keep one", name, name)
	}
	if hasFile && path != "" {
		b, err := os.ReadFile(filepath.Clean(path))
		if err != nil {
			return "", fmt.Errorf("read %s_FILE: %w", name, err)
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
	}
	return v, nil
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

func parseIntRange(name, raw string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q is not a whole number from %d to %d", name, raw, lo, hi)
	}
	return n, nil
}

func parseDuration(name, raw string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(raw))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration such as 5s or 500ms", name, raw)
	}
	return d, nil
}

func parseBool(name, raw string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(raw))
	if err != nil {
		return false, fmt.Errorf("%s=%q is not true or false", name, raw)
	}
	return b, nil
}

func listenAddr(host string, port int) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}
