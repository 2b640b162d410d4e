#!/bin/bash
# Entrypoint of the local MariaDB image (ttsui-local/mariadb, built by
# scripts/local-images.sh). It honours the official mysql image's contract:
#
#   MYSQL_ROOT_PASSWORD  required to initialise an empty datadir
#   MYSQL_DATABASE       created (utf8mb4) on first start
#   MYSQL_USER           created @'%' with ALL on MYSQL_DATABASE only
#   MYSQL_PASSWORD       its password
#   each also as *_FILE (the value is read from that file, e.g. a secret)
#   /docker-entrypoint-initdb.d/*.sql, *.sql.gz, *.sql.xz, *.sh
#                        run once, in sorted (C locale) order, against
#                        MYSQL_DATABASE; executable *.sh are run, others are
#                        sourced and may call `process_sql` (root, socket)
#
# The datadir is initialised only when it holds no system schema (no mysql/
# directory); an initialised datadir is never touched again, so init scripts
# run exactly once. A datadir whose initialisation failed half-way is refused
# with an error rather than started without it. The real server is exec'd
# (mariadbd becomes PID 1, so SIGTERM from `docker stop` shuts it down
# cleanly) as the mysql user, listening on 0.0.0.0:3306 and logging to stderr.
# Any command other than mariadbd/mysqld (e.g. `bash`) is exec'd as-is.
set -eo pipefail
shopt -s nullglob

INITDB_DIR=/docker-entrypoint-initdb.d
# Present in the datadir while initialisation runs: a datadir that still has
# it was left half-initialised, and starting on it would skip the init.
INIT_MARKER=.ttsui-init-incomplete

log() { printf '%s [Entrypoint]: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# file_env VAR: VAR may instead come from the file named by VAR_FILE.
file_env() {
	local var=$1 file_var="${1}_FILE" val=
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		die "both $var and $file_var are set; they are exclusive"
	fi
	if [ -n "${!var:-}" ]; then
		val=${!var}
	elif [ -n "${!file_var:-}" ]; then
		[ -r "${!file_var}" ] || die "$file_var=${!file_var}: file is missing or unreadable"
		val=$(<"${!file_var}")
	fi
	export "$var=$val"
	unset "$file_var"
}

# Print the server's effective value of an option (after my.cnf and "$@").
server_option() {
	local opt=$1
	shift
	"$@" --verbose --help 2>/dev/null | awk -v opt="$opt" '$1 == opt { print $2; exit }'
}

sql_string() { # a single-quoted SQL string literal
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\'/\\\'}
	printf "'%s'" "$s"
}

sql_ident() { # a backquoted SQL identifier
	local s=$1
	# shellcheck disable=SC2016 # literal backquotes
	printf '`%s`' "${s//\`/\`\`}"
}

check_init_env() {
	if [ -z "$MYSQL_ROOT_PASSWORD" ]; then
		die "database is uninitialized and MYSQL_ROOT_PASSWORD is not set.
    Set MYSQL_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD_FILE) to initialise $DATADIR."
	fi
	if [ "$MYSQL_USER" = root ]; then
		die "MYSQL_USER=root: MYSQL_USER and MYSQL_PASSWORD are for a regular user; use MYSQL_ROOT_PASSWORD for root"
	fi
	if [ -n "$MYSQL_USER" ] && [ -z "$MYSQL_PASSWORD" ]; then
		log "WARNING: MYSQL_USER is set but MYSQL_PASSWORD is not; MYSQL_USER will not be created"
	fi
	if [ -z "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
		log "WARNING: MYSQL_PASSWORD is set but MYSQL_USER is not; MYSQL_PASSWORD will be ignored"
	fi
}

# process_sql [--root-nopass] [mariadb client args...] < sql
# Runs SQL on the temporary server's socket as root.
process_sql() {
	local pass=$MYSQL_ROOT_PASSWORD
	if [ "${1:-}" = --root-nopass ]; then
		pass=
		shift
	fi
	MYSQL_PWD=$pass mariadb --protocol=socket --socket="$SOCKET" -uroot \
		--comments --batch --skip-column-names "$@"
}

temp_server_start() {
	"$@" --skip-networking --socket="$SOCKET" --skip-log-bin \
		--loose-innodb-buffer-pool-load-at-startup=0 \
		--loose-innodb-buffer-pool-dump-at-shutdown=0 &
	TEMP_PID=$!
	local _
	for _ in $(seq 1 120); do
		if process_sql --root-nopass -e 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$TEMP_PID" 2>/dev/null || die "the temporary server exited during startup (see its log above)"
		sleep 0.25
	done
	die "the temporary server did not accept connections within 30 s"
}

temp_server_stop() {
	kill -TERM "$TEMP_PID"
	wait "$TEMP_PID" || die "the temporary server did not shut down cleanly"
	unset TEMP_PID
}

init_datadir() {
	log "Initializing database files in $DATADIR"
	: >"$DATADIR/$INIT_MARKER"
	mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve --cross-bootstrap \
		--skip-log-bin --loose-innodb-buffer-pool-dump-at-shutdown=0 \
		"${@:2}" >&2
	log "Database files initialized"

	log "Starting temporary server"
	temp_server_start "$@"
	log "Temporary server started"

	local rootpw dbq=
	rootpw=$(sql_string "$MYSQL_ROOT_PASSWORD")
	if [ -n "$MYSQL_DATABASE" ]; then
		dbq=$(sql_ident "$MYSQL_DATABASE")
	fi

	# Drop everything mariadb-install-db may have created besides what we need.
	local drops
	drops=$(process_sql --root-nopass -e "SELECT CONCAT('DROP USER IF EXISTS ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user WHERE User = '' OR (User = 'root' AND Host <> 'localhost')")

	{
		echo "SET @@SESSION.SQL_LOG_BIN = 0;"
		printf '%s\n' "$drops"
		echo "DROP DATABASE IF EXISTS test;"
		echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $rootpw;"
		echo "CREATE USER 'root'@'%' IDENTIFIED BY $rootpw;"
		echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;"
		if [ -n "$dbq" ]; then
			log "Creating database $MYSQL_DATABASE"
			echo "CREATE DATABASE IF NOT EXISTS $dbq CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
		fi
		if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
			local userq
			userq="$(sql_string "$MYSQL_USER")@'%'"
			log "Creating user $MYSQL_USER"
			echo "CREATE USER $userq IDENTIFIED BY $(sql_string "$MYSQL_PASSWORD");"
			if [ -n "$dbq" ]; then
				log "Giving user $MYSQL_USER access to schema $MYSQL_DATABASE"
				echo "GRANT ALL PRIVILEGES ON $dbq.* TO $userq;"
			fi
		fi
		echo "FLUSH PRIVILEGES;"
	} | process_sql --root-nopass

	if [ -z "${MYSQL_INITDB_SKIP_TZINFO:-}" ] && [ -d /usr/share/zoneinfo ]; then
		# Time zone tables, as the official image loads them (best effort).
		mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null |
			process_sql --database=mysql || log "WARNING: could not load time zone tables"
	fi

	run_initdb_scripts

	log "Stopping temporary server"
	temp_server_stop
	log "Temporary server stopped"
	rm -f "$DATADIR/$INIT_MARKER"
	log "MariaDB init process done. Ready for start up."
}

run_initdb_scripts() {
	local -a files db_args=()
	[ -n "$MYSQL_DATABASE" ] && db_args=(--database="$MYSQL_DATABASE")
	mapfile -t files < <(find "$INITDB_DIR" -mindepth 1 -maxdepth 1 \( -type f -o -type l \) 2>/dev/null | LC_ALL=C sort)
	local f
	for f in "${files[@]}"; do
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				log "$0: running $f"
				"$f"
			else
				log "$0: sourcing $f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql)
			log "$0: running $f"
			process_sql "${db_args[@]}" <"$f"
			;;
		*.sql.gz)
			log "$0: running $f"
			gzip -dc "$f" | process_sql "${db_args[@]}"
			;;
		*.sql.xz)
			log "$0: running $f"
			xz -dc "$f" | process_sql "${db_args[@]}"
			;;
		*.sql.zst)
			log "$0: running $f"
			zstd -dc "$f" | process_sql "${db_args[@]}"
			;;
		*) log "$0: ignoring $f" ;;
		esac
	done
}

main() {
	# `docker run image --some-option` passes options to the server.
	if [ "${1:0:1}" = - ]; then
		set -- mariadbd "$@"
	fi
	case "${1:-}" in
	mariadbd | mysqld | /usr/sbin/mariadbd | /usr/sbin/mysqld) ;;
	*) exec "$@" ;;
	esac
	local arg
	for arg; do
		case "$arg" in
		--help | -'?' | --version | -V) exec "$@" ;;
		esac
	done

	DATADIR=$(server_option datadir "$@")
	SOCKET=$(server_option socket "$@")
	[ -n "$DATADIR" ] || die "cannot determine the server's datadir (is '$1' a working server binary?)"
	DATADIR=${DATADIR%/}
	SOCKET=${SOCKET:-/run/mysqld/mysqld.sock}

	file_env MYSQL_ROOT_PASSWORD
	file_env MYSQL_DATABASE
	file_env MYSQL_USER
	file_env MYSQL_PASSWORD

	local need_init=
	if [ ! -d "$DATADIR/mysql" ]; then
		need_init=1
	elif [ -e "$DATADIR/$INIT_MARKER" ]; then
		die "an earlier initialisation of $DATADIR did not complete (see its log); remove the volume or empty the datadir to start over"
	fi
	[ -z "$need_init" ] || check_init_env

	if [ "$(id -u)" = 0 ]; then
		# A fresh named volume or bind mount may be owned by root: hand the
		# datadir and the socket directory to mysql, then drop privileges.
		mkdir -p "$DATADIR" "$(dirname "$SOCKET")"
		chown mysql:mysql "$(dirname "$SOCKET")"
		find "$DATADIR" \! -user mysql -exec chown mysql:mysql '{}' +
		exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
	fi

	if [ -n "$need_init" ]; then
		init_datadir "$@"
	else
		log "Database already initialized in $DATADIR; skipping initialization"
	fi

	log "Starting MariaDB server: $*"
	exec "$@"
}

main "$@"
