#!/usr/bin/env bash
# Log ingest: `ttsui logs` against `docker logs` of the same container, both
# writing to /dev/null, interleaved in one run and reported as a ratio of
# lines per second (target: ttsui at least 0.9x docker logs). Then the memory
# benchmark: heap after 100k and after 1M lines through the console's ring.
# The default line count stays under the engine's usual json-file rotation (3 x 10 MB).
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=${BENCH_LOG_LINES:-150000}
ROUNDS=${BENCH_ROUNDS:-3}
IMAGE=${DB_IMAGE:-ttsui-local/mariadb:10.11}
PROJECT=ttsui-bench-logs-$$
work=$(mktemp -d)
cleanup() {
	docker-compose -p "$PROJECT" -f "$work/docker-compose.yaml" down -v >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "bench: $IMAGE missing: run make local-images" >&2; exit 1; }
go build -o "$work/ttsui" ./cmd/ttsui

cat >"$work/docker-compose.yaml" <<YAML
services:
  writer:
    image: $IMAGE
    entrypoint: ["sh", "-c", "seq -f 'GET /static/css/portal.css 200 in 0.42ms request %g' 1 $LINES"]
YAML
: >"$work/.env"
docker-compose -p "$PROJECT" -f "$work/docker-compose.yaml" up -d >/dev/null 2>&1
id=$(docker-compose -p "$PROJECT" -f "$work/docker-compose.yaml" ps -q writer)
for _ in $(seq 1 120); do
	[ "$(docker inspect -f '{{.State.Status}}' "$id")" = exited ] && break
	sleep 0.5
done
got=$(docker logs "$id" 2>&1 | wc -l)
[ "$got" -eq "$LINES" ] || { echo "bench: the writer logged $got lines, expected $LINES" >&2; exit 1; }

timeit() { # prints seconds
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1
	end=$(date +%s%N)
	awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f\n", (b - a) / 1e9}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "bench: $LINES lines, $ROUNDS rounds interleaved"
d=() t=()
for r in $(seq 1 "$ROUNDS"); do
	d+=("$(timeit docker logs "$id")")
	t+=("$(timeit "$work/ttsui" --project-directory "$work" -p "$PROJECT" logs --tail all writer)")
	printf '  round %d: docker logs %.2fs  ttsui logs %.2fs\n' "$r" "${d[-1]}" "${t[-1]}"
done
# The ttsui output must hold every line, or the comparison means nothing.
n=$("$work/ttsui" --project-directory "$work" -p "$PROJECT" logs --tail all writer | wc -l)
[ "$n" -eq "$LINES" ] || { echo "bench: ttsui logs printed $n lines, expected $LINES" >&2; exit 1; }

dm=$(printf '%s\n' "${d[@]}" | median)
tm=$(printf '%s\n' "${t[@]}" | median)
calc() { awk "BEGIN {printf \"%.4f\", $1}"; }
ratio=$(calc "$dm / $tm")
printf '\n%-22s %12s %10s\n' target lines/s ratio
printf '%-22s %12.0f %9.2fx\n' "docker logs" "$(calc "$LINES / $dm")" 1
printf '%-22s %12.0f %9.2fx\n' "ttsui logs" "$(calc "$LINES / $tm")" "$ratio"
if awk -v r="$ratio" 'BEGIN {exit !(r >= 0.9)}'; then
	echo "log ingest: ${ratio:0:4}x docker logs (target >= 0.9x): PASS"
else
	echo "log ingest: ${ratio:0:4}x docker logs (target >= 0.9x): BELOW TARGET"
fi
echo "  (ttsui demultiplexes, rejoins split lines and sanitises every line; docker logs copies bytes)"

echo
echo "bench: memory through the console's ring (10k lines / 8 MiB) and the ingest rate in-process"
go test -run '^$' -bench 'BenchmarkLog(Ingest|Memory)' -benchtime 1x ./internal/logtext/ | grep -E '^Benchmark'
