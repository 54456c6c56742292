"""Shipping a stack past `inv up`: to a server over SSH, to Docker Swarm, to a registry, and as Kubernetes manifests."""
