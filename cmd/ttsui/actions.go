package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tts-portal/ttsui/internal/dockerops"
)

func newUpCmd(g *globalFlags) *cobra.Command {
	return actionCmd(g, "up", "Build what is missing, start the stack and wait until it is healthy",
		func(ctx context.Context, s *dockerops.Stack, cmd *cobra.Command, _ []string) error {
			if err := s.Up(ctx, stepPrinter(cmd.ErrOrStderr())); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "up: %s is running\n", s.ProjectName())
			return nil
		})
}

func newDownCmd(g *globalFlags) *cobra.Command {
	var volumes bool
	c := actionCmd(g, "down", "Stop and remove the stack's containers and networks (volumes are kept)",
		func(ctx context.Context, s *dockerops.Stack, cmd *cobra.Command, _ []string) error {
			if err := s.Down(ctx, dockerops.DownOptions{Volumes: volumes}, stepPrinter(cmd.ErrOrStderr())); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "down: %s stopped\n", s.ProjectName())
			return nil
		})
	c.Flags().BoolVarP(&volumes, "volumes", "v", false, "also remove the project's named volumes (deletes the database)")
	return c
}

func newRebuildCmd(g *globalFlags) *cobra.Command {
	c := actionCmd(g, "rebuild [SERVICE...]", "Rebuild images (all, or the services named) and recreate their containers",
		func(ctx context.Context, s *dockerops.Stack, cmd *cobra.Command, args []string) error {
			if err := s.Rebuild(ctx, args, stepPrinter(cmd.ErrOrStderr())); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "rebuild: done")
			return nil
		})
	return c
}

func newReloadCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := actionCmd(g, "reload", "Reload the portal (SIGHUP) and verify that its generation advanced",
		func(ctx context.Context, s *dockerops.Stack, cmd *cobra.Command, _ []string) error {
			res, err := s.Reload(ctx, stepPrinter(cmd.ErrOrStderr()))
			if asJSON && len(res.Containers) > 0 {
				printJSON(cmd.OutOrStdout(), res)
			} else {
				for _, c := range res.Containers {
					if c.Error != "" {
						fmt.Fprintf(cmd.OutOrStdout(), "reload: %s: %s\n", c.Container, c.Error)
					} else {
						fmt.Fprintf(cmd.OutOrStdout(), "reload: %s: generation %d -> %d\n", c.Container, c.Before, c.After)
					}
				}
			}
			return err
		})
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func newPurgeCmd(g *globalFlags) *cobra.Command {
	var yes, noDump, up bool
	var backupDir string
	c := actionCmd(g, "purge VOLUME", "Delete one of the stack's volumes (dumps the database first)",
		func(ctx context.Context, s *dockerops.Stack, cmd *cobra.Command, args []string) error {
			volume := args[0]
			confirm := ""
			switch {
			case yes:
				confirm = volume
			case term.IsTerminal(int(os.Stdin.Fd())):
				fmt.Fprintf(cmd.ErrOrStderr(), "This deletes volume %s and its data. Type its name to confirm: ", volume)
				line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
				confirm = strings.TrimSpace(line)
			default:
				return fmt.Errorf("purge %s: refused: pass --yes to confirm (no terminal to ask on)", volume)
			}
			res, err := s.Purge(ctx, volume, dockerops.PurgeOptions{Confirm: confirm, SkipDump: noDump, BackupDir: backupDir, Up: up}, stepPrinter(cmd.ErrOrStderr()))
			if err != nil {
				return err
			}
			if res.Dump != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "purge: dump written to %s\n", res.Dump)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "purge: volume %s removed\n", volume)
			return nil
		})
	c.Args = cobra.ExactArgs(1)
	c.Flags().BoolVar(&yes, "yes", false, "confirm: the named volume is to be deleted")
	c.Flags().BoolVar(&noDump, "no-dump", false, "do not dump the database before deleting")
	c.Flags().StringVar(&backupDir, "backup-dir", "", "where the dump goes (default backups/ in the project directory)")
	c.Flags().BoolVar(&up, "up", false, "bring the stack back up afterwards (a fresh database)")
	return c
}
