package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/portal"
)

// buildPortal compiles the real binary once per test run.
func buildPortal(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ttsportal")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func baseEnv(port int) []string {
	docroot, _ := filepath.Abs(filepath.Join("..", "..", "docroot"))
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"PORT=" + strconv.Itoa(port), "LISTEN_HOST=127.0.0.1", "DOCROOT=" + docroot,
		"SECRET_KEY=process-test-secret-0123456789", "DB_HOST=127.0.0.1", "DB_PORT=1",
		"WEB_CONCURRENCY=3", "SHUTDOWN_TIMEOUT=3s",
	}
}

func status(port int) (portal.Status, error) {
	var st portal.Status
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

func TestProcessSignalsAndHealthcheck(t *testing.T) {
	bin := buildPortal(t)
	port := freePort(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env = baseEnv(port)
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()

	deadline := time.Now().Add(10 * time.Second)
	var st portal.Status
	var err error
	for st, err = status(port); err != nil; st, err = status(port) {
		if time.Now().After(deadline) {
			t.Fatalf("portal did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.Workers != 3 || st.Generation != 1 {
		t.Fatalf("status: %+v", st)
	}

	hc := exec.Command(bin, "healthcheck")
	hc.Env = baseEnv(port)
	if out, err := hc.CombinedOutput(); err != nil {
		t.Fatalf("healthcheck against a running portal: %v %s", err, out)
	}

	cmd.Process.Signal(syscall.SIGHUP)
	for st, _ = status(port); st.Generation < 2; st, _ = status(port) {
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no exit within 5s of SIGTERM")
	}
	if !strings.Contains(logs.String(), "shut down cleanly") {
		t.Errorf("no clean-shutdown line in the log:\n%s", logs.String())
	}
	hc = exec.Command(bin, "healthcheck")
	hc.Env = baseEnv(port)
	if err := hc.Run(); err == nil {
		t.Fatal("healthcheck passes with no server running")
	}
}

func TestProcessRefusesBadConfig(t *testing.T) {
	bin := buildPortal(t)
	for _, bad := range []string{"abc", "-1", "0", "NaN", ""} {
		cmd := exec.Command(bin)
		for _, kv := range baseEnv(freePort(t)) {
			if !strings.HasPrefix(kv, "WEB_CONCURRENCY=") { // it would override the bad value
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "WORKERS_PER_CORE="+bad)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("WORKERS_PER_CORE=%q: want exit 1, got %v", bad, err)
		}
		if !strings.Contains(string(out), "WORKERS_PER_CORE") || !strings.Contains(string(out), "invalid configuration") {
			t.Fatalf("WORKERS_PER_CORE=%q: unclear message:\n%s", bad, out)
		}
	}
}
