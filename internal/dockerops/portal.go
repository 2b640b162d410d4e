package dockerops

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tts-portal/ttsui/internal/portal"
)

// portalPort is the port the portal listens on inside its container.
const portalPort = 80

var statusClient = &http.Client{Timeout: 2 * time.Second}

// readWorkers reads /status from every running web container through its
// published port. It runs only on refresh and after actions: nothing polls.
func (s *Stack) readWorkers(ctx context.Context, containers []Container) map[string]WorkerStatus {
	out := map[string]WorkerStatus{}
	for _, c := range containers {
		if c.Role != RoleWeb || c.State != "running" {
			continue
		}
		st, err := s.portalStatus(ctx, c)
		ws := WorkerStatus{Status: st}
		if err != nil {
			ws.Error = err.Error()
		}
		out[c.Name] = ws
	}
	return out
}

// portalStatus fetches one web container's /status.
func (s *Stack) portalStatus(ctx context.Context, c Container) (portal.Status, error) {
	var st portal.Status
	addr, ok := c.PublishedPort(portalPort)
	if !ok {
		return st, fmt.Errorf("%s publishes no port for %d: its /status cannot be read from here; publish it in the compose file (ports:)", c.Name, portalPort)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/status", nil)
	if err != nil {
		return st, err
	}
	resp, err := statusClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("read %s /status: %w", c.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("read %s /status: %s", c.Name, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("read %s /status: %w", c.Name, err)
	}
	return st, nil
}
