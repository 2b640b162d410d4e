package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Action is what a rule asks for.
type Action int

// The actions, in increasing weight: a rebuild of a service includes its
// reload.
const (
	Ignore  Action = iota
	Notice         // tell the user; never act (db changes)
	OfferUp        // offer to re-apply the compose file (up)
	Reload         // reload the service (SIGHUP, verified)
	Rebuild        // rebuild the service's image and recreate it
)

// Rule maps paths to an action on a service.
type Rule struct {
	Pattern string // slash glob; "**" matches any number of directories
	Action  Action
	Service string // for Reload/Rebuild
	Message string // for Notice/OfferUp
}

// DefaultRules are the portal stack's: templates and static files reload
// web; Go sources and the web Dockerfile rebuild it; database files only
// produce a notice (a db rebuild is never automatic); the compose file and
// .env are offered for re-applying.
func DefaultRules() []Rule {
	return []Rule{
		{Pattern: "docroot/**", Action: Reload, Service: "web"},
		{Pattern: "**/*.go", Action: Rebuild, Service: "web"},
		{Pattern: "go.mod", Action: Rebuild, Service: "web"},
		{Pattern: "go.sum", Action: Rebuild, Service: "web"},
		{Pattern: "Dockerfile.web", Action: Rebuild, Service: "web"},
		{Pattern: "Dockerfile.db", Action: Notice, Message: "database image files changed: nothing is rebuilt automatically; rebuild db yourself (and purge its volume if the schema changed)"},
		{Pattern: "db/**", Action: Notice, Message: "database files changed: nothing is rebuilt automatically; rebuild db yourself (and purge its volume if the schema changed)"},
		{Pattern: "docker-compose.yaml", Action: OfferUp, Message: "the compose file changed: run up to apply it"},
		{Pattern: ".env", Action: OfferUp, Message: ".env changed: run up to apply it"},
	}
}

// matchGlob is path.Match with "**" for any number of directories.
func matchGlob(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	pre, post, _ := strings.Cut(pattern, "**")
	pre = strings.TrimSuffix(pre, "/")
	post = strings.TrimPrefix(post, "/")
	if pre != "" {
		if name != pre && !strings.HasPrefix(name, pre+"/") {
			return false
		}
		name = strings.TrimPrefix(strings.TrimPrefix(name, pre), "/")
	}
	if post == "" {
		return true
	}
	segs := strings.Split(name, "/")
	for i := range segs {
		if matchGlob(post, strings.Join(segs[i:], "/")) {
			return true
		}
	}
	return false
}

// Plan is what a change set calls for.
type Plan struct {
	Rebuild []string // services to rebuild
	Reload  []string // services to reload (none that are also rebuilt)
	Notices []string
	OfferUp []string
	Paths   []string // the paths that matched a rule
}

// Empty reports whether the plan asks for nothing.
func (p Plan) Empty() bool {
	return len(p.Rebuild)+len(p.Reload)+len(p.Notices)+len(p.OfferUp) == 0
}

// Decide applies the first matching rule to each path.
func Decide(cs ChangeSet, rules []Rule) Plan {
	rebuild, reload := map[string]bool{}, map[string]bool{}
	notices, offers := map[string]bool{}, map[string]bool{}
	var p Plan
	for _, name := range cs.Paths {
		for _, r := range rules {
			if !matchGlob(r.Pattern, name) {
				continue
			}
			p.Paths = append(p.Paths, name)
			switch r.Action {
			case Rebuild:
				rebuild[r.Service] = true
			case Reload:
				reload[r.Service] = true
			case Notice:
				notices[r.Message] = true
			case OfferUp:
				offers[r.Message] = true
			}
			break
		}
	}
	for s := range rebuild {
		delete(reload, s)
	}
	p.Rebuild, p.Reload, p.Notices, p.OfferUp = keys(rebuild), keys(reload), keys(notices), keys(offers)
	return p
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// merge folds q into p (for changes that arrived while p was waiting).
func (p Plan) merge(q Plan) Plan {
	set := func(a, b []string) []string {
		m := map[string]bool{}
		for _, s := range append(append([]string{}, a...), b...) {
			m[s] = true
		}
		return keys(m)
	}
	out := Plan{Rebuild: set(p.Rebuild, q.Rebuild), Notices: set(p.Notices, q.Notices), OfferUp: set(p.OfferUp, q.OfferUp), Paths: set(p.Paths, q.Paths)}
	rb := map[string]bool{}
	for _, s := range out.Rebuild {
		rb[s] = true
	}
	for _, s := range set(p.Reload, q.Reload) {
		if !rb[s] {
			out.Reload = append(out.Reload, s)
		}
	}
	return out
}

// Actions is what the runner needs from the stack.
type Actions interface {
	Reload(ctx context.Context) error
	Rebuild(ctx context.Context, services []string) error
}

// Outcome reports one executed plan.
type Outcome struct {
	Plan Plan
	Did  string // "reload web", "rebuild web", or "" for notices only
	Err  error
}

// Runner carries plans out one at a time. Plans submitted while one runs
// are merged into a single follow-up, so a burst of saves during a rebuild
// costs one more action, and no two actions ever run on a service at once.
type Runner struct {
	act     Actions
	mu      sync.Mutex
	pending *Plan
	wake    chan struct{}
}

// NewRunner makes a runner over the stack's actions.
func NewRunner(act Actions) *Runner {
	return &Runner{act: act, wake: make(chan struct{}, 1)}
}

// Submit queues a plan (merging with any waiting one).
func (r *Runner) Submit(p Plan) {
	if p.Empty() {
		return
	}
	r.mu.Lock()
	if r.pending == nil {
		r.pending = &p
	} else {
		m := r.pending.merge(p)
		r.pending = &m
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run executes queued plans until ctx ends, reporting each outcome.
func (r *Runner) Run(ctx context.Context, report func(Outcome)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		for {
			r.mu.Lock()
			p := r.pending
			r.pending = nil
			r.mu.Unlock()
			if p == nil {
				break
			}
			report(r.execute(ctx, *p))
		}
	}
}

func (r *Runner) execute(ctx context.Context, p Plan) Outcome {
	o := Outcome{Plan: p}
	if len(p.Rebuild) > 0 {
		o.Did = "rebuild " + strings.Join(p.Rebuild, ",")
		if o.Err = r.act.Rebuild(ctx, p.Rebuild); o.Err != nil {
			return o
		}
	}
	if len(p.Reload) > 0 {
		if o.Did != "" {
			o.Did += ", "
		}
		o.Did += "reload " + strings.Join(p.Reload, ",")
		if err := r.act.Reload(ctx); err != nil {
			o.Err = fmt.Errorf("reload: %w", err)
		}
	}
	return o
}

// RulesFile is the optional per-project rules file, read from the project
// directory. Its rules are tried before the defaults (first match wins).
const RulesFile = "ttsui-watch.rules"

// LoadRules returns the project's rules followed by the defaults. The file
// has one rule a line: PATTERN ACTION [SERVICE or MESSAGE...], where ACTION
// is reload, rebuild, notice, offer-up or ignore; '#' starts a comment. A
// missing file means the defaults; a malformed line is an error naming it.
func LoadRules(dir string) ([]Rule, error) {
	path := filepath.Join(dir, RulesFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultRules(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var rules []Rule
	for n, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%s line %d: want PATTERN ACTION [SERVICE|MESSAGE]", path, n+1)
		}
		r := Rule{Pattern: f[0]}
		rest := strings.Join(f[2:], " ")
		switch f[1] {
		case "reload", "rebuild":
			r.Action, r.Service = Reload, rest
			if f[1] == "rebuild" {
				r.Action = Rebuild
			}
			if len(f) != 3 {
				return nil, fmt.Errorf("%s line %d: %s needs exactly one service", path, n+1, f[1])
			}
		case "notice", "offer-up":
			r.Action, r.Message = Notice, rest
			if f[1] == "offer-up" {
				r.Action = OfferUp
			}
			if r.Message == "" {
				r.Message = f[0] + " changed"
			}
		case "ignore":
			r.Action = Ignore
		default:
			return nil, fmt.Errorf("%s line %d: unknown action %q (use reload, rebuild, notice, offer-up or ignore)", path, n+1, f[1])
		}
		if _, err := filepath.Match(strings.ReplaceAll(r.Pattern, "**", "x"), "x"); err != nil {
			return nil, fmt.Errorf("%s line %d: bad pattern %q: %w", path, n+1, r.Pattern, err)
		}
		rules = append(rules, r)
	}
	return append(rules, DefaultRules()...), nil
}
