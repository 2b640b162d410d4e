package dockerops

import (
	"context"
	"sync"

	"github.com/docker/compose/v5/pkg/api"
)

// Step is one progress report of an action: a resource and what is
// happening to it, or a line of text (a build step) with an empty Resource.
type Step struct {
	Resource string // "Container tts-portal-web-1", "Image tts-portal-web:dev", ...
	Status   string // Working, Done, Warning, Error
	Text     string // Creating, Started, Healthy, ... or the line itself
	Details  string
	Current  int64
	Total    int64
}

// Progress receives an action's steps. It is called from the action's
// goroutine and must not block for long.
type Progress func(Step)

// progressBus is the SDK's event processor. Actions are serialised by the
// stack, so there is one current Progress at a time.
type progressBus struct {
	mu  sync.Mutex
	cur Progress
}

func (b *progressBus) set(p Progress) {
	b.mu.Lock()
	b.cur = p
	b.mu.Unlock()
}

func (b *progressBus) emit(st Step) {
	b.mu.Lock()
	p := b.cur
	b.mu.Unlock()
	if p != nil {
		p(st)
	}
}

func (b *progressBus) Start(context.Context, string) {}

func (b *progressBus) On(events ...api.Resource) {
	for _, e := range events {
		if e.ParentID != "" { // per-layer pull progress: too fine for anyone
			continue
		}
		b.emit(Step{Resource: e.ID, Status: e.StatusText(), Text: e.Text, Details: e.Details, Current: e.Current, Total: e.Total})
	}
}

// Done is called with failed=true on failure (the SDK passes err != nil).
func (b *progressBus) Done(string, bool) {}

// begin makes p the receiver of the SDK's progress for one action and
// returns the function that ends it.
func (s *Stack) begin(p Progress) func() {
	s.actionMu.Lock()
	if p == nil {
		p = func(Step) {}
	}
	s.bus.set(p)
	return func() {
		s.bus.set(nil)
		s.actionMu.Unlock()
	}
}
