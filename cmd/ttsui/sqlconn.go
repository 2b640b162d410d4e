package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/ui"
)

// sqlConnector gives the dashboard's SQL pane its sessions: the stack finds
// the database and its credentials, dbops opens a safe session on it.
type sqlConnector struct {
	stack   *dockerops.Stack
	history *dbops.History // nil when the history file cannot be opened
	exports string         // directory for exports
	timeout time.Duration  // per-statement limit on the server
}

func (c *sqlConnector) Connect(ctx context.Context, root bool) (ui.SQLSession, ui.SQLInfo, error) {
	s, l, err := openDatabase(ctx, c.stack, root, dbops.SessionOptions{StatementTimeout: c.timeout})
	if err != nil {
		return nil, ui.SQLInfo{}, err
	}
	return s, ui.SQLInfo{Server: s.Server, User: s.User, Database: l.Database, Host: l.Host, Port: l.Port, Source: l.Source}, nil
}

// CreateExport makes exports/<project>-<time>.<ext>, readable by the user
// only: an export holds the database's data.
func (c *sqlConnector) CreateExport(f dbops.Format) (io.WriteCloser, string, error) {
	if err := os.MkdirAll(c.exports, 0o700); err != nil {
		return nil, "", fmt.Errorf("exports directory: %w", err)
	}
	name := fmt.Sprintf("%s-%s.%s", c.stack.ProjectName(), time.Now().Format("20060102-150405.000"), f)
	path := filepath.Join(c.exports, name)
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("export file: %w", err)
	}
	full := path
	if rel, err := filepath.Rel(c.stack.State().Project.WorkingDir, path); err == nil {
		path = rel
	}
	return exportFile{file, full}, path, nil
}

// exportFile is an export being written; Abort removes what a failed or
// cancelled export left, so a partial file is never taken for a whole one.
type exportFile struct {
	*os.File
	path string
}

func (f exportFile) Abort() error {
	f.File.Close()
	return os.Remove(f.path)
}

func (c *sqlConnector) AddHistory(stmt string) error {
	if c.history == nil {
		return nil
	}
	_, err := c.history.Add(stmt)
	return err
}
