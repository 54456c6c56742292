#!/bin/sh
# Trim a container of the python substitute down to what a built venv needs to
# run: the python-runtime flavour. Run as root with no network, inside a
# container of local/python:<version>; build-base.sh exports what is left.
# Deriving it from the builder's own root filesystem keeps the interpreter the
# one the venv was made with, and takes seconds where a second mmdebstrap took
# a minute.
#   python-runtime.sh VERSION
set -eu
version=$1
lib=/usr/lib/python$version

# What only installs, builds or administers a system: apt, dpkg's scripts'
# helpers (perl, debconf), logins and PAM, util-linux, the user tools, pip and
# venv's wheels. Patterns, since suites name packages differently.
tools='apt gpgv sqv debian-archive-keyring perl-base debconf util-linux util-linux-extra bsdutils login passwd
  adduser base-passwd sysvinit-utils diffutils ncurses-bin openssl python3-venv python*-venv python3-pip-whl
  python3-setuptools-whl'
# The libraries those used, which go only where nothing left needs them
# (trixie's coreutils links libsystemd, bookworm's does not).
libraries='libapt-pkg* libdebconfclient0 libpam* libsystemd0 libudev1 libgcrypt20 libgpg-error0 libsmartcols1
  libmount1 libseccomp2 libaudit1 libaudit-common libcap-ng0 libsemanage* libsepol* libxxhash0 liblz4-1
  libgnutls30* libhogweed* libnettle* libp11-kit0 libtasn1-6 libunistring* libidn2-0
  libnsl2 libtirpc* libgssapi-krb5-2 libkrb5-3 libkrb5support0 libk5crypto3 libkeyutils1 libcom-err2'

# The installed packages matching any of the patterns given.
installed() {
  for name in $(dpkg-query -W -f '${Package}\n'); do
    for pattern in "$@"; do
      # shellcheck disable=SC2254 # the pattern is meant to glob
      case $name in $pattern) echo "$name"; break ;; esac
    done
  done
}
# Their maintainer scripts call tools that go in the same step (debconf,
# deb-systemd-helper), and nothing they would undo was ever set up in an image.
purge() {
  for name in "$@"; do
    for script in prerm postrm; do rm -f /var/lib/dpkg/info/"$name"."$script" /var/lib/dpkg/info/"$name":*."$script"; done
  done
  dpkg --purge --force-remove-essential --force-depends --force-bad-path "$@" >/tmp/purge.log 2>&1 || {
    cat /tmp/purge.log >&2; exit 1; }
}
# Every program and shared object left, one path each.
everything() {
  for file in /bin/* /sbin/* /usr/bin/* /usr/sbin/* "$lib"/lib-dynload/*.so /usr/lib/*-linux-gnu/*.so*; do
    [ -f "$file" ] && readlink -f "$file"
  done | sort -u
}
# What the files given resolve to (paths), and "x needs y" for a library not found.
links() {
  for file in "$@"; do
    ldd "$file" 2>/dev/null | sed -n "s|^\s*\(\S*\) => not found|$file needs \1|p; s|.* => \(/\S*\) .*|\1|p"
  done | sort -u
}
# The files of the packages given, one path each.
files() { for name in "$@"; do dpkg -L "$name"; done | xargs -r readlink -f | sort -u; }

# nis (3.12 and older), a dead battery removed in 3.13 (PEP 594), is what alone
# needs Sun RPC and Kerberos (2 MB).
rm -f "$lib"/lib-dynload/nis.*.so
set -f  # the patterns are the case statement's, not the shell's
tools=$(installed $tools) candidates=$(installed $libraries)
set +f
# shellcheck disable=SC2086 # one word per package
purge $tools
# shellcheck disable=SC2086
kept=$(everything | grep -vxF "$(files $candidates)" || true)
# shellcheck disable=SC2086
used=$(links $kept | grep '^/' | xargs -r readlink -f | sort -u || true)
unneeded=$(for name in $candidates; do files "$name" | grep -qxF "$used" || echo "$name"; done)
# shellcheck disable=SC2086 # one word per package
[ -z "$unneeded" ] || purge $unneeded
# dpkg last, by itself: its status file stays, so scanners still see every package left.
purge dpkg

# pip (installed to /usr/local as the official image has it), the C headers,
# ensurepip and the stdlib's own test suite; dpkg's checksums and debconf's
# cache, which nothing reads without dpkg.
rm -rf /usr/local/bin/pip* /usr/local/lib/python"$version" /usr/include "$lib"/ensurepip "$lib"/test \
  "$lib"/lib-dynload/_test*.so "$lib"/lib-dynload/xxlimited*.so /var/cache/debconf /var/lib/dpkg/info/*.md5sums \
  /tmp/purge.log

# The stdlib's bytecode without column tables (3.11 on), as the venv's is: a
# traceback still names file and line (1 MB).
PYTHONNODEBUGRANGES=1 python"$version" -m compileall -qq -f -j 0 "$lib" >/dev/null || true

# Nothing left may need a library that went, and the stdlib's extension modules import.
# shellcheck disable=SC2046
missing=$(links $(everything) | grep ' needs ' || true)
[ -z "$missing" ] || { echo "python-runtime: trimmed too far: $missing" >&2; exit 1; }
python"$version" -c "import ssl, sqlite3, ctypes, decimal, asyncio, uuid, lzma, bz2, zoneinfo; zoneinfo.ZoneInfo('Europe/Paris')"
rm -f "$0"
