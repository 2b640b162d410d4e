package dockerops

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/compose/v5/pkg/api"
)

// Up creates what is missing (building images the project builds), starts
// everything and waits until every service with a healthcheck is healthy.
func (s *Stack) Up(ctx context.Context, p Progress) error {
	defer s.begin(p)()
	err := s.svc.Up(ctx, s.project, api.UpOptions{
		Create: api.CreateOptions{
			Build:         &api.BuildOptions{},
			RemoveOrphans: true,
			Recreate:      api.RecreateDiverged, RecreateDependencies: api.RecreateDiverged,
		},
		Start: api.StartOptions{Project: s.project, Wait: true, WaitTimeout: 5 * time.Minute},
	})
	s.Refresh(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("up %s: %w", s.project.Name, explainPull(err))
	}
	return nil
}
