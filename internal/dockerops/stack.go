package dockerops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/flags"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/docker/compose/v5/pkg/compose"
	"github.com/moby/moby/client"
	"github.com/sirupsen/logrus"

	"github.com/tts-portal/ttsui/internal/envfile"
	"github.com/tts-portal/ttsui/internal/logtext"
)

// Options say which project on which engine.
type Options struct {
	Dir     string   // project directory; default "."
	Files   []string // compose files; default Dir/docker-compose.yaml
	Project string   // project name; default envfile.ProjectName
	EnvFile string   // default Dir/.env
	// CreateEnv creates a missing .env with random secrets (and adds missing
	// keys) before loading the project.
	CreateEnv bool
	Context   string // docker context name (--context)
	Host      string // engine address (-H), e.g. tcp://127.0.0.1:2375
	// Output receives the SDK's own output: build steps and warnings (which
	// also reach the running action's Progress as Steps without a Resource).
	// Nil discards it. It never goes to the terminal behind the caller's back.
	Output io.Writer
	// PingTimeout bounds how long Open waits to learn whether the engine
	// answers; default 5s.
	PingTimeout time.Duration
}

// Stack is one compose project on one engine: a snapshot kept current from
// the engine's events, and the actions on it.
type Stack struct {
	opt     Options
	cli     *command.DockerCli
	svc     api.Compose
	api     client.APIClient
	project *types.Project
	bus     *progressBus

	actionMu sync.Mutex // one action at a time: they share the SDK's progress bus
	samples  sampler

	mu    sync.Mutex
	state State
	subs  map[chan Event]struct{}
	sizes map[string]int64 // volume sizes, refreshed on demand (slow on old engines)
}

// syncWriter serialises writes from the SDK's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Open loads the compose project and connects to the engine (State then
// holds the project and engine, not yet the containers: call Refresh or
// Watch). An engine that
// does not answer is not an error here: the state says so, and Watch recovers
// when it comes back. A malformed compose file, a missing env file value or an
// unknown docker context is an error.
func Open(ctx context.Context, opt Options) (*Stack, error) {
	if opt.Dir == "" {
		opt.Dir = "."
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, fmt.Errorf("project directory: %w", err)
	}
	opt.Dir = dir
	if len(opt.Files) == 0 {
		opt.Files = []string{filepath.Join(dir, "docker-compose.yaml")}
	}
	for i, f := range opt.Files {
		if !filepath.IsAbs(f) {
			opt.Files[i] = filepath.Join(dir, f)
		}
	}
	if opt.Project == "" {
		opt.Project = envfile.ProjectName
	}
	if opt.EnvFile == "" {
		opt.EnvFile = filepath.Join(dir, ".env")
	}
	if opt.PingTimeout <= 0 {
		opt.PingTimeout = 5 * time.Second
	}
	if opt.Output == nil {
		opt.Output = io.Discard
	}
	bus := &progressBus{}
	// Everything the SDK writes goes to Output and, line by line, to the
	// running action's Progress (classic build steps arrive only as text).
	steps := &logtext.LineWriter{Emit: func(line string) { bus.emit(Step{Status: "Working", Text: line}) }}
	out := &syncWriter{w: io.MultiWriter(opt.Output, steps)}

	if opt.CreateEnv {
		if _, err := envfile.Ensure(opt.EnvFile, envfile.Defaults()); err != nil {
			return nil, fmt.Errorf("prepare %s: %w", opt.EnvFile, err)
		}
	}

	cli, err := command.NewDockerCli(
		command.WithOutputStream(out), command.WithErrorStream(out),
		command.WithInputStream(io.NopCloser(strings.NewReader(""))),
	)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	copts := flags.NewClientOptions()
	if opt.Host != "" {
		copts.Hosts = []string{opt.Host}
	}
	copts.Context = opt.Context
	if err := cli.Initialize(copts); err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	// cli.Client() exits the process on an unresolvable endpoint (an unknown
	// context, a malformed DOCKER_HOST): resolve it ourselves first.
	if _, err := command.NewAPIClientFromFlags(copts, cli.ConfigFile()); err != nil {
		return nil, fmt.Errorf("docker endpoint: %w (check --context, DOCKER_CONTEXT and DOCKER_HOST)", err)
	}
	// The SDK logs through the process-wide logrus; Initialize resets its
	// level, so redirect it afterwards.
	logrus.SetOutput(out)
	logrus.SetFormatter(&logrus.TextFormatter{DisableColors: true, DisableTimestamp: true})

	svc, err := compose.NewComposeService(cli,
		compose.WithOutputStream(out), compose.WithErrorStream(out),
		compose.WithEventProcessor(bus), compose.WithPrompt(compose.AlwaysOkPrompt()),
	)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	project, err := svc.LoadProject(ctx, api.ProjectLoadOptions{
		ProjectName: opt.Project, WorkingDir: dir, ConfigPaths: opt.Files, EnvFiles: existing(opt.EnvFile),
	})
	if err != nil {
		return nil, fmt.Errorf("load the compose project (%s): %w", strings.Join(opt.Files, ", "), err)
	}

	s := &Stack{opt: opt, cli: cli, svc: svc, project: project, bus: bus, subs: map[chan Event]struct{}{}, sizes: map[string]int64{}}
	s.state.Project = ProjectInfo{Name: project.Name, WorkingDir: dir, Files: opt.Files, EnvFile: opt.EnvFile}
	for _, name := range project.ServiceNames() {
		sc := project.Services[name]
		s.state.Services = append(s.state.Services, ServiceInfo{Name: name, Role: roleOf(name, sc.Labels)})
	}
	s.state.Engine = EngineInfo{Host: cli.DockerEndpoint().Host, Context: cli.CurrentContext()}

	pctx, cancel := context.WithTimeout(ctx, opt.PingTimeout)
	defer cancel()
	s.api = cli.Client()
	// Only a ping: the snapshot is read by Refresh or Watch when a caller
	// needs it, so that `ttsui logs` and friends start fast.
	s.ping(pctx)
	return s, nil
}

func existing(path string) []string {
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	return []string{path}
}

// ping checks the engine and records the outcome in the state.
func (s *Stack) ping(ctx context.Context) error {
	v, err := s.api.ServerVersion(ctx, client.ServerVersionOptions{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.state.Engine.Reachable = false
		s.state.Engine.Error = engineError(s.state.Engine.Host, err)
		return err
	}
	s.state.Engine.Reachable, s.state.Engine.Error = true, ""
	s.state.Engine.Version, s.state.Engine.APIVersion = v.Version, v.APIVersion
	return nil
}

// engineError turns a connection failure into a sentence that says what to do.
func engineError(host string, err error) string {
	if client.IsErrConnectionFailed(err) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("engine unreachable at %s: is dockerd running, and are DOCKER_HOST / --context right? (%v)", host, err)
	}
	return err.Error()
}

// State returns the last known snapshot. It does no I/O.
func (s *Stack) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.clone()
}

func (st State) clone() State {
	c := st
	c.Services = slices.Clone(st.Services)
	c.Containers = slices.Clone(st.Containers)
	c.Volumes = slices.Clone(st.Volumes)
	c.Networks = slices.Clone(st.Networks)
	if st.Workers != nil {
		c.Workers = make(map[string]WorkerStatus, len(st.Workers))
		for k, v := range st.Workers {
			c.Workers[k] = v
		}
	}
	return c
}

// ProjectName is the compose project's name.
func (s *Stack) ProjectName() string { return s.project.Name }

// Refresh reads the whole snapshot from the engine now (containers, volumes,
// networks, the portal's status) and tells subscribers.
func (s *Stack) Refresh(ctx context.Context) error {
	if err := s.ping(ctx); err != nil {
		s.publish(StateChanged{State: s.State()})
		return fmt.Errorf("%s", s.State().Engine.Error)
	}
	err := s.refresh(ctx)
	s.publish(StateChanged{State: s.State()})
	return err
}

func (s *Stack) projectFilter() client.Filters {
	return make(client.Filters).Add("label", api.ProjectLabel+"="+s.project.Name)
}

// refresh rebuilds the snapshot from the engine.
func (s *Stack) refresh(ctx context.Context) error {
	list, err := s.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: s.projectFilter()})
	if err != nil {
		return s.fail(err)
	}
	containers := make([]Container, 0, len(list.Items))
	for _, item := range list.Items {
		if item.Labels[api.OneoffLabel] == "True" {
			continue
		}
		c, err := s.inspect(ctx, item.ID)
		if err != nil {
			continue // removed between list and inspect
		}
		containers = append(containers, c)
	}
	sort.Slice(containers, func(i, j int) bool { return containers[i].Name < containers[j].Name })

	vols, err := s.api.VolumeList(ctx, client.VolumeListOptions{Filters: s.projectFilter()})
	if err != nil {
		return s.fail(err)
	}
	nets, err := s.api.NetworkList(ctx, client.NetworkListOptions{Filters: s.projectFilter()})
	if err != nil {
		return s.fail(err)
	}
	usedBy := map[string][]string{}
	for _, item := range list.Items {
		for _, m := range item.Mounts {
			if m.Name != "" {
				usedBy[m.Name] = append(usedBy[m.Name], strings.TrimPrefix(firstName(item.Names), "/"))
			}
		}
	}
	workers := s.readWorkers(ctx, containers)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Containers = containers
	s.state.Volumes = s.state.Volumes[:0:0]
	for _, v := range vols.Items {
		size, ok := s.sizes[v.Name]
		if !ok {
			size = -1
		}
		u := usedBy[v.Name]
		sort.Strings(u)
		s.state.Volumes = append(s.state.Volumes, Volume{Name: v.Name, Size: size, UsedBy: u})
	}
	sort.Slice(s.state.Volumes, func(i, j int) bool { return s.state.Volumes[i].Name < s.state.Volumes[j].Name })
	s.state.Networks = s.state.Networks[:0:0]
	for _, n := range nets.Items {
		s.state.Networks = append(s.state.Networks, n.Name)
	}
	sort.Strings(s.state.Networks)
	s.state.Workers = workers
	s.state.Updated = time.Now()
	return nil
}

func firstName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// fail records an engine error in the state and returns it.
func (s *Stack) fail(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if client.IsErrConnectionFailed(err) {
		s.state.Engine.Reachable = false
		s.state.Engine.Error = engineError(s.state.Engine.Host, err)
	}
	return err
}

func (s *Stack) inspect(ctx context.Context, id string) (Container, error) {
	res, err := s.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return Container{}, err
	}
	in := res.Container
	c := Container{ID: in.ID, Name: strings.TrimPrefix(in.Name, "/")}
	if in.Config != nil {
		c.Service = in.Config.Labels[api.ServiceLabel]
		c.Role = roleOf(c.Service, in.Config.Labels)
		c.Image = in.Config.Image
		c.TTY = in.Config.Tty
	}
	if in.State != nil {
		c.State = string(in.State.Status)
		c.ExitCode = in.State.ExitCode
		c.StartedAt = parseEngineTime(in.State.StartedAt)
		c.FinishedAt = parseEngineTime(in.State.FinishedAt)
		if in.State.Health != nil {
			c.Health = string(in.State.Health.Status)
		}
	}
	c.Restarts = in.RestartCount
	if in.NetworkSettings != nil {
		for port, binds := range in.NetworkSettings.Ports {
			for _, b := range binds {
				hp := 0
				fmt.Sscanf(b.HostPort, "%d", &hp)
				ip := ""
				if b.HostIP.IsValid() {
					ip = b.HostIP.String()
				}
				c.Ports = append(c.Ports, Port{HostIP: ip, HostPort: hp, ContainerPort: int(port.Num()), Protocol: string(port.Proto())})
			}
		}
		sort.Slice(c.Ports, func(i, j int) bool {
			if c.Ports[i].ContainerPort != c.Ports[j].ContainerPort {
				return c.Ports[i].ContainerPort < c.Ports[j].ContainerPort
			}
			return c.Ports[i].HostIP < c.Ports[j].HostIP
		})
	}
	return c, nil
}

func parseEngineTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 {
		return time.Time{}
	}
	return t
}

// ContainersOf returns the containers of a service, from the snapshot.
func (st State) ContainersOf(service string) []Container {
	var out []Container
	for _, c := range st.Containers {
		if c.Service == service {
			out = append(out, c)
		}
	}
	return out
}

// ServicesWithRole lists the services that have a role.
func (st State) ServicesWithRole(r Role) []string {
	var out []string
	for _, sv := range st.Services {
		if sv.Role == r {
			out = append(out, sv.Name)
		}
	}
	return out
}

// PublishedPort finds where a container port is published, preferring
// loopback, for the host to reach it.
func (c Container) PublishedPort(containerPort int) (string, bool) {
	best := ""
	for _, p := range c.Ports {
		if p.ContainerPort != containerPort || p.Protocol != "tcp" || p.HostPort == 0 {
			continue
		}
		host := p.HostIP
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		addr := fmt.Sprintf("%s:%d", host, p.HostPort)
		if strings.Contains(host, ":") {
			addr = fmt.Sprintf("[%s]:%d", host, p.HostPort)
		}
		if best == "" || host == "127.0.0.1" {
			best = addr
		}
	}
	return best, best != ""
}
