package dockerops

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docker/compose/v5/pkg/api"
)

// ReloadResult says, per web container, whether the portal took the reload.
type ReloadResult struct {
	Containers []ContainerReload `json:"containers"`
}

// ContainerReload is one web container's reload outcome.
type ContainerReload struct {
	Container string `json:"container"`
	Before    uint64 `json:"generation_before"`
	After     uint64 `json:"generation_after"`
	Error     string `json:"error,omitempty"`
}

// OK reports whether every web container advanced without a reload error.
func (r ReloadResult) OK() bool {
	for _, c := range r.Containers {
		if c.Error != "" {
			return false
		}
	}
	return len(r.Containers) > 0
}

type portalStatusBefore struct {
	generation uint64
	lastReload time.Time
}

// Reload sends SIGHUP to every running web container and verifies it: the
// generation in /status must advance with no reload error. A failed reload
// leaves the portal on its old generation, still serving.
func (s *Stack) Reload(ctx context.Context, p Progress) (ReloadResult, error) {
	defer s.begin(p)()
	var res ReloadResult
	if err := s.refresh(ctx); err != nil {
		return res, fmt.Errorf("reload: %w", err)
	}
	st := s.State()
	webs := st.ServicesWithRole(RoleWeb)
	if len(webs) == 0 {
		return res, fmt.Errorf("reload: no web service in %s (label a service ttsui.role=web)", st.Project.Name)
	}
	before := map[string]portalStatusBefore{}
	var targets []Container
	for _, svc := range webs {
		for _, c := range st.ContainersOf(svc) {
			if c.State != "running" {
				continue
			}
			ps, err := s.portalStatus(ctx, c)
			if err != nil {
				return res, fmt.Errorf("reload: cannot read the generation before reloading: %w", err)
			}
			before[c.Name] = portalStatusBefore{ps.Generation, ps.LastReload}
			targets = append(targets, c)
		}
	}
	if len(targets) == 0 {
		return res, fmt.Errorf("reload: no web container is running: start the stack first (up)")
	}
	s.bus.emit(Step{Resource: "Service " + strings.Join(webs, ","), Status: "Working", Text: "Sending SIGHUP"})
	if err := s.svc.Kill(ctx, s.project.Name, api.KillOptions{Project: s.project, Services: webs, Signal: "SIGHUP"}); err != nil {
		return res, fmt.Errorf("reload: signal %v: %w", webs, err)
	}
	for _, c := range targets {
		b := before[c.Name]
		cr := ContainerReload{Container: c.Name, Before: b.generation}
		deadline := time.Now().Add(10 * time.Second)
		for {
			ps, err := s.portalStatus(ctx, c)
			if err == nil && ps.Generation > cr.Before {
				cr.After = ps.Generation
				break
			}
			// A reload attempt newer than the one we saw before, with an error:
			// the portal rejected this reload.
			if err == nil && ps.ReloadError != "" && ps.LastReload.After(b.lastReload) {
				cr.After = ps.Generation
				cr.Error = "reload failed, the previous generation keeps serving: " + ps.ReloadError + " (fix it and reload again, or rebuild)"
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				cr.After = ps.Generation
				cr.Error = "the generation did not advance within 10s: the portal may not handle SIGHUP; try rebuild"
				if err != nil {
					cr.Error = fmt.Sprintf("could not verify the reload: %v; try rebuild", err)
				}
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		status, text := "Done", fmt.Sprintf("Reloaded: generation %d -> %d", cr.Before, cr.After)
		if cr.Error != "" {
			status, text = "Error", cr.Error
		}
		s.bus.emit(Step{Resource: "Container " + c.Name, Status: status, Text: text})
		res.Containers = append(res.Containers, cr)
	}
	s.refresh(context.WithoutCancel(ctx))
	s.publish(StateChanged{State: s.State()})
	if !res.OK() {
		return res, fmt.Errorf("reload did not take on every web container: fix the error reported for it and reload again, or rebuild")
	}
	return res, nil
}
