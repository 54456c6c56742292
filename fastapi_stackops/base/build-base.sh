#!/usr/bin/env bash
# Build a local substitute for an official base image from Debian packages,
# for machines that reach a Debian mirror but no container registry.
#   build-base.sh python|python-runtime|postgres|pgvector|postgis|mariadb|redis|rabbitmq|registry|swarm-node|proxy TAG MIRROR SUITE RECIPE_HASH [VERSION] [SOURCE]
# SOURCE is python-runtime's own: the python substitute it is trimmed from.
# VERSION is what the suite ships (python 3.9 in bullseye, 3.11 in bookworm,
# 3.13 in trixie, 3.14 in forky;
# postgres 15 and 17; redis 7; rabbitmq 3.10 in bookworm): the caller (fastapi_stackops/baseimages.py) chose the
# suite for it, and the mirror from the host's apt sources; no host name is
# written here.
set -euo pipefail
recipe=$1 tag=$2 mirror=$3 suite=$4 recipe_hash=$5 version=${6:-}
here=$(cd "$(dirname "$0")" && pwd)

command -v mmdebstrap >/dev/null || {
  echo "build-base: mmdebstrap is missing; install it (apt-get install mmdebstrap) or set BASE_IMAGES=registry" >&2; exit 1; }

# Docs, man pages and translations are dead weight in a container.
slim=(
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/lintian/*'
)
# Without the merged-usr hook mmdebstrap installs usrmerge and perl (+60 MB);
# bullseye fails with it, so that suite goes without. Debian testing (forky)
# can carry an expired Release file on a mirror: its date is not checked.
common=(--variant=essential --aptopt='Acquire::Retries "3"' "${slim[@]}")
case $suite in
  bullseye) ;;
  *) common+=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr) ;;
esac
[ "$suite" != forky ] || common+=(--aptopt='Acquire::Check-Valid-Until "false"')
# Package lists and logs go last, after every recipe's own hooks.
tidy=(--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*')
changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
         --change 'ENV LANG=C.UTF-8'
         --change "LABEL org.opencontainers.image.description=\"local substitute built from Debian $suite packages\""
         --change "LABEL io.stackops.base.recipe=$recipe"
         --change "LABEL io.stackops.base.recipe-hash=$recipe_hash")

# The root filesystem goes to a file first: piped into docker import, a failed
# mmdebstrap would still leave an empty image under the tag, taken as built.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rootfs=$scratch/rootfs.tar
# Each recipe: a root filesystem from Debian packages, then an image of it.
make_rootfs() { mmdebstrap "${common[@]}" "$@" "${tidy[@]}" "$suite" "$rootfs" "$mirror"; }
import_rootfs() { docker import "${changes[@]}" "$@" "$rootfs" "$tag"; }

case $recipe in
python)
  # python3-venv brings ensurepip; libstdc++6 is needed by greenlet
  # (SQLAlchemy); ca-certificates for TLS from the app; tzdata for zoneinfo
  # (its leap-second "right/" zones left out). Like the official
  # image it stands in for, it has `python` and `pip` on PATH and no PEP 668
  # marker, so a team's own Dockerfile that runs `pip install` builds on it.
  # Debian disables ensurepip for its python3: pip is installed from the wheel
  # python3-venv ships, to /usr/local as in the official image (~16 MB).
  # Also as there: apt, so a Dockerfile can install a compiler in its builder
  # and a shared library (libpq5) in its runtime; and the interpreter's C
  # headers, without Debian's -dev packages (25 MB, mostly a static library):
  # taken from the package's archive, so `gcc` alone compiles an extension.
  # Never used by a Python service, so left out (~20 MB, a sixth of the image):
  # glibc's iconv converters (Python has its own codecs), the stdlib's
  # GUI, 2to3 and pydoc data.
  [ -n "$version" ] || { echo "build-base: python needs its version (3.9, 3.11, 3.13, 3.14)" >&2; exit 2; }
  make_rootfs --include=python3,python3-venv,ca-certificates,libstdc++6,tzdata,apt \
    --dpkgopt='path-exclude=/usr/lib/*-linux-gnu/gconv/*' \
    --dpkgopt='path-exclude=/usr/share/zoneinfo/right/*' \
    --dpkgopt='path-include=/usr/lib/*-linux-gnu/gconv/gconv-modules*' \
    --customize-hook="chroot \"\$1\" sh -c 'cd /tmp && apt-get download -q libpython$version-dev && dpkg-deb -x libpython$version-dev_*.deb headers && cp -a headers/usr/include /usr/ && rm -rf headers libpython*.deb'" \
    --customize-hook="test -f \"\$1\"/usr/include/python$version/Python.h" \
    --customize-hook="cd \"\$1\"/usr/lib/python$version && rm -rf lib2to3 pydoc_data idlelib tkinter turtledemo" \
    --customize-hook="rm -f \"\$1\"/usr/lib/python$version/EXTERNALLY-MANAGED && ln -sf python3 \"\$1\"/usr/bin/python" \
    --customize-hook='chroot "$1" sh -c "w=\$(ls /usr/share/python-wheels/pip-*.whl) && PIP_ROOT_USER_ACTION=ignore python3 \$w/pip install -q --no-index --no-cache-dir --disable-pip-version-check \$w"' \
    --customize-hook="test -x \"\$1\"/usr/bin/python$version && test -x \"\$1\"/usr/local/bin/pip"
  import_rootfs --change 'CMD ["python3"]'
  ;;
python-runtime)
  # What a built venv needs to run, and no more: the python substitute of the
  # same version (SOURCE, built first) trimmed in a container by
  # python-runtime.sh, so the interpreter is the builder's own. No apt, dpkg,
  # pip, C headers, perl, PAM or util-linux: nothing is installed here later.
  source=${7:?build-base: python-runtime needs the python substitute it is trimmed from}
  trimming=$(docker create --network none --user 0 --entrypoint sh "$source" /python-runtime.sh "$version")
  trap 'rm -rf "$scratch"; docker rm -f "$trimming" >/dev/null' EXIT
  docker cp "$here/python-runtime.sh" "$trimming:/python-runtime.sh"
  docker start --attach "$trimming" >/dev/null
  docker export --output "$rootfs" "$trimming"
  import_rootfs --change 'CMD ["python3"]'
  ;;
postgres|pgvector|postgis)
  [ -n "$version" ] || { echo "build-base: $recipe needs PostgreSQL's major version (15, 17, 18)" >&2; exit 2; }
  # pgvector, postgis: the same server with the extension (what pgvector/pgvector and postgis/postgis add to postgres);
  # PostGIS's SQL for CREATE EXTENSION is its -scripts package.
  packages="postgresql-$version"
  [ "$recipe" != pgvector ] || packages="$packages,postgresql-$version-pgvector"
  [ "$recipe" != postgis ] || packages="$packages,postgresql-$version-postgis-3,postgresql-$version-postgis-3-scripts"
  # postgis/postgis creates the extension at a first start, so apps never do: its initdb script, as there.
  initdb=()
  [ "$recipe" != postgis ] || initdb=(--customize-hook="mkdir -p \"\$1\"/docker-entrypoint-initdb.d"
    --customize-hook="copy-in $here/postgis-initdb.sh /docker-entrypoint-initdb.d")
  # The official images up to 17 keep PGDATA at /var/lib/postgresql/data, their VOLUME; 18 and newer keep it at
  # /var/lib/postgresql/NN/docker, under a VOLUME of /var/lib/postgresql (pg_upgrade --link's layout). As here.
  pgdata=/var/lib/postgresql/data volume=/var/lib/postgresql/data
  [ "$version" -lt 18 ] || { pgdata=/var/lib/postgresql/$version/docker volume=/var/lib/postgresql; }
  # JIT needs LLVM (+130 MB) and is off here; the server runs without it.
  make_rootfs --include="$packages" \
    --dpkgopt="path-exclude=/usr/lib/postgresql/$version/lib/llvmjit*" \
    --dpkgopt="path-exclude=/usr/lib/postgresql/$version/lib/bitcode/*" \
    --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libLLVM*' \
    --dpkgopt='path-exclude=/usr/lib/aarch64-linux-gnu/libLLVM*' \
    --customize-hook="rm -rf \"\$1\"/var/lib/postgresql/$version \"\$1\"/etc/postgresql/$version" \
    --customize-hook="copy-in $here/postgres-entrypoint.sh /usr/local/bin" \
    "${initdb[@]}" \
    --customize-hook="mkdir -p \"\$1\"$pgdata \"\$1\"/var/run/postgresql && chroot \"\$1\" chown postgres:postgres $volume $pgdata /var/run/postgresql"
  import_rootfs \
      --change "ENV PATH=/usr/lib/postgresql/$version/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      --change "ENV PGDATA=$pgdata" \
      --change "VOLUME $volume" \
      --change 'EXPOSE 5432' \
      --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' \
      --change 'CMD ["postgres"]'
  ;;
mariadb)
  # Debian's mariadb-server run as the official mariadb image runs it: data in
  # /var/lib/mysql (a VOLUME, emptied of what the package's own setup made),
  # the entrypoint's user and database, listening on every address.
  make_rootfs --include=mariadb-server \
    --customize-hook='rm -rf "$1"/var/lib/mysql && mkdir -p "$1"/var/lib/mysql "$1"/run/mysqld && chroot "$1" chown mysql:mysql /var/lib/mysql /run/mysqld' \
    --customize-hook="copy-in $here/mariadb-entrypoint.sh /usr/local/bin"
  import_rootfs \
      --change 'VOLUME /var/lib/mysql' \
      --change 'EXPOSE 3306' \
      --change 'ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint.sh"]' \
      --change 'CMD ["mariadbd", "--bind-address=0.0.0.0"]'
  ;;
redis)
  # Debian's redis-server run as the official image runs it: data in /data
  # (a VOLUME), as the redis user, no config file, listening on every address.
  make_rootfs --include=redis-server \
    --customize-hook='mkdir -p "$1"/data && chroot "$1" chown redis:redis /data'
  import_rootfs \
      --change 'VOLUME /data' \
      --change 'WORKDIR /data' \
      --change 'USER redis' \
      --change 'EXPOSE 6379' \
      --change 'CMD ["redis-server", "--protected-mode", "no"]'
  ;;
rabbitmq)
  # Debian's rabbitmq-server run as the official image runs it (its own
  # commands first on PATH, not the wrappers that log to /var/log): data in
  # /var/lib/rabbitmq (a VOLUME, its home, where the Erlang cookie goes), as
  # the rabbitmq user, logging to the console; RABBITMQ_DEFAULT_USER and
  # RABBITMQ_DEFAULT_PASS are RabbitMQ's own (3.9 and later). The node name is
  # fixed: RabbitMQ keeps its data under it, and a container's host name
  # changes each time it is recreated. Its other logs (an upgrade log, a crash
  # dump) go to /tmp, so the root filesystem can be read-only.
  make_rootfs --include=rabbitmq-server \
    --customize-hook='rm -rf "$1"/var/lib/rabbitmq/* && chroot "$1" chown rabbitmq:rabbitmq /var/lib/rabbitmq'
  import_rootfs \
      --change 'ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV HOME=/var/lib/rabbitmq RABBITMQ_LOGS=- RABBITMQ_NODENAME=rabbit@localhost' \
      --change 'ENV RABBITMQ_LOG_BASE=/tmp ERL_CRASH_DUMP=/tmp/erl_crash.dump' \
      --change 'VOLUME /var/lib/rabbitmq' \
      --change 'WORKDIR /var/lib/rabbitmq' \
      --change 'USER rabbitmq' \
      --change 'EXPOSE 5672' \
      --change 'CMD ["rabbitmq-server"]'
  ;;
registry)
  # Debian's docker-registry (Distribution 2.8), run as the official registry
  # image runs: same config path, storage and port, no authentication. Its
  # package config asks for htpasswd; stackops publishes it on loopback only.
  make_rootfs --include=docker-registry \
    --customize-hook='printf "%s\n" "version: 0.1" "storage:" "  filesystem:" "    rootdirectory: /var/lib/registry" "  delete:" "    enabled: true" "http:" "  addr: :5000" > "$1"/etc/docker/registry/config.yml' \
    --customize-hook='mkdir -p "$1"/var/lib/registry'
  import_rootfs \
      --change 'VOLUME /var/lib/registry' \
      --change 'EXPOSE 5000' \
      --change 'ENTRYPOINT ["docker-registry", "serve", "/etc/docker/registry/config.yml"]'
  ;;
swarm-node)
  # A Docker engine in a container: a Swarm worker (inv cluster.up, this
  # entrypoint), or the SSH test host (inv test-host.up runs ssh-host.sh):
  # the engine, its firewall and network tools, socat to reach the host's
  # registry, OpenSSH's server. One image for both, built once.
  make_rootfs --include=docker.io,iptables,ca-certificates,iproute2,procps,socat,openssh-server \
    --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
    --customize-hook="copy-in $here/swarm-node.sh $here/ssh-host.sh /usr/local/bin"
  import_rootfs \
      --change 'VOLUME /var/lib/docker' \
      --change 'ENTRYPOINT ["/usr/local/bin/swarm-node.sh"]'
  ;;
proxy)
  # Debian's HAProxy as the reverse proxy of a server deploy (inv deploy with
  # PROXY_PORT), run by a numeric non-root user on an unprivileged port; the
  # deploy switches it through its runtime API (no reload). Its state (what it
  # sends to, the release history) lives in /var/lib/proxy (a volume).
  # passwd and adduser: the package's maintainer script adds a haproxy user.
  make_rootfs --include=passwd,adduser,haproxy \
    --customize-hook='mkdir -p "$1"/var/lib/proxy && chown 10001:10001 "$1"/var/lib/proxy' \
    --customize-hook="copy-in $here/proxy-entrypoint.sh /usr/local/bin"
  import_rootfs \
      --change 'USER 10001:10001' \
      --change 'VOLUME /var/lib/proxy' \
      --change 'EXPOSE 8080' \
      --change 'ENTRYPOINT ["/usr/local/bin/proxy-entrypoint.sh"]'
  ;;
*) echo "build-base: unknown recipe '$recipe' (python, python-runtime, postgres, pgvector, postgis, mariadb, redis, rabbitmq, registry, swarm-node or proxy)" >&2; exit 2 ;;
esac
