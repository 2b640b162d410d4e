#!/usr/bin/env bash
# Dashboard budgets, from one run:
#   - View() time at 200x60 with a full log pane (target under 2 ms);
#   - heap held by the log pane after 1M lines (bounded by its ring);
#   - CPU used by an idle dashboard over BENCH_IDLE_SECONDS (default 60) with
#     the stack up, next to a bare Bubble Tea v2 program at the same frame
#     rate measured in the same window (target: under 0.5% of one core).
# Not measured yet: keypress-to-screen latency under a 10k lines/s flood.
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE=${BENCH_IDLE_SECONDS:-60}
command -v tmux >/dev/null || { echo "bench: tmux is needed (apt-get install tmux)" >&2; exit 1; }

echo "bench: View and log-pane memory (go test -bench)"
go test -run '^$' -bench 'BenchmarkView|BenchmarkLogPaneMemory' -benchtime 1x ./internal/ui/ | grep -E '^Benchmark'
go test -run '^$' -bench 'BenchmarkView' -benchtime 200x ./internal/ui/ | awk '/^BenchmarkView/ {printf "View at 200x60 with %s lines: %.2f ms (target < 2 ms)\n", "20000", $3/1e6}'

work=$(mktemp -d)
trap 'tmux kill-session -t ttsui-bench-idle 2>/dev/null; tmux kill-session -t ttsui-bench-base 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/ttsui" ./cmd/ttsui
go build -o "$work/idletea" ./bench/idletea
bash scripts/stack.sh up >/dev/null 2>&1 || { echo "bench: could not bring the stack up (make up shows why)" >&2; exit 1; }

tmux new-session -d -s ttsui-bench-idle -x 120 -y 40 "$work/ttsui"
tmux new-session -d -s ttsui-bench-base -x 120 -y 40 "$work/idletea"
sleep 5 # let both settle: first state, log tail
pid_of() { pgrep -f "^$1\$" | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tp=$(pid_of "$work/ttsui"); bp=$(pid_of "$work/idletea")
[ -n "$tp" ] && [ -n "$bp" ] || { echo "bench: a program did not start" >&2; exit 1; }
t0=$(cpu_ticks "$tp"); b0=$(cpu_ticks "$bp")
echo "bench: idle for ${IDLE}s with the stack up..."
sleep "$IDLE"
t1=$(cpu_ticks "$tp"); b1=$(cpu_ticks "$bp")
hz=$(getconf CLK_TCK)
awk -v t=$((t1 - t0)) -v b=$((b1 - b0)) -v hz="$hz" -v s="$IDLE" 'BEGIN {
	tp = t / hz / s * 100; bp = b / hz / s * 100
	printf "\n%-28s %10s\n", "idle CPU over " s "s", "% of a core"
	printf "%-28s %10.2f\n", "bare Bubble Tea v2, 20 fps", bp
	printf "%-28s %10.2f\n", "ttsui dashboard", tp
	if (bp > 0) printf "ratio ttsui / bare: %.2fx\n", tp / bp
	printf "idle CPU: %.2f%% of a core (target < 0.5%%): %s\n", tp, (tp < 0.5 ? "PASS" : "ABOVE TARGET")
	print "(clock ticks are 1/" hz " s: at 60 s the resolution is about 0.02%)"
}'
echo "note: the stack is left up; make down stops it"
