#!/usr/bin/env bash
# Runs the TTS portal stack through ttsui's headless commands, choosing base
# images that this engine can use.
#
# Usage: scripts/stack.sh dashboard|up|down|clean|ps|logs|status|images
#
# Base images: GO_IMAGE / DB_IMAGE from the environment when set; otherwise the
# public ones when present or pullable; otherwise (an engine that cannot pull)
# the local ones from scripts/local-images.sh, built first when missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
PROJECT=${TTS_PROJECT:-tts-portal}
ENV_FILE=${TTS_ENV_FILE:-.env}
PUBLIC_GO=golang:1.26-bookworm
PUBLIC_DB=mysql:8.4
LOCAL_GO=ttsui-local/go:1.26
LOCAL_DB=ttsui-local/mariadb:10.11

say() { echo "stack: $*" >&2; }
die() { echo "stack: error: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "cannot reach the Docker engine (is dockerd running? is DOCKER_HOST right?): $(docker info 2>&1 | tail -1)"

TTSUI=bin/ttsui
build_ttsui() {
	go build -o "$TTSUI" ./cmd/ttsui || die "could not build ttsui (is Go 1.26 installed?)"
}

ensure_env() {
	"$TTSUI" env --env-file "$ENV_FILE" >&2
}

# pick VAR PUBLIC LOCAL: keeps VAR when set (environment or .env), else the public image when it is
# here or can be pulled, else the local one.
pick() {
	local var=$1 public=$2 local_img=$3
	if [ -n "${!var:-}" ] || grep -q "^$var=" "$ENV_FILE" 2>/dev/null; then
		return
	fi
	if docker image inspect "$public" >/dev/null 2>&1 || timeout 60 docker pull -q "$public" >/dev/null 2>&1; then
		export "$var=$public"
	else
		say "$public is not here and cannot be pulled: using the local $local_img"
		export "$var=$local_img"
	fi
}

choose_images() {
	pick GO_IMAGE "$PUBLIC_GO" "$LOCAL_GO"
	pick DB_IMAGE "$PUBLIC_DB" "$LOCAL_DB"
	local need=()
	[ "$GO_IMAGE" = "$LOCAL_GO" ] && need+=(go)
	[ "$DB_IMAGE" = "$LOCAL_DB" ] && need+=(db)
	if [ ${#need[@]} -gt 0 ]; then
		bash scripts/local-images.sh "${need[@]}"
	fi
}

ttsui() {
	"$TTSUI" -p "$PROJECT" --env-file "$ENV_FILE" "$@"
}

build_ttsui
case "${1:-}" in
up)
	ensure_env
	choose_images
	ttsui up
	ttsui status || true
	port=$(awk -F= '$1 == "WEB_PORT" {print $2}' "$ENV_FILE" | tail -1)
	say "portal: http://127.0.0.1:${port:-8080}/  (first admin: ADMIN_EMAIL / ADMIN_PASSWORD in $ENV_FILE)"
	;;
dashboard)
	ensure_env
	choose_images
	exec "$TTSUI" -p "$PROJECT" --env-file "$ENV_FILE"
	;;
down) ttsui down ;;
clean)
	# The old stack's `docker-compose build --force-rm`: rebuild every image
	# (the classic builder removes intermediate containers) and recreate.
	ensure_env
	choose_images
	ttsui rebuild
	;;
ps) ttsui ps ;;
logs) shift; ttsui logs -f "$@" ;;
status) ttsui status ;;
images) choose_images; echo "GO_IMAGE=$GO_IMAGE"; echo "DB_IMAGE=$DB_IMAGE" ;;
*) die "usage: scripts/stack.sh dashboard|up|down|clean|ps|logs|status|images" ;;
esac
