package dockerops

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/compose/v5/pkg/api"
)

// Rebuild builds the images of the given services (all that build when
// none are named) and recreates their containers. The classic builder
// removes intermediate containers after each successful step.
func (s *Stack) Rebuild(ctx context.Context, services []string, p Progress) error {
	defer s.begin(p)()
	if len(services) == 0 {
		for _, name := range s.project.ServiceNames() {
			if s.project.Services[name].Build != nil {
				services = append(services, name)
			}
		}
	}
	for _, name := range services {
		sc, ok := s.project.Services[name]
		if !ok {
			return fmt.Errorf("rebuild: no service %q in %s (services: %v)", name, s.project.Name, s.project.ServiceNames())
		}
		if sc.Build == nil {
			return fmt.Errorf("rebuild: service %q has no build section: nothing to rebuild", name)
		}
	}
	if err := s.svc.Build(ctx, s.project, api.BuildOptions{Services: services}); err != nil {
		return fmt.Errorf("rebuild %v: build: %w", services, explainPull(err))
	}
	// Recreate only what was rebuilt; the rest stays as it is.
	selected, err := s.project.WithSelectedServices(services)
	if err != nil {
		return fmt.Errorf("rebuild %v: %w", services, err)
	}
	err = s.svc.Up(ctx, selected, api.UpOptions{
		Create: api.CreateOptions{
			Services: services, Recreate: api.RecreateForce, RecreateDependencies: api.RecreateNever,
			IgnoreOrphans: true,
		},
		Start: api.StartOptions{Project: selected, Services: services, Wait: true, WaitTimeout: 5 * time.Minute},
	})
	s.Refresh(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("rebuild %v: recreate: %w", services, err)
	}
	return nil
}
