#!/usr/bin/env bash
# Set up a machine for this project: a project virtual environment (.venv,
# git-ignored) with the tooling and the service's pinned dependencies, then a
# Docker engine and Compose v2. Safe to run again: what is there is reused.
# Nothing is installed into the system's Python: a distribution's python3
# refuses that (PEP 668), and the project's pins would fight the system's.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap %3ds] %s\n' "$SECONDS" "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

VENV=.venv
PYTHON=${PYTHON:-python3}

can_make_venvs() { "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; }

ensure_python() {
  if command -v "$PYTHON" >/dev/null && can_make_venvs; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    # Debian and Ubuntu ship venv (and the pip it seeds) apart from python3.
    say "installing python3-venv (Debian/Ubuntu keep venv apart from python3)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    can_make_venvs && return
  fi
  command -v "$PYTHON" >/dev/null || die "no $PYTHON on PATH; install Python 3.11 or newer (sudo apt-get install python3 python3-venv)"
  die "$PYTHON cannot create virtual environments; run: sudo apt-get install python3-venv"
}

ensure_venv() {
  # A venv whose interpreter vanished (a removed pyenv version) is rebuilt.
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null; then return; fi
  ensure_python
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$("$PYTHON" -V 2>&1) is too old; the tooling needs Python 3.11 or newer (set PYTHON=python3.11)"
  say "creating $VENV with $(command -v "$PYTHON") ($("$PYTHON" -V 2>&1))"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
}

install_packages() {
  say "installing the tooling and the service's dependencies from requirements/*.lock into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r requirements/tooling.lock -r requirements/service.lock \
    || die "pip could not install the pinned packages (its error is above)"
  # The tooling itself, editable and without dependencies: the locks pinned them.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e . \
    || die "pip could not install this project (its error is above)"
}

ensure_venv
install_packages
STACKOPS_PYTHON="$PWD/$VENV/bin/python" bash fastapi_stackops/provision-engine.sh
say "ready: $("$VENV/bin/inv" --version | head -1), compose $(docker compose version --short 2>/dev/null)"
say "run tasks with $VENV/bin/inv (or '. $VENV/bin/activate' once, then inv)"
