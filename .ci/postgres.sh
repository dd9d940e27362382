#!/usr/bin/env bash
# Throwaway PostgreSQL server for the audit-log and store tests.
#
#   eval "$(.ci/postgres.sh start)"   # exports INTERCOM_REDACT_TEST_PG_URL
#   .ci/postgres.sh stop              # stops the server, removes its files
#
#   source .ci/postgres.sh            # the same, from a script: exports the URL into
#                                     # that shell and stops the server when it exits
#
# Installs the Debian `postgresql` package when no server binaries are found,
# runs the cluster as the `postgres` user when started as root (initdb refuses
# root), listens on 127.0.0.1 only, on a free port, with a random password.
# Progress goes to stderr; stdout carries only the `export` line.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  _intercom_redact_pg_exports=$(bash "${BASH_SOURCE[0]}" start) || return 1
  eval "$_intercom_redact_pg_exports"
  unset _intercom_redact_pg_exports
  trap "bash '${BASH_SOURCE[0]}' stop" EXIT
  return 0
fi
set -euo pipefail

state_dir="${INTERCOM_REDACT_PG_DIR:-/tmp/intercom-redact-pg}"
db_name="intercom_redact_test"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  # Debian keeps the server binaries out of PATH, one directory per major version.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  if [ -f "$state_dir/env" ]; then
    if as_owner "$(cat "$state_dir/bindir")/pg_ctl" -D "$state_dir/data" status >/dev/null 2>&1; then
      log "already running (state in $state_dir)"
      cat "$state_dir/env"
      return
    fi
    log "removing the state of a server that is no longer running"
    rm -rf "$state_dir"
  fi
  local bindir
  bindir=$(find_bindir || true)
  if [ -z "$bindir" ]; then
    log "installing the postgresql package"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends postgresql >&2
    bindir=$(find_bindir)
  fi
  log "using $bindir"
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir "$state_dir" --shell /usr/sbin/nologin postgres
  fi

  mkdir -p "$state_dir"
  chmod 700 "$state_dir"
  [ "$(id -u)" = 0 ] && chown postgres "$state_dir"
  local password port
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '%s\n' "$password" > "$state_dir/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$state_dir/pwfile"

  as_owner "$bindir/initdb" -D "$state_dir/data" -U postgres --pwfile="$state_dir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-locale >&2
  rm -f "$state_dir/pwfile"
  # fsync off: a test database need not survive a machine crash, and it makes
  # the many small commits of the audit tests fast.
  as_owner "$bindir/pg_ctl" -D "$state_dir/data" -l "$state_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $state_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2
  PGPASSWORD="$password" "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "CREATE DATABASE $db_name" >&2
  echo "$bindir" > "$state_dir/bindir"
  echo "export INTERCOM_REDACT_TEST_PG_URL='postgresql+psycopg://postgres:$password@127.0.0.1:$port/$db_name'" \
    | tee "$state_dir/env"
  log "running on 127.0.0.1:$port, database $db_name"
}

stop() {
  [ -d "$state_dir" ] || return 0
  if [ -f "$state_dir/bindir" ] && [ -d "$state_dir/data" ]; then
    as_owner "$(cat "$state_dir/bindir")/pg_ctl" -D "$state_dir/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$state_dir"
  log "stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
