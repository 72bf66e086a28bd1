# shellcheck shell=bash
# Sourced by bench/chaos.sh, bench/workers-grid.sh and bench/cancel-latency.sh (after
# lib/server.sh and `bench_init`): a server (by default without an embedded worker) on a fixed
# loopback port, so it can be killed and restarted where its workers expect it, and remote
# `./digitlab worker` processes. Not a script of its own.
#
# `cluster_init`          picks a free port; sets $server_url
# `cluster_server`        starts the server on $work/home (again after a kill: same database);
#                         waits until it answers; $server_pid. Extra settings via $SERVER_ENV
#                         (e.g. "DIGITLAB_WORKER_LEASE=8s"); embedded worker slots via
#                         $SERVER_SLOTS (default 0)
# `start_worker NAME`     starts a worker in $work/NAME (its own home; datasets linked);
#                         ${worker_pids[NAME]}; output appended to $work/NAME.log; extra
#                         environment via $WORKER_ENV (e.g. "OMP_NUM_THREADS=1")
# `kill_worker NAME`      SIGKILL
# `stop_cluster`          SIGTERM to all (also at exit)
# `submit_file FILE`      prints the new experiment's id
# `await_experiment ID`   waits until no trial of it is queued or running (tolerates a server
#                         that is down meanwhile)

# shellcheck disable=SC2154 # root, java, work and note come from lib/server.sh's bench_init
declare -A worker_pids=()

cluster_init() {
  cluster_port=$("$java" "$root/bench/java/FreePort.java")
  server_url=http://127.0.0.1:$cluster_port
  trap 'stop_cluster; stop_bg; rm -rf "$work"' EXIT
}

cluster_server() {
  server_count=$((server_count + 1))
  local log=$work/server-$server_count.log deadline=$((SECONDS + ${SERVER_START_TIMEOUT:-180}))
  # shellcheck disable=SC2086 # SERVER_ENV is a list of NAME=VALUE words
  env ${SERVER_ENV:-} DIGITLAB_HOME="$work/home" "$root/digitlab" server --home "$work/home" \
    --bind 127.0.0.1 --port "$cluster_port" --worker-slots "${SERVER_SLOTS:-0}" >"$log" 2>&1 &
  server_pid=$!
  until grep -q '^Digit Lab server is running' "$log"; do
    if ! kill -0 "$server_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      note "the server did not start; its output:"
      cat "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

start_worker() {
  local name=$1
  if [ ! -d "$work/$name" ]; then
    mkdir -p "$work/$name"
    ln -s "$work/home/datasets" "$work/$name/datasets"
  fi
  # shellcheck disable=SC2086 # WORKER_ENV is a list of NAME=VALUE words
  env ${WORKER_ENV:-} "$root/digitlab" worker --server "$server_url" --name "$name" \
    --home "$work/$name" >>"$work/$name.log" 2>&1 &
  worker_pids[$name]=$!
}

kill_worker() {
  local pid=${worker_pids[$1]:-}
  [ -n "$pid" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  worker_pids[$1]=""
}

kill_server() {
  [ -n "${server_pid:-}" ] || return 0
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

stop_cluster() {
  local name pid
  for name in "${!worker_pids[@]}"; do
    pid=${worker_pids[$name]}
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for name in "${!worker_pids[@]}"; do
    pid=${worker_pids[$name]}
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
    worker_pids[$name]=""
  done
  stop_server
}

submit_file() {
  curl -sf -H 'Content-Type: application/yaml' --data-binary "@$1" \
    "$server_url/api/v1/experiments" | jq -r '.id'
}

# How many of the experiment's trials are queued or running; "down" when the server is.
unfinished() {
  curl -sf "$server_url/api/v1/experiments/$1" 2>/dev/null |
    jq '[.trials[] | select(.status == "queued" or .status == "running")] | length' ||
    echo down
}

await_experiment() {
  local left
  while true; do
    left=$(unfinished "$1")
    [ "$left" = 0 ] && return 0
    sleep 0.5
  done
}
