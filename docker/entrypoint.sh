#!/bin/sh
# Wait for the database and migrate to head, then *become* the server: with
# exec the server is PID 1 and gets SIGTERM itself (a shell in between would
# swallow it and `down` would wait for the kill, 10 s and exit 137).
set -eu
if [ "${SKIP_PRESTART:-0}" != 1 ]; then
  python -m app.migrate prestart
fi
exec "$@"
