#!/usr/bin/env bash
# bench/portal.sh: requests per second of the portal's landing page (/) and
# /status, next to a bare net/http "hello" handler (bench/hello) on the same
# machine, reported as ratios from one run. `make bench` calls it.
#
# Both servers run on the host, with no database: DB_PORT=1 makes /status's
# database check fail fast (connection refused). The portal runs with its
# default worker sizing and its default access log, whose stderr goes to a file
# (roughly what a container log does). wrk uses the same settings for every
# target and the targets run interleaved, round after round, so that machine
# noise hits them alike. Many short rounds rather than a few long ones: on a
# shared machine a burst of other load lasts seconds, and a median over five
# paired rounds shrugs off one or two bad rounds where two long rounds cannot.
#
# Knobs: BENCH_SECONDS (3) per measured run, BENCH_ROUNDS (5), BENCH_THREADS (2),
# BENCH_CONNS (32), BENCH_WARMUP (1) seconds of warm-up per target,
# BENCH_KEEP=1 keeps the temp dir (binaries, logs, raw wrk output).
#
# Exit status: 0 when the benchmark ran, whether or not the landing page met
# its target (this is a report); 1 when a server fails to start or answer, or
# wrk fails.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-5}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNS:-32}
warmup=${BENCH_WARMUP:-1}
target=0.5 # landing page req/s as a fraction of the bare handler's

die() { echo "bench: $*" >&2; exit 1; }

for v in secs rounds threads conns; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive whole number, got '${!v}'"
done
[[ $warmup =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a whole number of seconds, got '$warmup'"
if ! command -v wrk >/dev/null 2>&1; then
	echo "bench: wrk is not installed; install it with: apt-get install wrk" >&2
	exit 1
fi
command -v curl >/dev/null 2>&1 || die "curl is not installed; install it with: apt-get install curl"
command -v go >/dev/null 2>&1 || die "go is not on PATH"

load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ttsportal-bench.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [[ ${BENCH_KEEP:-} == 1 ]]; then
		echo "bench: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a local TCP port nothing listens on (a connect is refused).
used_ports=" "
free_port() {
	local p i
	for i in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		[[ $used_ports == *" $p "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			used_ports+="$p "
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_up URL PID LOG: wait up to 15 s for URL to answer; fail with the log.
wait_up() {
	local url=$1 pid=$2 log=$3 i
	for i in $(seq 1 150); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "bench: server for $url exited during start-up; its log:" >&2
			tail -n 20 "$log" >&2 || true
			exit 1
		fi
		curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: $url did not answer within 15 s; server log:" >&2
	tail -n 20 "$log" >&2 || true
	exit 1
}

echo "bench: building ./cmd/ttsportal and ./bench/hello"
(cd "$repo" && go build -o "$tmp/ttsportal" ./cmd/ttsportal && go build -o "$tmp/hello" ./bench/hello) ||
	die "build failed"

hello_port=$(free_port) || die "no free port found"
portal_port=$(free_port) || die "no free port found"
secret=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9' | head -c 32)
[[ ${#secret} == 32 ]] || die "could not make a random SECRET_KEY"

"$tmp/hello" -addr "127.0.0.1:$hello_port" >"$tmp/hello.log" 2>&1 &
pids+=($!)
hello_pid=$!

# env -u: measure the defaults even when the caller's environment sets these.
env -u WORKERS_PER_CORE -u WEB_CONCURRENCY -u MAX_WORKERS -u ACCESS_LOG \
	-u QUEUE_LIMIT -u QUEUE_TIMEOUT -u ADMIN_EMAIL -u ADMIN_PASSWORD \
	-u SECRET_KEY_FILE -u DB_PASSWORD_FILE \
	PORT="$portal_port" LISTEN_HOST=127.0.0.1 DOCROOT="$repo/docroot" \
	SECRET_KEY="$secret" DB_HOST=127.0.0.1 DB_PORT=1 DB_NAME=x DB_USER=x \
	"$tmp/ttsportal" >/dev/null 2>"$tmp/portal.log" &
pids+=($!)
portal_pid=$!

wait_up "http://127.0.0.1:$hello_port/" "$hello_pid" "$tmp/hello.log"
wait_up "http://127.0.0.1:$portal_port/healthz" "$portal_pid" "$tmp/portal.log"

names=(hello landing status)
labels=("hello (bare)" "landing /" "status /status")
urls=("http://127.0.0.1:$hello_port/" "http://127.0.0.1:$portal_port/" "http://127.0.0.1:$portal_port/status")

# Each target must answer 200 before it is measured: a fast error page is not
# a result.
for i in "${!names[@]}"; do
	code=$(curl -sS -o "$tmp/${names[i]}.body" -w '%{http_code}' --max-time 5 "${urls[i]}") ||
		die "${urls[i]} did not answer"
	[[ $code == 200 ]] || die "${urls[i]} answered $code, not 200: $(head -c 300 "$tmp/${names[i]}.body")"
done
grep -q '<html' "$tmp/landing.body" || die "/ did not return an HTML page"
db_state=$(sed -n 's/^ *"database": *"\(.*\)",\{0,1\}$/\1/p' "$tmp/status.body")
workers=$(sed -n 's/.*portal serving.* workers=\([0-9]*\).*/\1/p' "$tmp/portal.log" | head -n 1)

# cpu_ticks PID: user+system CPU time the process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run_wrk PID URL SECONDS OUT: one wrk run against the server PID; a wrk
# failure ends the benchmark. OUT.cpu gets the server's CPU ticks for the run.
run_wrk() {
	local t0 t1
	t0=$(cpu_ticks "$1")
	if ! wrk -t"$threads" -c"$conns" -d"$3"s "$2" >"$4" 2>&1; then
		echo "bench: wrk failed on $2:" >&2
		cat "$4" >&2
		exit 1
	fi
	t1=$(cpu_ticks "$1")
	echo $((t1 - t0)) >"$4.cpu"
	grep -q '^Requests/sec:' "$4" || { echo "bench: no Requests/sec from wrk on $2:" >&2; cat "$4" >&2; exit 1; }
}

pid_of=("$hello_pid" "$portal_pid" "$portal_pid")
echo "bench: wrk -t$threads -c$conns -d${secs}s, $rounds round(s) interleaved (hello, landing, status), ${warmup}s warm-up each"
if ((warmup > 0)); then
	for i in "${!names[@]}"; do run_wrk "${pid_of[i]}" "${urls[i]}" "$warmup" "$tmp/warmup-${names[i]}.txt"; done
fi
for r in $(seq 1 "$rounds"); do
	line="  round $r/$rounds:"
	for i in "${!names[@]}"; do
		out="$tmp/${names[i]}-$r.txt"
		run_wrk "${pid_of[i]}" "${urls[i]}" "$secs" "$out"
		line+=$(printf ' %s %.0f' "${names[i]}" "$(awk '/^Requests\/sec:/ { print $2 }' "$out")")
	done
	echo "$line req/s"
done

# Parse every measured run: req/s, the server's CPU microseconds per request,
# and the non-2xx/3xx responses and socket errors wrk saw.
tck=$(getconf CLK_TCK)
declare -A run_rps run_cpu
declare -A errs
flagged=0
for n in "${names[@]}"; do
	non2xx=0 sock=0
	for r in $(seq 1 "$rounds"); do
		read -r rr cc e1 e2 < <(awk -v ticks="$(cat "$tmp/$n-$r.txt.cpu")" -v tck="$tck" '
			/ requests in / { n = $1 }
			/^Requests\/sec:/ { rps = $2 }
			/Non-2xx or 3xx responses:/ { non2xx += $NF }
			/Socket errors:/ { gsub(/,/, ""); sock += $4 + $6 + $8 + $10 }
			END { printf "%s %.2f %d %d\n", rps, (n > 0 ? ticks / tck * 1e6 / n : 0), non2xx, sock }' "$tmp/$n-$r.txt")
		run_rps[$n,$r]=$rr run_cpu[$n,$r]=$cc
		non2xx=$((non2xx + e1)) sock=$((sock + e2))
	done
	errs[$n]=none
	if ((non2xx + sock > 0)); then
		errs[$n]="FLAGGED: $non2xx non-2xx/3xx, $sock socket errors"
		flagged=1
	fi
done

# stats V1 V2 ...: "median min max" of the values.
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f %.4f %.4f\n", m, v[1], v[NR] }'
}
# per_target NAME: "median_rps median_ratio min_ratio max_ratio median_cpu".
# Each round's ratio pairs the target with the hello run just before it, so
# load that comes and goes on the machine hits both sides of a ratio alike.
per_target() {
	local n=$1 r rs=() ratios=() cpus=() rps_med cpu_med ratio_stats
	for r in $(seq 1 "$rounds"); do
		rs+=("${run_rps[$n,$r]}")
		cpus+=("${run_cpu[$n,$r]}")
		ratios+=("$(awk -v a="${run_rps[$n,$r]}" -v b="${run_rps[hello,$r]}" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')")
	done
	read -r rps_med _ _ < <(stats "${rs[@]}")
	read -r cpu_med _ _ < <(stats "${cpus[@]}")
	ratio_stats=$(stats "${ratios[@]}")
	echo "$rps_med $ratio_stats $cpu_med"
}

declare -A rps ratio rmin rmax cpu
for n in "${names[@]}"; do
	read -r rps[$n] ratio[$n] rmin[$n] rmax[$n] cpu[$n] < <(per_target "$n")
done

echo
printf '%-15s %9s %9s  %-11s %15s  %s\n' target "req/s" "vs hello" "range" "server CPU/req" errors
for i in "${!names[@]}"; do
	n=${names[i]}
	printf '%-15s %9.0f %8.2fx  %-11s %6.1fus %5.2fx  %s\n' "${labels[i]}" "${rps[$n]}" "${ratio[$n]}" \
		"$(printf '%.2f-%.2f' "${rmin[$n]}" "${rmax[$n]}")" "${cpu[$n]}" \
		"$(awk -v a="${cpu[$n]}" -v b="${cpu[hello]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" "${errs[$n]}"
done
echo "(medians of $rounds rounds; vs hello pairs each round with that round's hello run, range = lowest-highest round;"
echo " server CPU/req is the server process's CPU time per request, steadier than req/s when the machine is busy)"
echo

landing_ratio=$(printf '%.2f' "${ratio[landing]}")
if [[ ${errs[landing]} != none ]]; then
	verdict="BELOW TARGET (the run had errors, so the ratio is not trusted)"
elif awk -v r="${ratio[landing]}" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
	verdict=PASS
else
	verdict="BELOW TARGET"
fi
echo "landing page: ${landing_ratio}x the bare handler (target >= ${target}x): $verdict"
if awk -v lo="${rmin[landing]}" -v hi="${rmax[landing]}" -v t="$target" 'BEGIN { exit !(lo < t && t <= hi) }'; then
	printf '  (noisy: single rounds ranged %.2f-%.2fx, on both sides of the target; rerun on a quieter machine before trusting the verdict)\n' \
		"${rmin[landing]}" "${rmax[landing]}"
fi

log_lines=$(wc -l <"$tmp/portal.log")
logged_landing=$(grep -c 'path=/ ' "$tmp/portal.log" || true)
logged_status=$(grep -c 'path=/status ' "$tmp/portal.log" || true)
log_bytes=$(wc -c <"$tmp/portal.log")
echo "notes:"
echo "  - portal defaults: ${workers:-?} workers ($(nproc) CPUs, WORKERS_PER_CORE unset), access log on, stderr to a file (${log_lines} lines, $((log_bytes / 1024)) KiB this run)"
echo "    access-log lines: / ${logged_landing}, /status ${logged_status}$( ((logged_status > 0)) || echo ' (/status is not access-logged)')"
echo "  - no database: DB at 127.0.0.1:1, so /status reports '${db_state:-?}';"
echo "    the check is cached for 1 s, so /status costs at most one fast failed ping per second"
echo "  - wrk runs on the same $(nproc)-CPU machine as the servers and competes with them; compare ratios, not absolute numbers"
echo "    (load average at start: $load_start; anything else running makes req/s noisier than CPU us/req)"
echo "  - wrk sends no cookies: every landing request is an anonymous first visit (the page is cached per generation; no form, so no CSRF cookie)"
if ((flagged)); then
	echo "  - WARNING: some runs had non-2xx/3xx responses or socket errors (see errors column): a fast 503 inflates req/s"
fi
echo "bench: done in ${SECONDS}s"
