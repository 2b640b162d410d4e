package dockerops

import (
	"context"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Event is something subscribers hear about.
type Event interface{ isEvent() }

// StateChanged carries the new snapshot.
type StateChanged struct{ State State }

// EngineLost says the events stream broke; Watch is reconnecting.
type EngineLost struct{ Err string }

// EngineBack says the events stream is connected again and the snapshot has
// caught up.
type EngineBack struct{}

func (StateChanged) isEvent() {}
func (EngineLost) isEvent()   {}
func (EngineBack) isEvent()   {}

// Subscribe returns a channel of events that is closed when ctx ends. A slow
// subscriber misses intermediate events rather than blocking the stack; each
// StateChanged carries the whole state, so the latest one is enough.
func (s *Stack) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, 32)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
		close(ch)
	}()
	return ch
}

func (s *Stack) publish(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// interesting are the engine actions that change what the snapshot shows.
// Healthchecks run an exec every interval; their exec_* events are noise.
var interesting = []string{"create", "start", "restart", "die", "kill", "stop", "destroy", "pause", "unpause", "rename", "health_status", "oom"}

// Watch keeps the snapshot current from the engine's events stream until ctx
// ends. When the stream breaks it reports EngineLost, reconnects with
// exponential backoff, and on reconnecting re-reads everything (events missed
// meanwhile are not replayed, so a full refresh is the catch-up).
func (s *Stack) Watch(ctx context.Context) {
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		err := s.watchOnce(ctx, func() { backoff = 250 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		s.fail(err)
		s.mu.Lock()
		if s.state.Engine.Error == "" {
			s.state.Engine.Reachable = false
			s.state.Engine.Error = engineError(s.state.Engine.Host, err)
		}
		msg := s.state.Engine.Error
		s.mu.Unlock()
		s.publish(EngineLost{Err: msg})
		s.publish(StateChanged{State: s.State()})
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// watchOnce runs one events subscription until it fails.
func (s *Stack) watchOnce(ctx context.Context, connected func()) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.ping(wctx); err != nil {
		return err
	}
	f := s.projectFilter().Add("type", "container", "volume", "network")
	res := s.api.Events(wctx, client.EventsListOptions{Filters: f})
	// Subscribe first, then refresh: a change between the two is then both
	// in the snapshot and in the stream, never in neither.
	if err := s.refresh(wctx); err != nil {
		return err
	}
	connected()
	s.publish(EngineBack{})
	s.publish(StateChanged{State: s.State()})

	// Bursts (compose up touches many objects) are folded into one refresh.
	var pending <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-res.Err:
			return err
		case m := <-res.Messages:
			action := string(m.Action)
			if i := strings.IndexByte(action, ':'); i >= 0 {
				action = action[:i]
			}
			keep := false
			for _, a := range interesting {
				if action == a {
					keep = true
				}
			}
			if m.Type != "container" {
				keep = true
			}
			if keep && pending == nil {
				pending = time.After(100 * time.Millisecond)
			}
		case <-pending:
			pending = nil
			if err := s.refresh(wctx); err != nil {
				return err
			}
			s.publish(StateChanged{State: s.State()})
		}
	}
}
