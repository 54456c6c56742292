#!/bin/sh
# Start the server at once and migrate beside it. The server answers /health
# immediately and /ready with 503 until the database answers and the schema
# is at head, which is what orchestrators without depends_on need.
# The server is exec'd, so it is PID 1 and gets SIGTERM itself (a shell in
# between would swallow it: `down` would wait for the kill, 10 s, exit 137).
set -eu
# Prometheus multiprocess files of an earlier run would be summed into this
# one's: start from an empty directory, whichever server follows.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
# A one-shot migration (inv deploy runs `python -m app.migrate upgrade` in the new
# image) is the migration: a second one beside it would race it on a new SQLite
# database ("table alembic_version already exists").
case " $* " in *" app.migrate "*) SKIP_PRESTART=1 ;; esac
if [ "${SKIP_PRESTART:-0}" != 1 ]; then
  # $$ is this shell's PID, which the server inherits through exec: a failed
  # migration stops the server, and the container exits non-zero (see
  # app/gunicorn_conf.py on_exit) instead of serving an old schema.
  python -m app.migrate prestart --stop-pid $$ &
fi
exec "$@"
