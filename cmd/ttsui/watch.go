package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/watch"
)

// stackActions adapts the stack to the watcher's runner.
type stackActions struct {
	s   *dockerops.Stack
	out func(format string, a ...any)
}

func (a stackActions) Reload(ctx context.Context) error {
	res, err := a.s.Reload(ctx, nil)
	for _, c := range res.Containers {
		if c.Error == "" {
			a.out("reload %s: generation %d -> %d", c.Container, c.Before, c.After)
		}
	}
	return err
}

func (a stackActions) Rebuild(ctx context.Context, services []string) error {
	return a.s.Rebuild(ctx, services, nil)
}

func newWatchCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "watch",
		Short: "Watch the project tree and reload or rebuild the stack on change",
		Long: `Watches the project directory and applies the rules: docroot/** reloads web
(verified through the generation), Go sources, go.mod, go.sum and
Dockerfile.web rebuild web, db files only print a notice, and the compose
file or .env are reported for re-applying with up. Changes that arrive while
an action runs are folded into one follow-up. Rules in ttsui-watch.rules in
the project directory (PATTERN ACTION [SERVICE|MESSAGE] per line; actions
reload, rebuild, notice, offer-up, ignore) are tried before the defaults.
Prints every change set and result; stop with Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := g.openReachable(ctx, io.Discard)
			if err != nil {
				return err
			}
			root := s.State().Project.WorkingDir
			rules, err := watch.LoadRules(root)
			if err != nil {
				return err
			}
			w, err := watch.New(watch.Options{Root: root})
			if err != nil {
				return err
			}
			defer w.Close()
			var mu sync.Mutex
			out := func(format string, a ...any) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintf(cmd.OutOrStdout(), time.Now().Format("15:04:05 ")+format+"\n", a...)
			}
			out("watching %s (%d directories)", root, w.Watched())
			runner := watch.NewRunner(stackActions{s: s, out: out})
			changes := make(chan watch.ChangeSet, 16)
			var wg sync.WaitGroup
			wg.Go(func() {
				runner.Run(ctx, func(o watch.Outcome) {
					if o.Err != nil {
						out("%s: FAILED: %v", o.Did, o.Err)
					} else if o.Did != "" {
						out("%s: ok", o.Did)
					}
				})
			})
			errc := make(chan error, 1)
			go func() { errc <- w.Run(ctx, changes) }()
			for {
				select {
				case <-ctx.Done():
					wg.Wait()
					return nil
				case err := <-errc:
					if ctx.Err() != nil {
						wg.Wait()
						return nil
					}
					return err
				case cs := <-changes:
					for _, warn := range cs.Warnings {
						out("warning: %s", warn)
					}
					if len(cs.Paths) == 0 {
						continue
					}
					how := ""
					if cs.Rescan {
						how = " (after an event overflow, by rescanning)"
					}
					out("changed%s: %s", how, strings.Join(cs.Paths, " "))
					plan := watch.Decide(cs, rules)
					for _, n := range plan.Notices {
						out("notice: %s", n)
					}
					for _, o := range plan.OfferUp {
						out("notice: %s", o)
					}
					runner.Submit(plan)
				}
			}
		},
	}
}
