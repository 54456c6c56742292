#!/bin/sh
# A Docker host reached over SSH (inv test-host.up). The task mounts /keys:
# the host key it generated (so its known_hosts can be strict) and the public
# key allowed to log in as root, the user that owns the engine's socket.
set -eu
install -m 600 /keys/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
install -m 644 /keys/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub
install -d -m 700 /root/.ssh
install -m 600 /keys/authorized_keys /root/.ssh/authorized_keys
mkdir -p /run/sshd
/usr/sbin/sshd -o PasswordAuthentication=no -o PermitRootLogin=prohibit-password \
  -o HostKey=/etc/ssh/ssh_host_ed25519_key -o AllowStreamLocalForwarding=yes -o AllowTcpForwarding=yes
# /var/lib/docker is a volume on the host's filesystem, so overlay2 works there.
exec dockerd "$@"
