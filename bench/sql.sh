#!/usr/bin/env bash
# SQL pane budgets: rows/s streamed from a 1,000,000-row table to CSV by the
# pane's export code next to `mariadb --batch -e` of the same query to
# /dev/null, on a private MariaDB on this machine, as a ratio (target at
# least 0.8x); time to the first row and to the first page of 1000 rows.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || { echo "bench: mariadb-server is needed (apt-get install mariadb-server mariadb-client)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/sqlexport" ./bench/sqlexport
"$work/sqlexport" -rows "${BENCH_SQL_ROWS:-1000000}" -rounds "${BENCH_ROUNDS:-3}"
