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
