package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tts-portal/ttsui/internal/dockerops"
)

// TestDockerContexts selects the engine through a docker context, by flag
// and by DOCKER_CONTEXT, and gets a clear error for an unknown one.
func TestDockerContexts(t *testing.T) {
	s := upStack(t)
	proxy := engineProxy(t)
	name := fmt.Sprintf("ttsui-e2e-ctx-%d", os.Getpid())
	host := "tcp://" + proxy.Addr()
	if out, err := exec.Command("docker", "context", "create", name, "--docker", "host="+host).CombinedOutput(); err != nil {
		t.Fatalf("docker context create: %v %s", err, out)
	}
	defer exec.Command("docker", "context", "rm", "-f", name).Run()

	p := &project{dir: s.repo, name: s.project, envFile: s.envFile}
	for _, how := range []struct {
		env  []string
		args []string
	}{
		{nil, []string{"--context", name, "status", "--json"}},
		{[]string{"DOCKER_CONTEXT=" + name}, []string{"status", "--json"}},
	} {
		out, errOut, err := p.run(t, how.env, how.args...)
		if err != nil || !strings.Contains(out, `"host": "`+host+`"`) || !strings.Contains(out, `"service": "web"`) {
			t.Fatalf("%v %v: %v\n%s\n%s", how.env, how.args, err, out, errOut)
		}
	}
	_, errOut, err := p.run(t, nil, "--context", "no-such-context-here", "status")
	if err == nil || !strings.Contains(errOut, "no-such-context-here") {
		t.Fatalf("unknown context: %v %s", err, errOut)
	}
}

// TestSampleStatsAndVolumeSizes takes two one-shot samples of the running web
// container (the second has a CPU figure, both have memory) and measures the
// project's volumes.
func TestSampleStatsAndVolumeSizes(t *testing.T) {
	s := upStack(t)
	ctx := context.Background()
	st, err := dockerops.Open(ctx, dockerops.Options{Dir: s.repo, Project: s.project, EnvFile: s.envFile})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.container("web")
	first, err := st.Sample(ctx, []string{id})
	if err != nil || len(first) != 1 || first[0].MemBytes == 0 || first[0].CPUPercent != -1 {
		t.Fatalf("first sample: %+v %v", first, err)
	}
	time.Sleep(300 * time.Millisecond)
	second, err := st.Sample(ctx, []string{id})
	if err != nil || second[0].CPUPercent < 0 || second[0].CPUPercent > 400 {
		t.Fatalf("second sample: %+v %v", second, err)
	}
	// Volume sizes, on demand: the database volume holds the data files.
	if err := st.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.RefreshVolumeSizes(ctx); err != nil {
		t.Fatal(err)
	}
	measured := false
	for _, v := range st.State().Volumes {
		if strings.HasSuffix(v.Name, "_tts-db") {
			if v.Size < 1<<20 {
				t.Fatalf("db volume size %d: not measured", v.Size)
			}
			measured = true
		}
	}
	if !measured {
		t.Fatalf("no db volume in %+v", st.State().Volumes)
	}
}

// TestLogsAreSanitisedSplitAndJoined runs a container that writes escape
// sequences, stderr and a 40 KB line (which the engine splits at 16 KB).
func TestLogsAreSanitisedSplitAndJoined(t *testing.T) {
	if !enabled() {
		t.Skip("end-to-end tests run with TTSUI_E2E=1 (make test sets it)")
	}
	script := `printf 'clear\033[2Jscreen\n'; printf 'title\033]0;pwned\007here\n'; printf 'raw\rreturn\n'; echo to-stderr >&2; head -c 40000 /dev/zero | tr '\0' x; echo; trap 'exit 0' TERM; sleep 300 & wait`
	p := scratchProject(t, "logs", "noisy", script, "")
	defer p.run(t, nil, "down", "--volumes") // the image declares a VOLUME: do not leak it
	p.must(t, "up")
	var out string
	waitUntil(t, 30*time.Second, "all log lines", func() bool {
		out, _, _ = p.run(t, nil, "logs", "noisy")
		return strings.Contains(out, strings.Repeat("x", 40000))
	})
	for _, want := range []string{"clear␛[2Jscreen", "title␛]0;pwned␇here", "raw␍return", "(stderr) | to-stderr"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out[:min(len(out), 2000)])
		}
	}
	if strings.ContainsAny(out, "\x1b\a\r") {
		t.Error("a raw control character reached the output")
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "xxxx") && strings.Count(line, "x") != 40000 {
			t.Errorf("the 40 KB line came out as %d x's: not joined", strings.Count(line, "x"))
		}
	}
}

// TestSQLCommandAgainstTheStack runs ttsui sql on the stack's database:
// reads work in every format, writes are refused without --write and run
// with it.
func TestSQLCommandAgainstTheStack(t *testing.T) {
	s := upStack(t)
	p := &project{dir: s.repo, name: s.project, envFile: s.envFile}
	out := p.must(t, "sql", "-e", "SELECT email, security_level FROM users WHERE security_level = 1")
	if !strings.Contains(out, s.env["ADMIN_EMAIL"]) {
		t.Fatalf("table output:\n%s", out)
	}
	out = p.must(t, "sql", "--format", "json", "-e", "SELECT NULL AS n, '' AS e, email FROM users LIMIT 1")
	if !strings.Contains(out, `"n":null`) || !strings.Contains(out, `"e":""`) {
		t.Fatalf("json output: %s", out)
	}
	out = p.must(t, "sql", "--format", "csv", "-e", "SELECT NULL AS n, 'a,b' AS s")
	if !strings.Contains(out, "\\N,\"a,b\"") {
		t.Fatalf("csv output: %s", out)
	}
	if _, errOut, err := p.run(t, nil, "sql", "-e", "UPDATE users SET first_name = 'x'"); err == nil || !strings.Contains(errOut, "--write") {
		t.Fatalf("a write ran without --write: %v %s", err, errOut)
	}
	p.must(t, "sql", "--write", "-e", "CREATE TABLE sql_e2e (a INT); INSERT INTO sql_e2e VALUES (1), (2)")
	if out := p.must(t, "sql", "-e", "SELECT COUNT(*) AS c FROM sql_e2e"); !strings.Contains(out, "2") {
		t.Fatalf("count after --write: %s", out)
	}
	p.must(t, "sql", "--write", "-e", "DROP TABLE sql_e2e")
	// --limit 0 streams every row from the cursor, past any display cap.
	out = p.must(t, "sql", "--limit", "0", "--format", "csv", "-e", "SELECT a.ORDINAL_POSITION AS x FROM information_schema.COLUMNS a, information_schema.COLUMNS b LIMIT 25000")
	if n := strings.Count(out, "\n"); n != 25001 {
		t.Fatalf("streamed %d lines, want 25001 (header and 25000 rows)", n)
	}
	// As root, on request.
	if out := p.must(t, "sql", "--root", "-e", "SELECT CURRENT_USER() AS u"); !strings.Contains(out, "root@") {
		t.Fatalf("--root: %s", out)
	}
}
