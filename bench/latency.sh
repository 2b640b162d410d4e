#!/usr/bin/env bash
# Keypress-to-screen latency of the dashboard under a log flood, next to the
# same dashboard on a quiet service, measured side by side in tmux: press ?,
# time until the help overlay is on the captured screen, press esc; median
# over BENCH_PRESSES presses each, interleaved. The flood writes about
# 10k lines/s. capture-pane polling adds a few ms to both sides alike.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESSES=${BENCH_PRESSES:-15}
IMAGE=${DB_IMAGE:-ttsui-local/mariadb:10.11}
command -v tmux >/dev/null || { echo "bench: tmux is needed" >&2; exit 1; }
work=$(mktemp -d)
cleanup() {
	tmux kill-session -t ttsui-lat-flood 2>/dev/null || true
	tmux kill-session -t ttsui-lat-quiet 2>/dev/null || true
	for p in flood quiet; do "$work/ttsui" --project-directory "$work/$p" -p "ttsui-bench-$p" down -v >/dev/null 2>&1 || true; done
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/ttsui" ./cmd/ttsui
mkdir -p "$work/flood" "$work/quiet"
cat >"$work/flood/docker-compose.yaml" <<YAML
services:
  flood:
    image: $IMAGE
    entrypoint: ["sh", "-c", "while :; do seq -f 'flood line %g with some text to look like a request log' 1 1000; sleep 0.1; done"]
    stop_signal: SIGKILL
YAML
cat >"$work/quiet/docker-compose.yaml" <<YAML
services:
  quiet:
    image: $IMAGE
    entrypoint: ["sh", "-c", "echo quiet; exec sleep 3600"]
    stop_signal: SIGKILL
YAML
for p in flood quiet; do "$work/ttsui" --project-directory "$work/$p" -p "ttsui-bench-$p" up >/dev/null 2>&1; done
for p in flood quiet; do
	tmux new-session -d -s "ttsui-lat-$p" -x 120 -y 40 "$work/ttsui --project-directory $work/$p -p ttsui-bench-$p"
done
sleep 4

press() { # session -> milliseconds from ? to the help overlay on screen
	local s=$1 start end
	start=$(date +%s%N)
	tmux send-keys -t "$s" '?'
	until tmux capture-pane -p -t "$s" | grep -q 'esc closes'; do :; done
	end=$(date +%s%N)
	tmux send-keys -t "$s" Escape
	until ! tmux capture-pane -p -t "$s" | grep -q 'esc closes'; do :; done
	sleep 0.2
	echo $(((end - start) / 1000000))
}
flood=() quiet=()
for _ in $(seq 1 "$PRESSES"); do
	flood+=("$(press ttsui-lat-flood)")
	quiet+=("$(press ttsui-lat-quiet)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p95() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.95+0.5); if (i<1) i=1; print a[i]}'; }
fm=$(median "${flood[@]}"); qm=$(median "${quiet[@]}")
printf '\n%-34s %8s %8s\n' "keypress to screen" "median" "p95"
printf '%-34s %6s ms %6s ms\n' "quiet service (baseline)" "$qm" "$(p95 "${quiet[@]}")"
printf '%-34s %6s ms %6s ms\n' "~10k lines/s flood" "$fm" "$(p95 "${flood[@]}")"
awk -v f="$fm" -v q="$qm" 'BEGIN { if (q > 0) printf "ratio flood / quiet: %.2fx\n", f / q }'
rate=$(tmux capture-pane -p -t ttsui-lat-flood | grep -c 'flood line' || true)
echo "(the flood pane showed $rate flood lines at the end; responsive means the median stays near the baseline, within one 50 ms frame)"
