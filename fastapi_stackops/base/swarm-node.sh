#!/bin/sh
# A Swarm worker: a Docker engine in a container (inv cluster.up).
# REGISTRY_FORWARD=ip:port makes that registry answer on this node's loopback
# at REGISTRY_PORT, the port the host publishes it on: every node pulls an
# image by the one name the manager uses (127.0.0.1:PORT/...), and the engine
# trusts it as it trusts any loopback registry, without TLS or --insecure-registry.
set -eu
if [ -n "${REGISTRY_FORWARD:-}" ]; then
  socat "TCP-LISTEN:${REGISTRY_PORT:?the port the manager pulls from},bind=127.0.0.1,fork,reuseaddr" "TCP:$REGISTRY_FORWARD" &
fi
# vfs: overlayfs cannot stack on the container's own overlay root.
exec dockerd --storage-driver=vfs "$@"
