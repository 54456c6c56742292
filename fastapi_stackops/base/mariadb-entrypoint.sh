#!/bin/sh
# The official mariadb image's contract, for the local substitute: MARIADB_USER,
# MARIADB_PASSWORD (or MARIADB_PASSWORD_FILE, a Swarm or Kubernetes secret),
# MARIADB_DATABASE, MARIADB_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD or
# MARIADB_ALLOW_EMPTY_ROOT_PASSWORD (the MYSQL_ names too); data in /var/lib/mysql, initialised only when empty; the
# server runs as mysql. The init-time server has no network, so a TCP
# healthcheck never sees it as ready.
set -eu
datadir=/var/lib/mysql
init_socket=/run/mysqld/init.sock

# Arguments that are options go to mariadbd, as in the official image.
case "${1:-}" in -*) set -- mariadbd "$@" ;; esac

setting() { eval "printf '%s' \"\${MARIADB_$1:-\${MYSQL_$1:-}}\""; }
quoted() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g"; }

if [ "${1:-}" = mariadbd ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$datadir" /run/mysqld
  # Only what is not already mysql's: a large data dir is not re-walked.
  find "$datadir" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
  exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
fi

if [ "${1:-}" = mariadbd ] && [ ! -d "$datadir/mysql" ]; then
  user=$(setting USER) database=$(setting DATABASE) root=$(setting ROOT_PASSWORD) password=$(setting PASSWORD)
  [ -z "$(setting PASSWORD_FILE)" ] || password=$(cat "$(setting PASSWORD_FILE)")
  empty=$(setting ALLOW_EMPTY_ROOT_PASSWORD)
  if [ -z "$root" ] && [ -z "$(setting RANDOM_ROOT_PASSWORD)" ] && [ -z "$empty" ]; then
    echo "mariadb-entrypoint: set MARIADB_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" >&2
    exit 1
  fi
  [ -n "$root" ] || [ -n "$empty" ] || root=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  mariadb-install-db --datadir="$datadir" --skip-test-db --auth-root-authentication-method=normal >/dev/null
  mariadbd --datadir="$datadir" --skip-networking --socket="$init_socket" &
  server=$!
  tries=0
  until mariadb-admin --socket="$init_socket" -uroot ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 120 ] || { echo "mariadb-entrypoint: the init-time server did not start" >&2; exit 1; }
    sleep 0.5
  done
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(quoted "$root")';"
    # As the official image's MARIADB_ROOT_HOST (% by default): root from other containers, with its password.
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$(quoted "$root")';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    [ -z "$database" ] || echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"
    if [ -n "$user" ]; then
      echo "CREATE USER '$(quoted "$user")'@'%' IDENTIFIED BY '$(quoted "$password")';"
      [ -z "$database" ] || echo "GRANT ALL ON \`$database\`.* TO '$(quoted "$user")'@'%';"
    fi
  } | mariadb --socket="$init_socket" -uroot
  # As the official image: the .sql scripts in /docker-entrypoint-initdb.d, in name order, once, into the database.
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [ -f "$script" ] || continue
    echo "mariadb-entrypoint: running $script"
    mariadb --socket="$init_socket" -uroot --password="$root" ${database:+"$database"} < "$script"
  done
  mariadb-admin --socket="$init_socket" -uroot --password="$root" shutdown
  wait "$server" || true
  echo "mariadb-entrypoint: initialised $datadir (user $user, database $database)"
fi

exec "$@"
