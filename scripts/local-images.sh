#!/usr/bin/env bash
# Builds the two local base images for an engine that cannot pull images:
#
#   ttsui-local/go:1.26        the host's Go toolchain (/usr/local/go) plus an
#                              offline module proxy (/goproxy) holding exactly
#                              the modules `go build ./cmd/ttsportal` needs;
#                              no shell (Dockerfile.web uses exec-form RUN only)
#   ttsui-local/mariadb:10.11  Debian bookworm (debootstrap minbase) with
#                              mariadb-server/-client and an entrypoint with the
#                              official mysql image's contract (images/db/)
#
# Usage: scripts/local-images.sh [go|db|all]...   (no argument: both)
#
# Idempotent: each image carries a ttsui.inputs label (a hash of its inputs) and
# is rebuilt only when that label changes, or when FORCE=1. The debootstrap
# result is cached in ${XDG_CACHE_HOME:-~/.cache}/ttsui (TTSUI_CACHE_DIR); delete
# it to re-bootstrap. Needs docker, Go at /usr/local/go (go image), and root plus
# debootstrap and network access to the Debian mirror (db image).
set -euo pipefail

GO_TAG=ttsui-local/go:1.26
DB_TAG=ttsui-local/mariadb:10.11
LABEL_KEY=ttsui.inputs

GO_ROOT=/usr/local/go
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE_DIR=${TTSUI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ttsui}
WORK_PARENT=${TMPDIR:-/var/tmp}

SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SCRIPT")/.." && pwd)
DB_FILES=("$REPO/images/db/docker-entrypoint.sh" "$REPO/images/db/99-ttsui.cnf")

die() {
	echo "local-images: error: $*" >&2
	exit 1
}
note() { echo "local-images: $*" >&2; }

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SCRIPT"
}

# ---------------------------------------------------------------- helpers ---

WORK_DIRS=()
MOUNTS=()

cleanup() {
	local i m d
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[i]}
		if mountpoint -q "$m" 2>/dev/null; then
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || note "warning: could not unmount $m"
		fi
	done
	for d in "${WORK_DIRS[@]}"; do
		[ -d "$d" ] || continue
		if awk -v d="$d/" 'index($2 "/", d) == 1 { found = 1 } END { exit !found }' /proc/self/mounts 2>/dev/null; then
			note "warning: something is still mounted under $d; not deleting it"
			continue
		fi
		chmod -R u+w "$d" 2>/dev/null || true # Go module caches are read-only
		rm -rf --one-file-system "$d"
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

new_workdir() { # new_workdir NAME: a fresh work directory in $WORK, removed on exit
	mkdir -p "$WORK_PARENT"
	WORK=$(mktemp -d "$WORK_PARENT/ttsui-$1.XXXXXX")
	WORK_DIRS+=("$WORK")
}

# quietly LOG CMD...: run CMD with its output in LOG; show the tail on failure.
quietly() {
	local log=$1
	shift
	if ! "$@" >>"$log" 2>&1; then
		note "command failed: $*"
		tail -n 40 "$log" | sed 's/^/    /' >&2
		return 1
	fi
}

# find_tool NAME [PATH...]: print the first executable NAME on $PATH or PATH.
find_tool() {
	local c
	for c in "$(command -v "$1" 2>/dev/null || true)" "${@:2}"; do
		if [ -n "$c" ] && [ -f "$c" ] && [ -x "$c" ]; then
			printf '%s\n' "$c"
			return 0
		fi
	done
	return 1
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

image_label() { # image_label TAG -> the ttsui.inputs label, empty if none
	docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true
}

image_id() { docker image inspect --format '{{ .Id }}' "$1" 2>/dev/null || true; }

# After re-tagging, drop the previous image if nothing else uses it.
remove_old_image() { # remove_old_image OLD_ID TAG
	local old=$1 tag=$2
	if [ -n "$old" ] && [ "$old" != "$(image_id "$tag")" ]; then
		docker image rm "$old" >/dev/null 2>&1 || true
	fi
}

up_to_date() { # up_to_date TAG HASH
	[ -z "${FORCE:-}" ] && [ "$(image_label "$1")" = "$2" ]
}

require_docker() {
	find_tool docker >/dev/null || die "docker is not installed (needed to build $*)"
	docker version --format '{{ .Server.Version }}' >/dev/null 2>&1 ||
		die "cannot reach the Docker engine (is dockerd running, and may $(id -un) use it?)"
}

# ---------------------------------------------------------------- go image ---

# The label covers go.mod, go.sum, the toolchain and also the set of modules
# ./cmd/ttsportal imports from: a new import from a module that go.mod already
# lists (but the proxy lacks) changes no file hashed here otherwise.
go_inputs_hash() {
	{
		echo "script:$(sha256sum <"$SCRIPT")"
		echo "go.mod:$(sha256sum <"$REPO/go.mod")"
		echo "go.sum:$(sha256sum <"$REPO/go.sum")"
		"$GO_ROOT/bin/go" version
		echo "modules:"
		(cd "$REPO" && GOFLAGS=-mod=readonly GOWORK=off CGO_ENABLED=0 "$GO_ROOT/bin/go" list -e -deps \
			-f '{{with .Module}}{{if not .Main}}{{.Path}}@{{.Version}}{{end}}{{end}}' ./cmd/ttsportal 2>/dev/null |
			LC_ALL=C sort -u) || true
	} | sha256sum | cut -c1-64
}

build_go() {
	local start tag=$GO_TAG go=$GO_ROOT/bin/go
	start=$(now)
	[ -x "$go" ] || die "no Go toolchain at $GO_ROOT (needed for $tag)"
	case "$("$go" env GOVERSION)" in
	go1.26 | go1.26.*) ;;
	*) die "$tag needs Go 1.26.x but $GO_ROOT has $("$go" env GOVERSION)" ;;
	esac
	if [ ! -f "$REPO/go.mod" ] || [ ! -f "$REPO/go.sum" ]; then
		die "no go.mod/go.sum in $REPO"
	fi
	require_docker "$tag"

	local hash
	hash=$(go_inputs_hash)
	if up_to_date "$tag" "$hash"; then
		echo "$tag: up to date ($(elapsed "$start"))"
		return
	fi

	local work log old
	new_workdir go
	work=$WORK
	log=$work/build.log
	old=$(image_id "$tag")

	# 1. The offline module proxy: build ./cmd/ttsportal with an empty module
	# cache, so that cache ends up with exactly the modules the build needs.
	# `go build -n` resolves and downloads exactly as a real build does but
	# compiles nothing (a real build in a fresh module cache recompiles every
	# dependency: ~5 s warm, far more on a cold machine). The host's module
	# cache is tried first, so this works offline whenever the host has the
	# modules. -mod=readonly: never touch the repo's go.mod/go.sum (the image
	# build uses -mod=readonly too).
	local hostcache upstream
	hostcache=$("$go" env GOMODCACHE)
	upstream=$("$go" env GOPROXY)
	note "$tag: collecting modules for ./cmd/ttsportal"
	(
		cd "$REPO" &&
			quietly "$log" env GOMODCACHE="$work/mod" GOPROXY="file://$hostcache/cache/download,$upstream" \
			GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 \
			"$go" build -n -o /dev/null ./cmd/ttsportal
	) || die "could not fetch the modules ./cmd/ttsportal needs (see above)"

	local stage=$work/stage
	install -d -m 0755 "$stage" "$stage/usr" "$stage/usr/local" "$stage/etc" "$stage/etc/ssl" \
		"$stage/etc/ssl/certs" "$stage/goproxy"
	install -d -m 1777 "$stage/tmp" "$stage/go"
	# The proxy protocol needs only the list, .info, .mod and .zip files.
	cp -R "$work/mod/cache/download/." "$stage/goproxy/"
	find "$stage/goproxy" -type f \( -name '*.lock' -o -name '*.ziphash' -o -name '*.partial' -o -name '*.tmp' \) -delete
	find "$stage/goproxy" -type d -exec chmod 0755 {} + && find "$stage/goproxy" -type f -exec chmod 0644 {} +
	if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
		cp /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/"
		chmod 0644 "$stage/etc/ssl/certs/ca-certificates.crt"
	else
		note "warning: no /etc/ssl/certs/ca-certificates.crt on the host; $tag gets no CA certificates"
	fi

	# 2. Self-check: the proxy alone (no network, no host cache) must suffice.
	(
		cd "$REPO" &&
			quietly "$log" env GOMODCACHE="$work/check" GOPROXY="file://$stage/goproxy" GOSUMDB=off \
			GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 \
			"$go" build -n -o /dev/null ./cmd/ttsportal
	) || die "the offline module proxy is incomplete (see above)"

	# 2b. A warm build cache for the portal: with it the web image's
	# `go build` compiles only the portal's own packages instead of the whole
	# standard library (minutes on 2 cores and a fuse-overlayfs engine). With
	# -trimpath, cache keys do not include directories, so entries made here
	# match the build inside the image (same toolchain, same GOROOT).
	note "$tag: warming the build cache"
	(
		cd "$REPO" &&
			quietly "$log" env GOMODCACHE="$work/check" GOPROXY=off GOCACHE="$stage/tmp/gocache" \
			GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 \
			"$go" build -trimpath -o /dev/null ./cmd/ttsportal
	) || die "could not pre-build ./cmd/ttsportal for the build cache (see above)"
	chmod -R a+rwX "$stage/tmp/gocache"

	# 3. One uncompressed, name-sorted tar stream with fixed owners and mtimes.
	note "$tag: importing"
	local mtime
	mtime=$(stat -c %Y "$GO_ROOT/VERSION")
	tar --create --file=- --format=gnu --sort=name --numeric-owner --owner=0 --group=0 \
		--mtime="@$mtime" \
		-C "$stage" --no-recursion etc etc/ssl go tmp usr usr/local \
		--recursion etc/ssl/certs goproxy tmp/gocache \
		-C / usr/local/go |
		docker import \
			--change 'ENV PATH=/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin' \
			--change 'ENV GOPATH=/go' \
			--change 'ENV GOCACHE=/tmp/gocache' \
			--change 'ENV GOTOOLCHAIN=local' \
			--change 'ENV GOPROXY=file:///goproxy' \
			--change 'ENV GOSUMDB=off' \
			--change 'ENV GOFLAGS=-mod=readonly' \
			--change 'ENV CGO_ENABLED=0' \
			--change "LABEL $LABEL_KEY=$hash" \
			--message "ttsui local Go toolchain ($("$go" env GOVERSION))" \
			- "$tag" >/dev/null
	remove_old_image "$old" "$tag"
	echo "$tag: built in $(elapsed "$start")"
}

# ---------------------------------------------------------------- db image ---

db_inputs_hash() {
	{
		echo "script:$(sha256sum <"$SCRIPT")"
		local f
		for f in "${DB_FILES[@]}"; do
			echo "$(basename "$f"):$(sha256sum <"$f")"
		done
		echo "mirror:$DEBIAN_MIRROR suite:$DEBIAN_SUITE"
	} | sha256sum | cut -c1-64
}

chroot_mount() { # chroot_mount TYPE SOURCE DIR
	mount -t "$1" "$2" "$3"
	MOUNTS+=("$3")
}

# The minbase rootfs, cached as a tarball so a rebuild needs no debootstrap.
bootstrap_rootfs() { # bootstrap_rootfs ROOT LOG
	local root=$1 log=$2 arch cached
	arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
	cached=$CACHE_DIR/debootstrap-$DEBIAN_SUITE-minbase-$arch-$(printf '%s' "$DEBIAN_MIRROR" | sha256sum | cut -c1-12).tar
	mkdir -p "$root"
	if [ -s "$cached" ]; then
		note "$DB_TAG: using cached $DEBIAN_SUITE rootfs ($cached)"
		tar --extract --file="$cached" --numeric-owner --same-permissions -C "$root"
		return
	fi
	note "$DB_TAG: debootstrap $DEBIAN_SUITE (minbase) from $DEBIAN_MIRROR"
	quietly "$log" "$DEBOOTSTRAP" --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" ||
		die "debootstrap failed (see above; full log in $log)"
	# Nothing in the cache that apt would fetch again anyway.
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	mkdir -p "$CACHE_DIR"
	tar --create --file="$cached.tmp" --numeric-owner --one-file-system -C "$root" . &&
		mv -f "$cached.tmp" "$cached"
}

build_db() {
	local start tag=$DB_TAG
	start=$(now)
	local f
	for f in "${DB_FILES[@]}"; do
		[ -f "$f" ] || die "missing $f"
	done
	require_docker "$tag"

	local hash
	hash=$(db_inputs_hash)
	if up_to_date "$tag" "$hash"; then
		echo "$tag: up to date ($(elapsed "$start"))"
		return
	fi
	[ "$(id -u)" = 0 ] || die "building $tag needs root (debootstrap, chroot); run: sudo bash scripts/local-images.sh db"

	local work log old root
	new_workdir db
	work=$WORK
	log=$work/build.log
	root=$work/rootfs
	old=$(image_id "$tag")

	bootstrap_rootfs "$root" "$log"

	# Install MariaDB in the chroot: no service starts, no fsync per file,
	# mysql as uid/gid 999 like the official images.
	note "$tag: installing mariadb-server and mariadb-client"
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
	echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/ttsui-unsafe-io"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	chroot_mount proc proc "$root/proc"
	local in_chroot=(chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
		DEBIAN_FRONTEND=noninteractive)
	for f in http_proxy https_proxy no_proxy; do
		[ -z "${!f:-}" ] || in_chroot+=("$f=${!f}")
	done
	quietly "$log" "${in_chroot[@]}" sh -c 'getent group mysql >/dev/null || groupadd -r -g 999 mysql;
		getent passwd mysql >/dev/null || useradd -r -u 999 -g mysql -d /nonexistent -s /bin/false mysql' ||
		die "could not create the mysql user in the chroot"
	quietly "$log" "${in_chroot[@]}" apt-get update -q ||
		die "apt-get update failed in the chroot (see above)"
	quietly "$log" "${in_chroot[@]}" apt-get install -y -q --no-install-recommends mariadb-server mariadb-client ||
		die "apt-get install mariadb-server mariadb-client failed in the chroot (see above)"
	quietly "$log" "${in_chroot[@]}" apt-get clean
	for f in mysql mysqladmin mariadb mariadb-admin mariadbd mariadb-install-db setpriv; do
		[ -n "$(find "$root/usr/bin" "$root/usr/sbin" -maxdepth 1 -name "$f" -print -quit)" ] ||
			die "the chroot has no $f after installing MariaDB"
	done
	umount "$root/proc"
	unset 'MOUNTS[-1]'

	# Trim, and leave an empty datadir: the package's postinst initialised one,
	# which a fresh volume would copy and so skip the entrypoint's init.
	rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/dpkg/dpkg.cfg.d/ttsui-unsafe-io"
	: >"$root/etc/resolv.conf"
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
		"$root"/var/log/apt/* "$root"/var/log/*.log "$root"/tmp/* "$root"/var/tmp/* \
		"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
	rm -rf "${root:?}"/var/lib/mysql
	install -d -m 0755 -o 999 -g 999 "$root/var/lib/mysql"
	install -d -m 0755 -o 999 -g 999 "$root/run/mysqld"
	install -d -m 0755 "$root/docker-entrypoint-initdb.d"
	install -m 0755 "$REPO/images/db/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
	install -m 0644 "$REPO/images/db/99-ttsui.cnf" "$root/etc/mysql/mariadb.conf.d/99-ttsui.cnf"

	note "$tag: importing"
	local version
	# shellcheck disable=SC2016 # dpkg-query's format, not a shell expansion
	version=$(chroot "$root" dpkg-query -W -f '${Version}' mariadb-server 2>/dev/null || echo unknown)
	tar --create --file=- --numeric-owner --sort=name --one-file-system \
		--exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -C "$root" . |
		docker import \
			--change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
			--change 'CMD ["mariadbd"]' \
			--change 'EXPOSE 3306' \
			--change 'VOLUME /var/lib/mysql' \
			--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change 'ENV LANG=C.UTF-8' \
			--change "LABEL $LABEL_KEY=$hash" \
			--message "ttsui local MariaDB $version on Debian $DEBIAN_SUITE" \
			- "$tag" >/dev/null
	remove_old_image "$old" "$tag"
	echo "$tag: built in $(elapsed "$start")"
}

# -------------------------------------------------------------------- main ---

main() {
	local want_go='' want_db='' arg
	[ $# -gt 0 ] || set -- all
	for arg; do
		case "$arg" in
		go) want_go=1 ;;
		db) want_db=1 ;;
		all) want_go=1 want_db=1 ;;
		-h | --help | help)
			usage
			return 0
			;;
		*) die "unknown argument '$arg' (expected go, db or nothing for both)" ;;
		esac
	done
	# Check every prerequisite before building anything.
	find_tool docker >/dev/null || die "docker is not installed"
	if [ -n "$want_db" ]; then
		DEBOOTSTRAP=$(find_tool debootstrap /usr/sbin/debootstrap) ||
			die "debootstrap is not installed (needed to build $DB_TAG; apt-get install debootstrap)"
	fi

	# One run at a time per cache directory. The lock is held by flock(1) itself
	# (-o: not inherited by the re-run script), so no long-lived child of this
	# script, such as Go's telemetry uploader, can keep holding it.
	mkdir -p "$CACHE_DIR"
	if [ -z "${TTSUI_LOCKED:-}" ] && find_tool flock >/dev/null; then
		export TTSUI_LOCKED=1
		flock -n -o "$CACHE_DIR/.lock" true || note "waiting for another local-images run to finish"
		exec flock -o "$CACHE_DIR/.lock" bash "$SCRIPT" "$@"
	fi

	[ -z "$want_go" ] || build_go
	[ -z "$want_db" ] || build_db
}

main "$@"
