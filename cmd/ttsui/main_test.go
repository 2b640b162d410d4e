package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestEveryCommandBuildsItsFlags runs --help on every subcommand: cobra
// builds flag sets lazily, so a clash (such as two -f shorthands) would
// otherwise only panic when a user runs that command.
func TestEveryCommandBuildsItsFlags(t *testing.T) {
	root := newRootCmd()
	for _, c := range root.Commands() {
		name := strings.Fields(c.Use)[0]
		t.Run(name, func(t *testing.T) {
			r := newRootCmd()
			var out bytes.Buffer
			r.SetOut(&out)
			r.SetErr(&out)
			r.SetArgs([]string{name, "--help"})
			if err := r.Execute(); err != nil {
				t.Fatalf("%s --help: %v", name, err)
			}
			if !strings.Contains(out.String(), "Usage:") {
				t.Fatalf("%s --help printed no usage:\n%s", name, out.String())
			}
		})
	}
}

func TestPurgeRefusesWithoutConfirmationOffTerminal(t *testing.T) {
	r := newRootCmd()
	r.SetArgs([]string{"purge"})
	var out bytes.Buffer
	r.SetOut(&out)
	r.SetErr(&out)
	if err := r.Execute(); err == nil {
		t.Fatal("purge without a volume name must fail")
	}
}

// TestSQLRefusesWritesBeforeConnecting: the classification happens first,
// so a write is refused even with no engine or database around.
func TestSQLRefusesWritesBeforeConnecting(t *testing.T) {
	for _, stmt := range []string{
		"DELETE FROM users",
		"/* looks harmless */ DELETE FROM users",
		"WITH x AS (SELECT 1) DELETE FROM users",
		"SELECT * FROM users INTO OUTFILE '/tmp/x'",
		"SELECT 1; DROP TABLE users",
	} {
		r := newRootCmd()
		var out bytes.Buffer
		r.SetOut(&out)
		r.SetErr(&out)
		r.SetArgs([]string{"-H", "tcp://127.0.0.1:1", "sql", "-e", stmt})
		err := r.Execute()
		if err == nil || !strings.Contains(err.Error(), "--write") || !strings.Contains(err.Error(), "nothing was run") {
			t.Errorf("%q: %v", stmt, err)
		}
	}
}
