// Command ttsui is the operations console for the TTS portal stack. With no
// subcommand it will open the dashboard; every action is also a headless
// subcommand for scripts and CI.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "ttsui:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "ttsui",
		Short:         "Operations console for the TTS portal stack",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newEnvCmd())
	return root
}
