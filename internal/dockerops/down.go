package dockerops

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/compose/v5/pkg/api"
)

// DownOptions tune Down.
type DownOptions struct {
	Volumes bool // also remove the project's named volumes (its data)
}

// Down stops and removes the project's containers and networks; volumes are
// kept unless asked for.
func (s *Stack) Down(ctx context.Context, opt DownOptions, p Progress) error {
	defer s.begin(p)()
	timeout := 20 * time.Second
	err := s.svc.Down(ctx, s.project.Name, api.DownOptions{
		Project: s.project, RemoveOrphans: true, Volumes: opt.Volumes, Timeout: &timeout,
	})
	s.Refresh(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("down %s: %w", s.project.Name, err)
	}
	return nil
}
