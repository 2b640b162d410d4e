package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/dockerops"
)

func newSQLCmd(g *globalFlags) *cobra.Command {
	var exec, format string
	var write, root bool
	var limit int
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "sql -e STATEMENTS",
		Short: "Run SQL against the stack's database (read-only unless --write)",
		Long: `Runs one or more statements (split on ; outside quotes and comments) against
the stack's database, found by role (ttsui.role=db or a service named db)
through its published loopback port, with credentials from the env file:
the application user, or root with --root. Nothing is typed or stored.

The session is read-only with a statement time limit. Every statement is
classified first; if any writes, changes schema or administers the server,
nothing runs unless --write is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(exec) == "" {
				return fmt.Errorf("give the statements with -e")
			}
			switch format {
			case "table", "csv", "json":
			default:
				return fmt.Errorf("--format %q: use table, csv or json", format)
			}
			if limit < 0 || limit == 0 && format == "table" {
				return fmt.Errorf("--limit %d: give a positive row cap, or 0 with --format csv or json to stream every row", limit)
			}
			stmts := dbops.Split(exec)
			if len(stmts) == 0 {
				return fmt.Errorf("no statement in -e (only comments?)")
			}
			for i, s := range stmts {
				if cl := dbops.Classify(s.Text); cl.NeedsConfirmation() && !write {
					return fmt.Errorf("statement %d is a %s statement (%s): nothing was run; pass --write to allow it", i+1, cl, abbreviate(s.Text, 60))
				}
			}
			s, err := g.openReachable(cmd.Context(), io.Discard)
			if err != nil {
				return err
			}
			if err := s.Refresh(cmd.Context()); err != nil {
				return err
			}
			sess, _, err := openDatabase(cmd.Context(), s, root, dbops.SessionOptions{Writable: write, StatementTimeout: timeout})
			if err != nil {
				return err
			}
			defer sess.Close()
			out := cmd.OutOrStdout()
			for i, st := range stmts {
				if limit == 0 && dbops.Classify(st.Text) == dbops.Read {
					// Everything, streamed from the cursor: nothing is held.
					f, _ := dbops.ParseFormat(format) // checked above: csv or json
					p, err := sess.Export(cmd.Context(), st.Text, f, out, nil)
					if err != nil {
						return fmt.Errorf("statement %d (%s): %w", i+1, abbreviate(st.Text, 60), err)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "%d row(s) in %s\n", p.Rows, p.Elapsed.Round(1e5))
					continue
				}
				res, err := sess.Run(cmd.Context(), st.Text, limit)
				if err != nil {
					return fmt.Errorf("statement %d (%s): %w", i+1, abbreviate(st.Text, 60), err)
				}
				if err := printResult(out, cmd.ErrOrStderr(), format, res, limit); err != nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&exec, "execute", "e", "", "statements to run")
	c.Flags().StringVar(&format, "format", "table", "output: table, csv (NULL as \\N) or json (JSON Lines, one object per row)")
	c.Flags().BoolVar(&write, "write", false, "allow statements that write, change schema or administer")
	c.Flags().BoolVar(&root, "root", false, "connect as root instead of the application user")
	c.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "server-side time limit per read-only statement (streamed --limit 0 output is exempt)")
	c.Flags().IntVar(&limit, "limit", 1000, "rows shown per statement at most; 0 streams every row (csv or json)")
	return c
}

// openDatabase finds the database the way the SQL pane does (the db-role
// container's published 3306 and the stack's credentials) and opens a
// session on it.
func openDatabase(ctx context.Context, s *dockerops.Stack, root bool, opt dbops.SessionOptions) (*dbops.Session, dockerops.DatabaseLogin, error) {
	l, err := s.DatabaseLogin(ctx, root)
	if err != nil {
		return nil, l, err
	}
	ep := dbops.Endpoint{Host: l.Host, Port: l.Port, User: l.User, Password: l.Password, Database: l.Database}
	sess, err := dbops.OpenSession(ctx, ep, opt)
	if errors.Is(err, dbops.ErrAccessDenied) {
		// The usual cause: .env was re-created after the volume was first
		// initialised, and the database keeps the passwords of that time.
		err = fmt.Errorf("%w\n(the password came from %s; if .env was re-created after the database volume was first set up, the volume still holds the old passwords: restore the old .env, or purge the volume to start afresh)", err, l.Source)
	}
	return sess, l, err
}

func abbreviate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func printResult(out, info io.Writer, format string, r dbops.Result, limit int) error {
	if len(r.Columns) == 0 {
		fmt.Fprintf(info, "%d row(s) affected in %s\n", r.Affected, r.Elapsed.Round(1e5))
		return nil
	}
	switch format {
	case "csv", "json":
		f, err := dbops.ParseFormat(format)
		if err != nil {
			return err
		}
		w, err := dbops.NewRowWriter(out, f, r.Columns, r.Binary)
		if err != nil {
			return err
		}
		for _, row := range r.Rows {
			if err := w.Write(row); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
	default:
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(r.Columns, "\t"))
		for _, row := range r.Rows {
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = strings.ReplaceAll(dbops.RenderCell(c, r.Binary[i], 80), "\t", " ")
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
	}
	more := ""
	if r.More {
		more = fmt.Sprintf(" (more rows exist: only the first %d are shown; raise --limit)", limit)
	}
	fmt.Fprintf(info, "%d row(s) in %s%s\n", len(r.Rows), r.Elapsed.Round(1e5), more)
	return nil
}
