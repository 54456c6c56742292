#!/bin/sh
# Wait for the database and migrate to head, then *become* the server: with
# exec the server is PID 1 and gets SIGTERM itself (a shell in between would
# swallow it and `down` would wait for the kill, 10 s and exit 137).
set -eu
# Prometheus multiprocess files of an earlier run would be summed into this
# one's: start from an empty directory, whichever server follows.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
if [ "${SKIP_PRESTART:-0}" != 1 ]; then
  python -m app.migrate prestart
fi
exec "$@"
