package ui

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// Smoke tests: the whole program through Bubble Tea's runtime, in a virtual
// terminal, with the fake backend.

func startProgram(t *testing.T) *teatest.TestModel {
	t.Helper()
	var mu sync.Mutex
	var tm *teatest.TestModel
	send := func(m tea.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if tm != nil {
			tm.Send(m)
		}
	}
	app := New(&fakeBackend{state: sampleState()}, Options{Dark: true, Send: send})
	mu.Lock()
	tm = teatest.NewTestModel(t, app, teatest.WithInitialTermSize(100, 30))
	mu.Unlock()
	return tm
}

func waitScreen(t *testing.T, tm *teatest.TestModel, wants ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		for _, w := range wants {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func TestSmokeRunUpAndQuit(t *testing.T) {
	tm := startProgram(t)
	waitScreen(t, tm, "Containers", "tts-portal", "healthy")
	tm.Type("u")
	waitScreen(t, tm, "stack is up")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestSmokeHelpAndPurgeDialog(t *testing.T) {
	tm := startProgram(t)
	waitScreen(t, tm, "Volumes")
	tm.Type("?")
	waitScreen(t, tm, "Navigation")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Type("P")
	waitScreen(t, tm, "Purge volume")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	out, _ := io.ReadAll(tm.FinalOutput(t))
	if bytes.Contains(out, []byte("panic")) {
		t.Fatal("the program panicked")
	}
}
