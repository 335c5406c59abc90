#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster on a loopback port for the test suite.
#
#   source scripts/pg_test_cluster.sh   # exports GSCDM_TEST_PG_URL; stops the cluster on exit
#
# Installs Debian's postgresql package when the server binaries are missing (needs root and the
# Debian mirror). Prints a reason and leaves GSCDM_TEST_PG_URL unset when it cannot start one, so
# the PostgreSQL tests skip visibly instead of failing on an unrelated machine problem.

_gscdm_pg_port="${GSCDM_PG_PORT:-55432}"

_gscdm_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

_gscdm_pg_start() {
  local bin data run_as=()
  bin="$(_gscdm_pg_bin)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "pg_test_cluster: installing Debian postgresql" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1; } \
        || { echo "pg_test_cluster: could not install postgresql" >&2; return 1; }
      bin="$(_gscdm_pg_bin)"
    else
      echo "pg_test_cluster: no PostgreSQL server binaries and cannot install them" >&2
      return 1
    fi
  fi
  data="$(mktemp -d /tmp/gscdm-pg.XXXXXX)"
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: run the cluster as the postgres system user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$data"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$bin/initdb" -D "$data/db" -A trust -U postgres -E UTF8 >/dev/null \
    || { echo "pg_test_cluster: initdb failed" >&2; return 1; }
  "${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w -t 60 \
    -o "-p $_gscdm_pg_port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" \
    start >/dev/null || { cat "$data/log" >&2; return 1; }
  "${run_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$_gscdm_pg_port" -U postgres gscdm_test
  export GSCDM_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:${_gscdm_pg_port}/gscdm_test"
  _gscdm_pg_data="$data"
  _gscdm_pg_stop_cmd=("${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -m immediate stop)
  trap '_gscdm_pg_stop' EXIT
  echo "pg_test_cluster: PostgreSQL on 127.0.0.1:${_gscdm_pg_port} (data in $data)" >&2
}

_gscdm_pg_stop() {
  "${_gscdm_pg_stop_cmd[@]}" >/dev/null 2>&1 || true
  rm -rf "$_gscdm_pg_data"
}

_gscdm_pg_start || echo "pg_test_cluster: PostgreSQL tests will be skipped" >&2
