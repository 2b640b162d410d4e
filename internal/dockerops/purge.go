package dockerops

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/compose/v5/pkg/api"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/tts-portal/ttsui/internal/logtext"
)

// PurgeOptions tune Purge.
type PurgeOptions struct {
	// Confirm must equal the volume's name: a purge is never implied.
	Confirm string
	// SkipDump skips the SQL dump taken before deleting (taken by default).
	SkipDump bool
	// BackupDir receives the dump; default <project dir>/backups.
	BackupDir string
	// Up brings the stack back up afterwards (a fresh, empty database).
	Up bool
}

// PurgeResult says what Purge did.
type PurgeResult struct {
	Volume  string   `json:"volume"`
	Dump    string   `json:"dump,omitempty"` // path of the SQL dump
	Removed []string `json:"removed_containers,omitempty"`
}

// Purge deletes one of this project's volumes: it refuses without the
// confirmation token and for any volume not labelled with this project,
// dumps the database first (unless told not to), stops and removes the
// containers that use the volume, removes it and, on request, brings the
// stack back up.
func (s *Stack) Purge(ctx context.Context, volume string, opt PurgeOptions, p Progress) (PurgeResult, error) {
	res := PurgeResult{Volume: volume}
	if opt.Confirm != volume {
		return res, fmt.Errorf("purge %s: refused: confirm by giving the volume's exact name", volume)
	}
	release := s.begin(p)
	err := s.purge(ctx, volume, opt, &res)
	release()
	if err != nil {
		return res, fmt.Errorf("purge %s: %w", volume, err)
	}
	if opt.Up {
		if err := s.Up(ctx, p); err != nil {
			return res, fmt.Errorf("purge %s: the volume is gone, but bringing the stack back up failed: %w", volume, err)
		}
		return res, nil
	}
	s.Refresh(context.WithoutCancel(ctx))
	return res, nil
}

// purge does the work of Purge while holding the action lock.
func (s *Stack) purge(ctx context.Context, volume string, opt PurgeOptions, res *PurgeResult) error {
	vi, err := s.api.VolumeInspect(ctx, volume, client.VolumeInspectOptions{})
	if err != nil {
		return err
	}
	if owner := vi.Volume.Labels[api.ProjectLabel]; owner != s.project.Name {
		if owner == "" {
			return fmt.Errorf("refused: the volume is not labelled as part of a compose project; ttsui only purges %s's volumes", s.project.Name)
		}
		return fmt.Errorf("refused: the volume belongs to project %q, not %s", owner, s.project.Name)
	}
	users, err := s.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("volume", volume)})
	if err != nil {
		return err
	}
	for _, c := range users.Items {
		if c.Labels[api.ProjectLabel] != s.project.Name {
			return fmt.Errorf("refused: container %s outside %s uses it; stop that container first", firstName(c.Names), s.project.Name)
		}
	}

	if !opt.SkipDump {
		var dumpFrom string
		for _, c := range users.Items {
			if c.State == "running" && roleOf(c.Labels[api.ServiceLabel], c.Labels) == RoleDB {
				dumpFrom = c.ID
			}
		}
		if dumpFrom == "" {
			return fmt.Errorf("no running database container uses it to take a dump from; start the stack, or purge without a dump")
		}
		dir := opt.BackupDir
		if dir == "" {
			dir = filepath.Join(s.opt.Dir, "backups")
		}
		s.bus.emit(Step{Resource: "Volume " + volume, Status: "Working", Text: "Dumping the database"})
		path, err := s.dump(ctx, dumpFrom, dir, volume)
		if err != nil {
			return fmt.Errorf("dump before deleting failed, nothing was deleted: %w", err)
		}
		res.Dump = path
		s.bus.emit(Step{Resource: "Volume " + volume, Status: "Done", Text: "Dumped to " + path})
	}

	timeout := 20
	for _, c := range users.Items {
		name := strings.TrimPrefix(firstName(c.Names), "/")
		s.bus.emit(Step{Resource: "Container " + name, Status: "Working", Text: "Removing"})
		if c.State == "running" || c.State == "restarting" {
			if _, err := s.api.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
				return fmt.Errorf("stop %s: %w", name, err)
			}
		}
		if _, err := s.api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			return fmt.Errorf("remove %s: %w", name, err)
		}
		res.Removed = append(res.Removed, name)
		s.bus.emit(Step{Resource: "Container " + name, Status: "Done", Text: "Removed"})
	}
	if _, err := s.api.VolumeRemove(ctx, volume, client.VolumeRemoveOptions{}); err != nil {
		return fmt.Errorf("remove the volume: %w", err)
	}
	s.bus.emit(Step{Resource: "Volume " + volume, Status: "Done", Text: "Removed"})
	s.mu.Lock()
	delete(s.sizes, volume)
	s.mu.Unlock()
	return nil
}

// dump runs mysqldump inside the database container and streams its output
// to a new file. Credentials stay inside the container: they come from its
// own environment, never through this process or a command line.
func (s *Stack) dump(ctx context.Context, containerID, dir, volume string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup directory: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.sql", volume, time.Now().UTC().Format("20060102T150405Z")))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("backup file: %w", err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(path)
		}
	}()
	script := `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mysqldump -uroot --single-transaction --routines --events --databases "$MYSQL_DATABASE"`
	ex, err := s.api.ExecCreate(ctx, containerID, client.ExecCreateOptions{AttachStdout: true, AttachStderr: true, Cmd: []string{"sh", "-c", script}})
	if err != nil {
		return "", fmt.Errorf("start mysqldump: %w", err)
	}
	att, err := s.api.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return "", fmt.Errorf("attach to mysqldump: %w", err)
	}
	defer att.Close()
	var stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(f, &stderr, att.Reader); err != nil {
		return "", fmt.Errorf("read mysqldump output: %w", err)
	}
	in, err := s.api.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("mysqldump result: %w", err)
	}
	if in.ExitCode != 0 {
		return "", fmt.Errorf("mysqldump exited %d: %s", in.ExitCode, logtext.Sanitize(strings.TrimSpace(stderr.String())))
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	return path, nil
}
