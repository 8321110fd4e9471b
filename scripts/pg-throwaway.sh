#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for running the suite against PostgreSQL.
#
#   scripts/pg-throwaway.sh start   # prints the DATABASE_URL on stdout
#   scripts/pg-throwaway.sh url     # prints it again
#   scripts/pg-throwaway.sh stop    # stops the cluster (and its replica) and deletes its files
#
#   export DATABASE_URL=$(scripts/pg-throwaway.sh start) && .venv/bin/pytest -q
#
# A streaming replica beside it (the read-replica routing's tests, docs/deploy.md):
#
#   PG_THROWAWAY_REPLICA=1 scripts/pg-throwaway.sh start   # primary and replica
#   scripts/pg-throwaway.sh start-replica                  # or: add one to a running cluster
#   export DATABASE_REPLICA_URL=$(scripts/pg-throwaway.sh url-replica)
#
# The replica is a physical copy made with `pg_basebackup -R` (standby.signal and
# primary_conninfo written for it), started on its own socket directory and port
# (PG_THROWAWAY_REPLICA_PORT, default the primary's + 1); `start` returns once it is in
# recovery and its WAL receiver is streaming. Everything created on the primary afterwards
# (the test databases too) appears on it, read-only.
#
# The cluster listens on a unix socket in a private directory only (no TCP), so its port
# number is just part of the socket's name and cannot clash with another server. Trust
# authentication is acceptable for that reason and because the data is disposable.
# Run as root, the cluster runs as the "postgres" OS user (initdb refuses root).
#
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PG_THROWAWAY_PORT (54329),
# PG_THROWAWAY_STATE (file remembering the cluster's directory; default
# var/pg-throwaway.dir in the project), PG_THROWAWAY_REPLICA (1: start a replica too),
# PG_THROWAWAY_REPLICA_PORT.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PORT="${PG_THROWAWAY_PORT:-54329}"
STATE="${PG_THROWAWAY_STATE:-$PROJECT_DIR/var/pg-throwaway.dir}"
ROLE=shuniu
DBNAME=shuniu
# Written into every cluster directory; stop deletes only directories that carry it.
MARKER=.shuniu-pg-throwaway

say() { echo "pg-throwaway: $*" >&2; }
die() {
  say "$*"
  exit 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url_for() {
  echo "postgresql://$ROLE@/$DBNAME?host=$1/sock&port=$PORT"
}

replica_url_for() {
  [ -f "$1/replica.port" ] || return 1
  echo "postgresql://$ROLE@/$DBNAME?host=$1/sock-replica&port=$(cat "$1/replica.port")"
}

current_dir() {
  [ -f "$STATE" ] || return 1
  local dir
  dir="$(cat "$STATE")"
  [ -n "$dir" ] && [ -f "$dir/$MARKER" ] || return 1
  echo "$dir"
}

start() {
  [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL binaries in $PG_BIN (apt-get install postgresql-15)"
  if dir="$(current_dir)"; then
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      die "a cluster is already running in $dir (stop it first: $0 stop)"
    fi
    stop "$dir"
  fi
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' OS user"
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/shuniu-pg.XXXXXX")"
  touch "$dir/$MARKER"
  mkdir -p "$dir/data" "$dir/sock" "$(dirname "$STATE")"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres: "$dir"
  fi
  echo "$dir" >"$STATE"
  # pg_trgm only indexes characters the ctype classifies as letters: with locale C it
  # would ignore Chinese, so the cluster must use a UTF-8 locale (design.md section 5).
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --locale=C.UTF-8 --encoding=UTF8 \
    -A trust >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }
  # fsync off: the cluster is thrown away, and the suite runs noticeably faster without it.
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir/sock -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off \
-c full_page_writes=off" start >/dev/null || {
    cat "$dir/server.log" >&2
    die "the server did not start"
  }
  local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$PORT" -U postgres)
  # An ordinary role, as in production: it owns its databases, which lets it create the
  # trusted pg_trgm extension, and CREATEDB lets pytest-django create the test databases.
  "${psql[@]}" -d postgres -c "CREATE ROLE $ROLE LOGIN CREATEDB" \
    -c "CREATE DATABASE $DBNAME OWNER $ROLE" >&2
  "${psql[@]}" -d postgres -tAc "SELECT name FROM pg_available_extensions WHERE name='pg_trgm'" |
    grep -q pg_trgm || die "the pg_trgm extension is missing (install postgresql-contrib)"
  say "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') running in $dir"
  if [ "${PG_THROWAWAY_REPLICA:-0}" = 1 ]; then
    start_replica "$dir" >/dev/null
  fi
  url_for "$dir"
}

# A streaming replica of the running cluster: prints its DATABASE_REPLICA_URL.
start_replica() {
  local dir="${1:-}" rport="${PG_THROWAWAY_REPLICA_PORT:-$((PORT + 1))}"
  if [ -z "$dir" ]; then
    dir="$(current_dir)" || die "no cluster running (start one first: $0 start)"
  fi
  [ ! -f "$dir/replica/postmaster.pid" ] || die "a replica is already running in $dir/replica"
  rm -rf -- "$dir/replica"
  mkdir -p "$dir/sock-replica"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir/sock-replica"
  fi
  # -R writes standby.signal and primary_conninfo (the primary's socket and port); -X stream
  # copies the WAL written during the copy, so the replica starts consistent.
  as_owner "$PG_BIN/pg_basebackup" -D "$dir/replica" -h "$dir/sock" -p "$PORT" -U postgres \
    -R -X stream -c fast >"$dir/basebackup.log" 2>&1 || {
    cat "$dir/basebackup.log" >&2
    die "pg_basebackup failed"
  }
  # hot_standby_feedback: the primary keeps the rows a query on the replica still reads, so
  # the replica does not cancel it ("conflict with recovery") while tests write and drop.
  as_owner "$PG_BIN/pg_ctl" -D "$dir/replica" -l "$dir/replica.log" -w -t 60 \
    -o "-k $dir/sock-replica -p $rport -c listen_addresses='' -c fsync=off \
-c hot_standby=on -c hot_standby_feedback=on" start >/dev/null || {
    cat "$dir/replica.log" >&2
    die "the replica did not start"
  }
  echo "$rport" >"$dir/replica.port"
  local psql=("$PG_BIN/psql" -X -q -tA -h "$dir/sock-replica" -p "$rport" -U postgres -d postgres)
  local tries=0 state=""
  while [ $tries -lt 120 ]; do
    state="$("${psql[@]}" -c "SELECT pg_is_in_recovery()::text || ' ' || coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')" 2>/dev/null || true)"
    [ "$state" = "true streaming" ] && break
    tries=$((tries + 1))
    sleep 0.5
  done
  [ "$state" = "true streaming" ] || {
    cat "$dir/replica.log" >&2
    die "the replica is not streaming (state: ${state:-no answer})"
  }
  say "streaming replica running in $dir/replica (port $rport)"
  replica_url_for "$dir"
}

stop() {
  local dir="${1:-}"
  if [ -z "$dir" ]; then
    dir="$(current_dir)" || {
      say "no cluster to stop"
      rm -f "$STATE"
      return 0
    }
  fi
  [ -f "$dir/$MARKER" ] || die "$dir is not a throwaway cluster; not touching it"
  if [ -f "$dir/replica/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/replica" -m fast -w -t 60 stop >/dev/null ||
      say "pg_ctl stop of the replica failed; see $dir/replica.log"
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
      say "pg_ctl stop failed; see $dir/server.log"
  fi
  rm -rf -- "$dir"
  if [ -f "$STATE" ] && [ "$(cat "$STATE")" = "$dir" ]; then
    rm -f "$STATE"
  fi
  say "stopped and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  start-replica) start_replica ;;
  url)
    dir="$(current_dir)" || die "no cluster running"
    url_for "$dir"
    ;;
  url-replica)
    dir="$(current_dir)" || die "no cluster running"
    replica_url_for "$dir" || die "no replica running (start one: $0 start-replica)"
    ;;
  *)
    echo "usage: $0 start|start-replica|stop [DIR]|url|url-replica" >&2
    exit 2
    ;;
esac
