#!/bin/sh
# The server deploy's reverse proxy (PROXY_PORT in an env).
#   proxy-entrypoint.sh switch CONTAINER:PORT SERVICE:PORT
# (run by inv deploy and inv rollback) sends every request to one container
# and reloads Caddy, which lets requests in flight finish on the
# configuration they started on. It also remembers the service's Compose
# name: started again (a reboot), the proxy sends to whatever container the
# entry service then runs; before any deploy it answers 503.
set -eu
config=/var/lib/proxy/Caddyfile
service=/var/lib/proxy/upstream

write_config() {
  # lb_try_duration: a request that meets a closed upstream port (a container
  # stopping) is retried for a few seconds instead of failing at once.
  if [ -n "$1" ]; then
    handler="reverse_proxy $1 {
		lb_try_duration 10s
	}"
  else
    handler='respond "no release is deployed here yet (inv deploy)" 503'
  fi
  cat > "$config.next" <<CADDY
{
	admin localhost:2019
	auto_https off
}
:8080 {
	$handler
}
CADDY
  mv "$config.next" "$config"
}

if [ "${1:-}" = switch ]; then
  write_config "${2:?switch CONTAINER:PORT SERVICE:PORT}"
  printf '%s\n' "${3:?switch CONTAINER:PORT SERVICE:PORT}" > "$service"
  exec caddy reload --config "$config" --adapter caddyfile
fi
write_config "$(cat "$service" 2>/dev/null || true)"
exec caddy run --config "$config" --adapter caddyfile
