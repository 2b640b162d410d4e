// Command ttsui is the operations console for the TTS portal stack: without
// a subcommand it opens the dashboard; every action is also a headless
// subcommand for scripts and CI.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttsui:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "ttsui",
		Short: "Operations console for the TTS portal stack",
		Long: `ttsui runs the TTS portal stack (a compose project) on a Docker engine.
Without a subcommand it opens the dashboard. The subcommands are headless and
scriptable; exit status is non-zero on failure.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(cmd *cobra.Command, _ []string) error { return runDashboard(cmd, g) },
	}
	g.register(root)
	root.Flags().DurationVar(&g.sqlTimeout, "sql-timeout", 30*time.Second, "server-side time limit for each statement in the SQL pane (exports are exempt; ctrl+c cancels)")
	root.Flags().IntVar(&g.sqlLimit, "sql-limit", 1000, "rows the SQL pane fetches per statement at most (the rest is counted as more, never read)")
	root.AddCommand(newEnvCmd(), newStatusCmd(g), newPsCmd(g), newUpCmd(g), newDownCmd(g),
		newRebuildCmd(g), newReloadCmd(g), newPurgeCmd(g), newLogsCmd(g), newSQLCmd(g), newWatchCmd(g))
	return root
}
