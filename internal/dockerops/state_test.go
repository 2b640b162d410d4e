package dockerops

import (
	"math"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
)

func TestRoleOf(t *testing.T) {
	for _, tc := range []struct {
		service string
		labels  map[string]string
		want    Role
	}{
		{"web", nil, RoleWeb},
		{"db", nil, RoleDB},
		{"portal", map[string]string{RoleLabel: "web"}, RoleWeb},
		{"mysql", map[string]string{RoleLabel: "db"}, RoleDB},
		{"web", map[string]string{RoleLabel: "db"}, RoleDB}, // the label wins over the name
		{"cache", nil, RoleOther},
		{"cache", map[string]string{RoleLabel: "bogus"}, RoleOther},
	} {
		if got := roleOf(tc.service, tc.labels); got != tc.want {
			t.Errorf("roleOf(%q, %v) = %q, want %q", tc.service, tc.labels, got, tc.want)
		}
	}
}

func TestPublishedPortPrefersLoopback(t *testing.T) {
	c := Container{Ports: []Port{
		{HostIP: "0.0.0.0", HostPort: 8081, ContainerPort: 80, Protocol: "tcp"},
		{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
		{HostIP: "127.0.0.1", HostPort: 5353, ContainerPort: 53, Protocol: "udp"},
	}}
	if addr, ok := c.PublishedPort(80); !ok || addr != "127.0.0.1:8080" {
		t.Fatalf("got %q %v", addr, ok)
	}
	if _, ok := c.PublishedPort(53); ok {
		t.Fatal("a udp port is no use for HTTP")
	}
	c = Container{Ports: []Port{{HostIP: "::", HostPort: 9000, ContainerPort: 80, Protocol: "tcp"}}}
	if addr, _ := c.PublishedPort(80); addr != "127.0.0.1:9000" {
		t.Fatalf("wildcard binding: %q", addr)
	}
}

func TestReloadResultOK(t *testing.T) {
	if (ReloadResult{}).OK() {
		t.Fatal("no containers is not a successful reload")
	}
	r := ReloadResult{Containers: []ContainerReload{{Container: "a", Before: 1, After: 2}, {Container: "b", Error: "x"}}}
	if r.OK() {
		t.Fatal("one failed container fails the reload")
	}
}

func TestSamplerCPUFromTwoOneShotSamples(t *testing.T) {
	var sm sampler
	st := func(total, system uint64) container.StatsResponse {
		var s container.StatsResponse
		s.Read = time.Now()
		s.CPUStats.CPUUsage.TotalUsage, s.CPUStats.SystemUsage, s.CPUStats.OnlineCPUs = total, system, 2
		s.MemoryStats.Usage, s.MemoryStats.Limit = 100<<20, 1<<30
		s.MemoryStats.Stats = map[string]uint64{"inactive_file": 40 << 20}
		return s
	}
	u := sm.usage("c1", st(1_000, 10_000))
	if u.CPUPercent != -1 || u.MemBytes != 60<<20 {
		t.Fatalf("first sample: %+v", u)
	}
	u = sm.usage("c1", st(1_500, 12_000)) // 500 of 2000 system ticks on 2 CPUs = 50%
	if math.Abs(u.CPUPercent-50) > 0.001 {
		t.Fatalf("cpu %.3f, want 50", u.CPUPercent)
	}
	if u := sm.usage("c2", st(1_500, 12_000)); u.CPUPercent != -1 {
		t.Fatal("samples of another container were used")
	}
}
