package dockerops

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Usage is one CPU/memory sample of a container.
type Usage struct {
	Container  string    `json:"container"`
	At         time.Time `json:"at"`
	CPUPercent float64   `json:"cpu_percent"` // of one core; -1 until a second sample exists
	MemBytes   uint64    `json:"mem_bytes"`   // usage minus page cache, as docker stats shows it
	MemLimit   uint64    `json:"mem_limit"`
}

type cpuSample struct{ total, system uint64 }

// sampler keeps the previous one-shot sample per container: CPU percent is
// the delta between two one-shot samples, which costs milliseconds, where
// asking the engine for a previous sample blocks for about two seconds.
type sampler struct {
	mu   sync.Mutex
	prev map[string]cpuSample
}

// Sample takes one-shot stats for exactly the containers asked for (the ones
// on screen): nothing is sampled in the background.
func (s *Stack) Sample(ctx context.Context, ids []string) ([]Usage, error) {
	out := make([]Usage, 0, len(ids))
	for _, id := range ids {
		res, err := s.api.ContainerStats(ctx, id, client.ContainerStatsOptions{Stream: false})
		if err != nil {
			return out, fmt.Errorf("stats of %s: %w", id, err)
		}
		var st container.StatsResponse
		err = json.NewDecoder(res.Body).Decode(&st)
		res.Body.Close()
		if err != nil {
			return out, fmt.Errorf("stats of %s: %w", id, err)
		}
		out = append(out, s.samples.usage(id, st))
	}
	return out, nil
}

func (sm *sampler) usage(id string, st container.StatsResponse) Usage {
	u := Usage{Container: id, At: st.Read, CPUPercent: -1, MemLimit: st.MemoryStats.Limit}
	mem := st.MemoryStats.Usage
	// cgroup v2 reports page cache as inactive_file, v1 as cache.
	if v, ok := st.MemoryStats.Stats["inactive_file"]; ok && v < mem {
		mem -= v
	} else if v, ok := st.MemoryStats.Stats["cache"]; ok && v < mem {
		mem -= v
	}
	u.MemBytes = mem
	cur := cpuSample{st.CPUStats.CPUUsage.TotalUsage, st.CPUStats.SystemUsage}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if sm.prev == nil {
		sm.prev = map[string]cpuSample{}
	}
	if p, ok := sm.prev[id]; ok && cur.system > p.system && cur.total >= p.total {
		cpus := float64(st.CPUStats.OnlineCPUs)
		if cpus == 0 {
			cpus = 1
		}
		u.CPUPercent = float64(cur.total-p.total) / float64(cur.system-p.system) * cpus * 100
	}
	sm.prev[id] = cur
	return u
}

// RefreshVolumeSizes asks the engine for volume sizes. It is slow on old
// engines (seconds: API 1.41 computes every kind of disk usage), so callers
// run it on demand and off the UI's path; the sizes then appear in State.
func (s *Stack) RefreshVolumeSizes(ctx context.Context) error {
	du, err := s.api.DiskUsage(ctx, client.DiskUsageOptions{Volumes: true, Verbose: true})
	if err != nil {
		return fmt.Errorf("volume sizes: %w", err)
	}
	s.mu.Lock()
	for _, v := range du.Volumes.Items {
		if v.UsageData != nil {
			s.sizes[v.Name] = v.UsageData.Size
		}
	}
	for i, v := range s.state.Volumes {
		if size, ok := s.sizes[v.Name]; ok {
			s.state.Volumes[i].Size = size
		}
	}
	s.mu.Unlock()
	s.publish(StateChanged{State: s.State()})
	return nil
}
