package dockerops

import (
	"time"

	"github.com/tts-portal/ttsui/internal/portal"
)

// Role is what a service is for, from its `ttsui.role` label or, failing
// that, its name.
type Role string

// The roles the console knows.
const (
	RoleWeb   Role = "web"
	RoleDB    Role = "db"
	RoleOther Role = ""
)

// RoleLabel is the compose label that names a service's role.
const RoleLabel = "ttsui.role"

// roleOf applies the label-then-name rule.
func roleOf(service string, labels map[string]string) Role {
	switch Role(labels[RoleLabel]) {
	case RoleWeb:
		return RoleWeb
	case RoleDB:
		return RoleDB
	}
	switch service {
	case "web":
		return RoleWeb
	case "db":
		return RoleDB
	}
	return RoleOther
}

// State is a snapshot of the stack. Readers get copies; nothing in it changes
// after it is handed out.
type State struct {
	Project    ProjectInfo             `json:"project"`
	Engine     EngineInfo              `json:"engine"`
	Services   []ServiceInfo           `json:"services"`
	Containers []Container             `json:"containers"`
	Volumes    []Volume                `json:"volumes"`
	Networks   []string                `json:"networks"`
	Workers    map[string]WorkerStatus `json:"workers,omitempty"` // by web container name
	Updated    time.Time               `json:"updated"`
}

// ProjectInfo says which project this is and where its files are.
type ProjectInfo struct {
	Name       string   `json:"name"`
	WorkingDir string   `json:"working_dir"`
	Files      []string `json:"files"`
	EnvFile    string   `json:"env_file,omitempty"`
}

// EngineInfo says which engine the stack is on and whether it answers.
type EngineInfo struct {
	Host       string `json:"host"`
	Context    string `json:"context,omitempty"`
	Version    string `json:"version,omitempty"`
	APIVersion string `json:"api_version,omitempty"`
	Reachable  bool   `json:"reachable"`
	Error      string `json:"error,omitempty"`
}

// ServiceInfo is one service as the compose file defines it.
type ServiceInfo struct {
	Name string `json:"name"`
	Role Role   `json:"role,omitempty"`
}

// Container is one container of the project.
type Container struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Service    string    `json:"service"`
	Role       Role      `json:"role,omitempty"`
	Image      string    `json:"image"`
	State      string    `json:"state"`            // created, running, restarting, exited, ...
	Health     string    `json:"health,omitempty"` // starting, healthy, unhealthy, or empty without a healthcheck
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Restarts   int       `json:"restarts"`
	ExitCode   int       `json:"exit_code"`
	Ports      []Port    `json:"ports,omitempty"`
	TTY        bool      `json:"tty,omitempty"`
}

// Port is one published port.
type Port struct {
	HostIP        string `json:"host_ip"`
	HostPort      int    `json:"host_port"`
	ContainerPort int    `json:"container_port"`
	Protocol      string `json:"protocol"`
}

// Volume is one named volume of the project.
type Volume struct {
	Name   string   `json:"name"`
	Size   int64    `json:"size"` // bytes; -1 when unknown
	UsedBy []string `json:"used_by,omitempty"`
}

// WorkerStatus is the portal's /status as read through a published port.
type WorkerStatus struct {
	portal.Status
	Error string `json:"error,omitempty"` // set when /status could not be read
}
