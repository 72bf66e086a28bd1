# Shared by the event benchmarks: start a throw-away `digitlab server` (no embedded worker) on a
# free port with a temporary data home, and stop it. Source it; needs curl and jq.

# Sets server_home, server_url, server_pid; the server is ready when this returns.
start_server() {
  server_home=$(mktemp -d)
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  server_url="http://127.0.0.1:$port"
  "$root/digitlab" server --worker-slots 0 --port "$port" --home "$server_home" \
    >"$server_home/server.log" 2>&1 &
  server_pid=$!
  local waited=0
  until curl -sf "$server_url/actuator/health/readiness" >/dev/null 2>&1; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      note "the server did not start; its log:"
      cat "$server_home/server.log" >&2
      exit 1
    fi
    if [ "$waited" -ge 300 ]; then
      note "the server did not become ready in 150 s"
      exit 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

stop_server() {
  if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

remove_server_home() {
  stop_server
  if [ -n "${server_home:-}" ]; then rm -rf "$server_home"; fi
}

# Prints the id of the only trial of a new one-trial experiment called $1.
new_trial() {
  curl -sf -H 'Content-Type: application/yaml' \
    --data-binary "name: $1
config: {model: mlp, epochs: 1}
" "$server_url/api/v1/experiments" | jq -r '.trials[0].id'
}
