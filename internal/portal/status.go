// Package portal holds the one contract shared by the portal server (writer) and
// the console (reader): the JSON document served at /status. It imports nothing
// heavy so that both sides can depend on it.
package portal

import (
	"os"
	"time"
)

// Version is the portal's build version. It is set at link time where a shell is
// available (-ldflags -X); images built with exec-form RUN set PORTAL_VERSION.
var Version = ""

// CurrentVersion reports the build version, falling back to PORTAL_VERSION and
// then to "dev".
func CurrentVersion() string {
	if Version != "" {
		return Version
	}
	if v := os.Getenv("PORTAL_VERSION"); v != "" {
		return v
	}
	return "dev"
}

// Status is the portal's self-report at /status.
type Status struct {
	// Workers is the number of request-handling slots; Busy of them run a
	// handler now and Queued requests wait for one.
	Workers int `json:"workers"`
	Busy    int `json:"busy"`
	Queued  int `json:"queued"`
	// QueueLimit is how many requests may wait before new ones get 503.
	QueueLimit int `json:"queue_limit"`
	// Served counts requests that got a slot; Rejected those turned away with 503.
	Served   uint64 `json:"served"`
	Rejected uint64 `json:"rejected"`
	// Generation advances on every successful reload.
	Generation uint64    `json:"generation"`
	LastReload time.Time `json:"last_reload"`
	// ReloadError is empty when the last reload attempt succeeded.
	ReloadError string    `json:"reload_error,omitempty"`
	Started     time.Time `json:"started"`
	Uptime      float64   `json:"uptime_seconds"`
	Version     string    `json:"version"`
	// Database is "ok" or the last error reaching it.
	Database string `json:"database"`
}
