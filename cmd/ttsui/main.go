// Command ttsui is the operations console for the TTS portal stack. Every
// action is a headless subcommand for scripts and CI; the dashboard (the
// command without a subcommand) is not built yet.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

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
The subcommands are headless and scriptable; exit status is non-zero on failure.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g.register(root)
	root.AddCommand(newEnvCmd(), newStatusCmd(g), newPsCmd(g), newUpCmd(g), newDownCmd(g),
		newRebuildCmd(g), newReloadCmd(g), newPurgeCmd(g), newLogsCmd(g))
	return root
}
