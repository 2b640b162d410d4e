package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/dockerops"
)

func newStatusCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the stack: engine, containers, workers, volumes",
		Long: `Shows the stack's state. With --json the output is the dockerops.State
document (stable field names, see README). Exits non-zero when the engine is
unreachable.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.open(cmd.Context(), io.Discard)
			if err != nil {
				return err
			}
			if s.State().Engine.Reachable {
				s.Refresh(cmd.Context()) // a failure is recorded in the state
			}
			st := s.State()
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), st); err != nil {
					return err
				}
			} else {
				printStatus(cmd.OutOrStdout(), st)
			}
			if !st.Engine.Reachable {
				return fmt.Errorf("%s", st.Engine.Error)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the state as JSON")
	return c
}

func newPsCmd(g *globalFlags) *cobra.Command {
	return actionCmd(g, "ps", "List the stack's containers",
		func(ctx context.Context, s *dockerops.Stack, cmd *cobra.Command, _ []string) error {
			if err := s.Refresh(ctx); err != nil {
				return err
			}
			printContainers(cmd.OutOrStdout(), s.State())
			return nil
		})
}

func printStatus(w io.Writer, st dockerops.State) {
	fmt.Fprintf(w, "project  %s (%s)\n", st.Project.Name, strings.Join(st.Project.Files, ", "))
	if st.Engine.Reachable {
		fmt.Fprintf(w, "engine   %s, Docker %s (API %s)\n", st.Engine.Host, st.Engine.Version, st.Engine.APIVersion)
	} else {
		fmt.Fprintf(w, "engine   %s: UNREACHABLE\n", st.Engine.Host)
		return
	}
	fmt.Fprintln(w)
	printContainers(w, st)
	if len(st.Workers) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "WEB\tWORKERS\tBUSY\tQUEUED\tSERVED\tREJECTED\tGENERATION\tRELOAD\tDATABASE")
		names := make([]string, 0, len(st.Workers))
		for n := range st.Workers {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			ws := st.Workers[n]
			if ws.Error != "" {
				fmt.Fprintf(tw, "%s\t%s\n", n, ws.Error)
				continue
			}
			reload := "ok"
			if ws.ReloadError != "" {
				reload = "FAILED: " + ws.ReloadError
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", n, ws.Workers, ws.Busy, ws.Queued, ws.Served, ws.Rejected, ws.Generation, reload, ws.Database)
		}
		tw.Flush()
	}
	if len(st.Volumes) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "VOLUME\tUSED BY")
		for _, v := range st.Volumes {
			fmt.Fprintf(tw, "%s\t%s\n", v.Name, strings.Join(v.UsedBy, ", "))
		}
		tw.Flush()
	}
}

func printContainers(w io.Writer, st dockerops.State) {
	if len(st.Containers) == 0 {
		fmt.Fprintln(w, "no containers: the stack is down (ttsui up starts it)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tCONTAINER\tSTATE\tHEALTH\tUPTIME\tRESTARTS\tEXIT\tPORTS")
	for _, c := range st.Containers {
		up := "-"
		if c.State == "running" && !c.StartedAt.IsZero() {
			up = time.Since(c.StartedAt).Round(time.Second).String()
		}
		var ports []string
		for _, p := range c.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d->%d/%s", p.HostIP, p.HostPort, p.ContainerPort, p.Protocol))
		}
		health := c.Health
		if health == "" {
			health = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", c.Service, c.Name, c.State, health, up, c.Restarts, c.ExitCode, strings.Join(ports, " "))
	}
	tw.Flush()
}
