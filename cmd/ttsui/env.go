package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/envfile"
)

func newEnvCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Create .env with random secrets, or add the keys it lacks",
		Long: `Makes sure the stack's .env exists with every key the compose file needs.
A missing file is created with random secrets and mode 0600; an existing file
keeps every value it has, gets missing keys appended and loses group/other
permissions. Values are never printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := envfile.Ensure(path, envfile.Defaults())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case res.Created:
				fmt.Fprintf(out, "created %s with random secrets (mode 0600)\n", path)
			case len(res.Added) > 0:
				fmt.Fprintf(out, "added %s to %s\n", strings.Join(res.Added, ", "), path)
			default:
				fmt.Fprintf(out, "%s is complete\n", path)
			}
			if res.ModeFixed {
				fmt.Fprintf(out, "tightened %s from mode %v to 0600: it holds secrets\n", path, res.PreviousMod)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "env-file", ".env", "path of the env file")
	return cmd
}
