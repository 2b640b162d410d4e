package dockerops

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	pathpkg "path"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"

	"github.com/tts-portal/ttsui/internal/envfile"
)

// DatabaseLogin is how this machine reaches the stack's database: the db
// container's published loopback port and credentials found in the stack,
// never typed and never stored.
type DatabaseLogin struct {
	Service   string
	Container string // the db container's id
	Host      string
	Port      int
	User      string
	Password  string
	Database  string
	// Source says where the password came from, for the pane's header:
	// "container env", "secret file <path>" or the env file's name.
	Source string
}

// DatabaseLogin finds the db-role container and its credentials: the
// application user by default, root when asked. Each credential is taken
// from the container's own environment first (what the server was started
// with), then from a *_FILE secret the environment points at, then from
// the project's env file.
func (s *Stack) DatabaseLogin(ctx context.Context, root bool) (DatabaseLogin, error) {
	var l DatabaseLogin
	st := s.State()
	dbs := st.ServicesWithRole(RoleDB)
	if len(dbs) == 0 {
		return l, fmt.Errorf("no database service in %s: label one ttsui.role=db or name it db", st.Project.Name)
	}
	l.Service = dbs[0]
	var addr string
	for _, c := range st.ContainersOf(l.Service) {
		if c.State == "running" {
			addr, _ = c.PublishedPort(3306)
			l.Container = c.ID
		}
	}
	if l.Container == "" {
		return l, fmt.Errorf("the %s container is not running: start the stack (u, or ttsui up)", l.Service)
	}
	if addr == "" {
		return l, fmt.Errorf("the %s container publishes no port for 3306: publish it on 127.0.0.1 in the compose file", l.Service)
	}
	host, port, _ := strings.Cut(addr, ":")
	fmt.Sscanf(port, "%d", &l.Port)
	l.Host = strings.Trim(host, "[]")
	if l.Host == "" || l.Host == "0.0.0.0" || l.Host == "::" {
		l.Host = "127.0.0.1"
	}

	in, err := s.api.ContainerInspect(ctx, l.Container, client.ContainerInspectOptions{})
	if err != nil {
		return l, fmt.Errorf("inspect %s for its credentials: %w", l.Service, err)
	}
	var containerEnv []string
	if in.Container.Config != nil {
		containerEnv = in.Container.Config.Env
	}
	dotenv, derr := envfile.Load(st.Project.EnvFile)
	if derr != nil {
		dotenv = map[string]string{}
	}
	c := credentials{
		env:     envMap(containerEnv),
		dotenv:  dotenv,
		envName: filepath.Base(st.Project.EnvFile),
		readFile: func(path string) (string, error) {
			return s.ReadContainerFile(ctx, l.Container, path, 4096)
		},
	}
	if err := c.resolve(&l, root); err != nil {
		if derr != nil {
			err = fmt.Errorf("%w (and the env file: %v)", err, derr)
		}
		return l, err
	}
	return l, nil
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// credentials looks values up the way the mysql and mariadb images read
// them: NAME, then NAME_FILE, for both the MYSQL_ and MARIADB_ spellings.
type credentials struct {
	env, dotenv map[string]string
	envName     string
	readFile    func(path string) (string, error)
}

func (c credentials) lookup(name string) (value, source string, err error) {
	names := []string{"MYSQL_" + name, "MARIADB_" + name}
	for _, n := range names {
		if v := c.env[n]; v != "" {
			return v, "container env", nil
		}
	}
	for _, n := range names {
		if path := c.env[n+"_FILE"]; path != "" {
			v, err := c.readFile(path)
			if err != nil {
				return "", "", fmt.Errorf("read %s_FILE (%s) in the container: %w", n, path, err)
			}
			return strings.TrimRight(v, "\r\n"), "secret file " + path, nil
		}
	}
	for _, n := range names {
		if v := c.dotenv[n]; v != "" {
			return v, c.envName, nil
		}
	}
	return "", "", nil
}

func (c credentials) resolve(l *DatabaseLogin, root bool) error {
	db, _, err := c.lookup("DATABASE")
	if err != nil {
		return err
	}
	l.Database = db
	if root {
		l.User = "root"
		pw, src, err := c.lookup("ROOT_PASSWORD")
		if err != nil {
			return err
		}
		if pw == "" {
			return fmt.Errorf("no root password for the database: set MYSQL_ROOT_PASSWORD in %s or the service's environment", c.envName)
		}
		l.Password, l.Source = pw, src
		return nil
	}
	user, _, err := c.lookup("USER")
	if err != nil {
		return err
	}
	pw, src, err := c.lookup("PASSWORD")
	if err != nil {
		return err
	}
	if user == "" || pw == "" {
		return fmt.Errorf("no application user for the database: set MYSQL_USER and MYSQL_PASSWORD in %s (ttsui env), or connect as root", c.envName)
	}
	l.User, l.Password, l.Source = user, pw, src
	return nil
}

// ReadContainerFile reads a small file from a container through the
// engine's archive API (no exec, no shell), at most limit bytes.
func (s *Stack) ReadContainerFile(ctx context.Context, id, path string, limit int64) (string, error) {
	return s.readContainerFile(ctx, id, path, limit, 0)
}

func (s *Stack) readContainerFile(ctx context.Context, id, path string, limit int64, hops int) (string, error) {
	if hops > 8 {
		return "", fmt.Errorf("%s: too many symbolic links", path)
	}
	res, err := s.api.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return "", err
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("%s: not a file", path)
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		switch h.Typeflag {
		case tar.TypeReg:
			if h.Size > limit {
				return "", fmt.Errorf("%s: %d bytes is too large for a secret", path, h.Size)
			}
			b, err := io.ReadAll(io.LimitReader(tr, limit))
			return string(b), err
		case tar.TypeSymlink:
			// The archive holds the link itself (Kubernetes-style and
			// compose secrets can be links): follow it.
			target := h.Linkname
			if !pathpkg.IsAbs(target) {
				target = pathpkg.Join(pathpkg.Dir(path), target)
			}
			return s.readContainerFile(ctx, id, target, limit, hops+1)
		}
	}
}
