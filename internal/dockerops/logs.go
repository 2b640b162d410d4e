package dockerops

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/docker/compose/v5/pkg/api"
	"github.com/moby/moby/client"
	"github.com/tts-portal/ttsui/internal/logtext"
)

// LogQuery selects log lines.
type LogQuery struct {
	Services []string // none: every service
	Follow   bool
	Tail     string // lines per container from the end, "all" or a number; default "200"
	// Timestamps asks the engine for each line's time (LogLine.Time). It
	// costs the engine work per line, so callers that do not show or merge
	// by time leave it off.
	Timestamps bool
	// Since limits lines to those after a time (RFC 3339 or Unix seconds
	// with fractions), for resuming a follow without repeating lines.
	Since string
}

// Logs streams the sanitised lines of the selected services' containers to
// emit, which is called from one goroutine at a time. stdout and stderr stay
// apart, lines the engine split are joined, and with Timestamps every line
// carries the engine's time. It returns when the streams end (or, with Follow, when
// ctx ends).
func (s *Stack) Logs(ctx context.Context, q LogQuery, emit func(logtext.LogLine)) error {
	if q.Tail == "" {
		q.Tail = "200"
	}
	f := s.projectFilter()
	for _, svc := range q.Services {
		if _, ok := s.project.Services[svc]; !ok {
			return fmt.Errorf("logs: no service %q in %s (services: %v)", svc, s.project.Name, s.project.ServiceNames())
		}
	}
	list, err := s.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return fmt.Errorf("logs: %s", engineError(s.State().Engine.Host, err))
	}
	want := map[string]bool{}
	for _, svc := range q.Services {
		want[svc] = true
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(list.Items))
	n := 0
	for i, item := range list.Items {
		svc := item.Labels[api.ServiceLabel]
		if len(want) > 0 && !want[svc] || item.Labels[api.OneoffLabel] == "True" {
			continue
		}
		n++
		name := firstName(item.Names)
		if len(name) > 0 && name[0] == '/' {
			name = name[1:]
		}
		tty := false
		if in, err := s.api.ContainerInspect(ctx, item.ID, client.ContainerInspectOptions{}); err == nil && in.Container.Config != nil {
			tty = in.Container.Config.Tty
		}
		wg.Go(func() {
			rc, err := s.api.ContainerLogs(ctx, item.ID, client.ContainerLogsOptions{
				ShowStdout: true, ShowStderr: true, Timestamps: q.Timestamps, Follow: q.Follow, Tail: q.Tail, Since: q.Since,
			})
			if err != nil {
				errs[i] = fmt.Errorf("logs of %s: %w", name, err)
				return
			}
			defer rc.Close()
			err = logtext.ReadLogStream(rc, tty, q.Timestamps, func(l logtext.LogLine) {
				l.Service, l.Container = svc, name
				mu.Lock()
				defer mu.Unlock()
				emit(l)
			})
			if err != nil && ctx.Err() == nil {
				errs[i] = fmt.Errorf("logs of %s: %w", name, err)
			}
		})
	}
	wg.Wait()
	if n == 0 {
		what := "any service"
		if len(q.Services) > 0 {
			what = fmt.Sprint(q.Services)
		}
		return fmt.Errorf("logs: no containers for %s in %s: start the stack first (ttsui up)", what, s.project.Name)
	}
	return errors.Join(errs...)
}
