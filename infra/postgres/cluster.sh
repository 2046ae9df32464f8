#!/usr/bin/env bash
# A private Postgres cluster from the system's binaries (Debian's postgresql package): its own data directory
# and port, nothing shared with a system-wide Postgres. Used by `make up` (the platform's data dir) and by the
# tests (a temporary dir per test run).
#
#   infra/postgres/cluster.sh start DATA_DIR PORT   # initdb on first use, then start; prints the database URL
#   infra/postgres/cluster.sh stop DATA_DIR
#   infra/postgres/cluster.sh status DATA_DIR       # exit 0 when running
#   infra/postgres/cluster.sh url DATA_DIR PORT     # the SQLAlchemy URL of the `podium` database
#
# Postgres refuses to run as root: as root the cluster belongs to the `postgres` system user (created by the
# package) and every command runs as that user. The server listens on 127.0.0.1 and on a socket in DATA_DIR.
set -euo pipefail

die() { printf 'postgres: error: %s\n' "$*" >&2; exit 1; }

pg_bin() {
    local name="$1" dir
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/$name" ] && { echo "$dir/$name"; return; }
    done
    die "$name not found; install Debian's postgresql package (make setup does)"
}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() { echo "postgresql+psycopg://podium@127.0.0.1:$2/podium"; }

start() {
    local data="$1" port="$2"
    mkdir -p "$data"
    data="$(cd "$data" && pwd)"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user; install Debian's postgresql package"
        chown postgres:postgres "$data"
        chmod 700 "$data"
        runuser -u postgres -- test -x "$data" \
            || die "the postgres user cannot reach $data; make its parent directories traversable (chmod o+x)"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner "$(pg_bin initdb)" -D "$data" -U podium --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$data.initdb.log" 2>&1 \
            || { cat "$data.initdb.log" >&2; die "initdb failed in $data"; }
        rm -f "$data.initdb.log"
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "port = $port"
            echo "unix_socket_directories = '$data'"
            echo "fsync = on"
            echo "max_connections = 200"
            echo "shared_buffers = 128MB"
        } | as_owner tee -a "$data/postgresql.conf" >/dev/null
    fi
    if ! status "$data"; then
        as_owner "$(pg_bin pg_ctl)" -D "$data" -o "-p $port" -l "$data/server.log" -w -t 60 start >/dev/null \
            || { tail -n 20 "$data/server.log" >&2; die "Postgres did not start (log: $data/server.log)"; }
    fi
    # The `podium` database (idempotent).
    if ! as_owner "$(pg_bin psql)" -h "$data" -p "$port" -U podium -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'podium'" | grep -q 1; then
        as_owner "$(pg_bin createdb)" -h "$data" -p "$port" -U podium podium
    fi
    url "$data" "$port"
}

stop() {
    local data="$1"
    status "$data" || return 0
    as_owner "$(pg_bin pg_ctl)" -D "$data" -m fast -w stop >/dev/null
}

status() {
    local data="$1"
    [ -f "$data/PG_VERSION" ] || return 1
    as_owner "$(pg_bin pg_ctl)" -D "$data" status >/dev/null 2>&1
}

cmd="${1:-}"
case "$cmd" in
    start) [ $# -eq 3 ] || die "usage: $0 start DATA_DIR PORT"; start "$2" "$3" ;;
    stop) [ $# -eq 2 ] || die "usage: $0 stop DATA_DIR"; stop "$2" ;;
    status) [ $# -eq 2 ] || die "usage: $0 status DATA_DIR"; status "$2" ;;
    url) [ $# -eq 3 ] || die "usage: $0 url DATA_DIR PORT"; url "$2" "$3" ;;
    *) die "usage: $0 start|stop|status|url DATA_DIR [PORT]" ;;
esac
