#!/bin/sh
# The official postgres image's contract, for the local substitute:
# POSTGRES_USER / POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE, a Swarm or
# Kubernetes secret) / POSTGRES_DB / POSTGRES_HOST_AUTH_METHOD, PGDATA, initdb and the scripts in
# /docker-entrypoint-initdb.d only on an empty data directory, runs as
# postgres, the init-time server listens on the local socket only so a TCP
# healthcheck never sees it as ready.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# Arguments that are options go to postgres, as in the official image.
case "${1:-}" in -*) set -- postgres "$@" ;; esac

if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  # Only what is not already postgres's: a large data dir is not re-walked.
  find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    [ -z "${POSTGRES_PASSWORD:-}" ] || { echo "postgres-entrypoint: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, not both" >&2; exit 1; }
    POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
  fi
  # As the official image: other hosts log in with a password (scram-sha-256), or as POSTGRES_HOST_AUTH_METHOD says.
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    echo "postgres-entrypoint: POSTGRES_PASSWORD is not set; set it in the env file" >&2
    exit 1
  fi
  POSTGRES_USER=${POSTGRES_USER:-postgres}
  POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
  # Unlike the official image, a failed initialisation (a script's error) leaves no half-made database, which the
  # next start would take for made and serve without its tables: the data directory is emptied, so every start
  # runs the scripts again and fails the same way, in the logs, until they are fixed.
  trap 'status=$?; [ "$status" = 0 ] || { pg_ctl -D "$PGDATA" -m immediate stop >/dev/null 2>&1; rm -rf "${PGDATA:?}"/*;
    echo "postgres-entrypoint: initialisation failed (exit $status): $PGDATA emptied, the next start tries again" >&2; }' EXIT
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  initdb --username="$POSTGRES_USER" ${POSTGRES_PASSWORD:+--pwfile="$pwfile"} --encoding=UTF8 \
    --auth-local=trust --auth-host="$auth" >/dev/null
  rm -f "$pwfile"
  {
    echo "listen_addresses = '*'"
    echo "jit = off"
  } >> "$PGDATA/postgresql.conf"
  echo "host all all all $auth" >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    quoted=$(printf '%s' "$POSTGRES_DB" | sed 's/"/""/g')
    psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname postgres \
      -c "CREATE DATABASE \"$quoted\""
  fi
  # As the official image: the scripts in /docker-entrypoint-initdb.d, in name order, once, on an empty data dir.
  for file in /docker-entrypoint-initdb.d/*; do
    [ -f "$file" ] || continue
    echo "postgres-entrypoint: running $file"
    case "$file" in
      *.sh) if [ -x "$file" ]; then "$file"; else . "$file"; fi ;;
      *.sql) psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$file" ;;
      *.sql.gz) gunzip -c "$file" | psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" ;;
      *) echo "postgres-entrypoint: ignoring $file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  trap - EXIT
  echo "postgres-entrypoint: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec "$@"
