package main

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/tts-portal/ttsui/internal/dbops"
	"github.com/tts-portal/ttsui/internal/dockerops"
	"github.com/tts-portal/ttsui/internal/envfile"
)

func newSQLCmd(g *globalFlags) *cobra.Command {
	var exec, format string
	var write, root bool
	var limit int
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
			ep, err := dbEndpoint(s.State(), root)
			if err != nil {
				return err
			}
			sess, err := dbops.OpenSession(cmd.Context(), ep, dbops.SessionOptions{Writable: write})
			if err != nil {
				return err
			}
			defer sess.Close()
			out := cmd.OutOrStdout()
			for i, st := range stmts {
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
	c.Flags().StringVar(&format, "format", "table", "output: table, csv (NULL as \\N) or json (one object per row)")
	c.Flags().BoolVar(&write, "write", false, "allow statements that write, change schema or administer")
	c.Flags().BoolVar(&root, "root", false, "connect as root instead of the application user")
	c.Flags().IntVar(&limit, "limit", 1000, "rows shown per statement at most")
	return c
}

// dbEndpoint finds the database the way the SQL pane will: the db-role
// container's published 3306 and the credentials in the env file.
func dbEndpoint(st dockerops.State, root bool) (dbops.Endpoint, error) {
	var ep dbops.Endpoint
	dbs := st.ServicesWithRole(dockerops.RoleDB)
	if len(dbs) == 0 {
		return ep, fmt.Errorf("no database service in %s: label one ttsui.role=db", st.Project.Name)
	}
	var addr string
	for _, c := range st.ContainersOf(dbs[0]) {
		if c.State == "running" {
			addr, _ = c.PublishedPort(3306)
		}
	}
	if addr == "" {
		return ep, fmt.Errorf("the %s container is not running or publishes no port for 3306: start the stack (ttsui up)", dbs[0])
	}
	host, port, _ := strings.Cut(addr, ":")
	fmt.Sscanf(port, "%d", &ep.Port)
	ep.Host = strings.Trim(host, "[]")
	env, err := envfile.Load(st.Project.EnvFile)
	if err != nil {
		return ep, fmt.Errorf("database credentials: %w", err)
	}
	ep.Database, ep.User, ep.Password = env["MYSQL_DATABASE"], env["MYSQL_USER"], env["MYSQL_PASSWORD"]
	if root {
		ep.User, ep.Password = "root", env["MYSQL_ROOT_PASSWORD"]
	}
	if ep.User == "" || ep.Password == "" {
		return ep, fmt.Errorf("%s lacks the database credentials (MYSQL_USER/MYSQL_PASSWORD or MYSQL_ROOT_PASSWORD): run ttsui env", st.Project.EnvFile)
	}
	return ep, nil
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
	case "csv":
		w := csv.NewWriter(out)
		w.Write(r.Columns)
		for _, row := range r.Rows {
			rec := make([]string, len(row))
			for i, c := range row {
				switch {
				case c.Null:
					rec[i] = `\N`
				case r.Binary[i]:
					rec[i] = "0x" + hex.EncodeToString(c.Bytes)
				default:
					rec[i] = string(c.Bytes)
				}
			}
			w.Write(rec)
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
	case "json":
		enc := json.NewEncoder(out)
		for _, row := range r.Rows {
			obj := make(map[string]any, len(row))
			for i, c := range row {
				switch {
				case c.Null:
					obj[r.Columns[i]] = nil
				case r.Binary[i] || !utf8.Valid(c.Bytes):
					obj[r.Columns[i]] = "0x" + hex.EncodeToString(c.Bytes)
				default:
					obj[r.Columns[i]] = string(c.Bytes)
				}
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
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
