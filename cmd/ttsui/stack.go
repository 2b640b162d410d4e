package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/logtext"
)

// globalFlags select the project and the engine, like docker compose's.
type globalFlags struct {
	dir, project, envFile, context, host string
	files                                []string
	sqlLimit                             int           // the dashboard's SQL display cap
	sqlTimeout                           time.Duration // its per-statement time limit
}

func (g *globalFlags) register(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&g.dir, "project-directory", ".", "directory of the compose project")
	f.StringSliceVar(&g.files, "file", nil, "compose file(s) (default docker-compose.yaml in the project directory; no -f shorthand: logs -f means follow)")
	f.StringVarP(&g.project, "project-name", "p", "", "compose project name (default tts-portal)")
	f.StringVar(&g.envFile, "env-file", "", "env file (default .env in the project directory; created when missing)")
	f.StringVar(&g.context, "context", "", "docker context to use (default: DOCKER_CONTEXT or the current context)")
	f.StringVarP(&g.host, "host", "H", "", "engine address, e.g. unix:///var/run/docker.sock or tcp://127.0.0.1:2375 (default: DOCKER_HOST)")
}

// open loads the project and connects; SDK output (build steps, warnings)
// goes to w.
func (g *globalFlags) open(ctx context.Context, w io.Writer) (*dockerops.Stack, error) {
	return dockerops.Open(ctx, dockerops.Options{
		Dir: g.dir, Files: g.files, Project: g.project, EnvFile: g.envFile,
		CreateEnv: true, Context: g.context, Host: g.host, Output: w,
	})
}

// openReachable is open plus a clear error when the engine does not answer.
func (g *globalFlags) openReachable(ctx context.Context, w io.Writer) (*dockerops.Stack, error) {
	s, err := g.open(ctx, w)
	if err != nil {
		return nil, err
	}
	if e := s.State().Engine; !e.Reachable {
		return nil, fmt.Errorf("%s", e.Error)
	}
	return s, nil
}

// stepPrinter prints an action's progress one line per change.
func stepPrinter(w io.Writer) dockerops.Progress {
	var mu sync.Mutex
	last := map[string]string{}
	return func(st dockerops.Step) {
		mu.Lock()
		defer mu.Unlock()
		key := st.Status + " " + st.Text + " " + st.Details
		if last[st.Resource] == key {
			return
		}
		last[st.Resource] = key
		if st.Resource == "" { // a line of build output
			fmt.Fprintln(w, "  "+st.Text)
			return
		}
		line := fmt.Sprintf("%-40s %s", st.Resource, st.Text)
		if st.Details != "" {
			line += ": " + logtext.Sanitize(st.Details)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// actionCmd builds a command that opens the stack and runs one action.
func actionCmd(g *globalFlags, use, short string, run func(ctx context.Context, s *dockerops.Stack, cmd *cobra.Command, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			// SDK output reaches the user as progress steps (stepPrinter).
			s, err := g.openReachable(cmd.Context(), io.Discard)
			if err != nil {
				return err
			}
			return run(cmd.Context(), s, cmd, args)
		},
	}
}
