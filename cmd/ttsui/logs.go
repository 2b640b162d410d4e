package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/logtext"
)

func newLogsCmd(g *globalFlags) *cobra.Command {
	var follow, timestamps bool
	var tail string
	c := &cobra.Command{
		Use:   "logs [SERVICE...]",
		Short: "Print the services' logs (sanitised: escape sequences shown inert)",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openReachable(cmd.Context(), os.Stderr)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			return s.Logs(cmd.Context(), dockerops.LogQuery{Services: args, Follow: follow, Tail: tail, Timestamps: timestamps}, func(l logtext.LogLine) {
				if timestamps && !l.Time.IsZero() {
					fmt.Fprintf(w, "%s ", l.Time.UTC().Format(time.RFC3339Nano))
				}
				stream := ""
				if l.Stream == logtext.Stderr {
					stream = " (stderr)"
				}
				fmt.Fprintf(w, "%s%s | %s\n", l.Container, stream, l.Text)
				if follow {
					w.Flush()
				}
			})
		},
	}
	c.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines")
	c.Flags().BoolVarP(&timestamps, "timestamps", "t", false, "show the engine's timestamps")
	c.Flags().StringVar(&tail, "tail", "200", `lines per container from the end ("all" for everything)`)
	return c
}
