#!/usr/bin/env bash
# Set up a machine for this project: a Docker engine and Compose v2, then the
# tooling (invoke & co.) and the service's dependencies for the native unit
# tests. Safe to run again: what is already there is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

bash stackops/provision-engine.sh

echo "[bootstrap] installing the tooling and the service's pinned dependencies"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  -e '.[dev]' -r requirements/service.lock 2>&1 | grep -v -e '^WARNING: Location' -e 'dependency conflicts' -e 'requires .*, but you have' || true
python3 -c 'import invoke, docker, dotenv, requests, fastapi' \
  || { echo "bootstrap: the Python packages did not install; see pip's output above" >&2; exit 1; }
# pyenv puts console scripts behind shims that exist only after a rehash.
if command -v pyenv >/dev/null; then pyenv rehash; fi
command -v inv >/dev/null || { echo "bootstrap: 'inv' is not on PATH; add $(python3 -m site --user-base)/bin or your venv's bin to PATH" >&2; exit 1; }
echo "[bootstrap] ready: $(inv --version | head -1), $(docker compose version --short 2>/dev/null | sed 's/^/compose /')"
