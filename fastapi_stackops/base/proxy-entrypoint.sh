#!/bin/bash
# The server deploy's reverse proxy (PROXY_PORT in an env): HAProxy.
#   proxy-entrypoint.sh switch CONTAINER:PORT SERVICE:PORT
# (run by inv deploy and inv rollback) sends every new request to one
# container through HAProxy's runtime API, with no reload: connections
# clients hold open stay open (a reload closes idle keep-alive connections,
# racing a client's next request on them), and requests in flight finish on
# the container they started on. It also remembers the service's Compose
# name: started again (a reboot), the proxy sends to whatever container the
# entry service then runs; before any deploy it answers 503.
set -euo pipefail
state=/var/lib/proxy
service_file=$state/upstream  # SERVICE:PORT, for a start
serving_file=$state/serving   # what new requests go to: CONTAINER:PORT, or SERVICE:PORT after a start
config=/tmp/haproxy.cfg
slot_file=/tmp/slot           # the runtime slot (a or b) that serves; none after a start: "service" does
api_port=9999

# One session with the runtime API (loopback only, in this container); the
# commands run in order. An address change is reported; any other answer is
# an error.
api() {
  exec 3<>/dev/tcp/127.0.0.1/$api_port
  printf '%s\n' "$1" >&3
  local answer
  answer=$(grep -v -e '^$' -e "by 'stats socket command'$" <&3 || true)
  exec 3<&-
  if [ -n "$answer" ]; then echo "proxy: $answer" >&2; return 1; fi
}

switch() {
  local upstream=$1 service=$2 host=${1%:*} port=${1##*:} address
  address=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }') || true
  [ -n "$address" ] || { echo "proxy: $host does not resolve on the stack's network" >&2; exit 1; }
  local old; old=$(cat "$slot_file" 2>/dev/null || echo service)
  local new=a; [ "$old" = a ] && new=b
  # The new one ready before the old leaves: never a moment with nothing to send to.
  api "set server release/$new addr $address port $port; set server release/$new state ready; set server release/$old state maint"
  echo "$new" > "$slot_file"
  printf '%s\n' "$service" > "$service_file.next" && mv "$service_file.next" "$service_file"
  printf '%s\n' "$upstream" > "$serving_file.next" && mv "$serving_file.next" "$serving_file"
}

write_config() {
  local service=$1 first
  # Before any deploy "service" has no address and the frontend answers 503.
  if [ -n "$service" ]; then
    first="server service $service resolvers engine init-addr libc,none"
  else
    first="server service 127.0.0.1:1 disabled"
  fi
  cat > "$config" <<HAPROXY
global
	log stderr format raw daemon warning
	stats socket ipv4@127.0.0.1:$api_port level admin
	# A stop (SIGUSR1: Compose's stop_signal for the proxy) lets requests
	# in flight finish, within this bound.
	hard-stop-after 30s

defaults
	mode http
	log global
	option dontlognull
	timeout connect 5s
	timeout client 1m
	timeout http-keep-alive 75s
	timeout server 1h
	timeout tunnel 1h
	# A container that stops between being chosen and connected to is
	# retried on the other one.
	retries 3
	option redispatch 1

resolvers engine
	nameserver docker 127.0.0.11:53
	hold valid 5s

frontend web
	bind :8080
	http-request return status 503 content-type text/plain string "no release is deployed here yet (inv deploy)" if { nbsrv(release) lt 1 }
	default_backend release

backend release
	$first
	server a 127.0.0.1:1 disabled
	server b 127.0.0.1:1 disabled
HAPROXY
}

if [ "${1:-}" = switch ]; then
  switch "${2:?switch CONTAINER:PORT SERVICE:PORT}" "${3:?switch CONTAINER:PORT SERVICE:PORT}"
  exit 0
fi
service=$(cat "$service_file" 2>/dev/null || true)
write_config "$service"
rm -f "$slot_file"
if [ -n "$service" ]; then printf '%s\n' "$service" > "$serving_file"; else rm -f "$serving_file"; fi
exec haproxy -db -f "$config"
