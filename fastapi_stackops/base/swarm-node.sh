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
# /var/lib/docker is a volume (the image's VOLUME) on the host's filesystem, not
# the container's overlay root, so overlay2 works there: vfs copied every layer
# of every image the node loaded.
exec dockerd "$@"
