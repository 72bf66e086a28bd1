# shellcheck shell=bash
# Sourced by the server benchmarks (bench/experiment-list.sh, submit-to-running.sh,
# platform-overhead.sh): starts ./digitlab server on 127.0.0.1 with a temporary data home and
# stops it when the script exits. Not a script of its own.
#
# After `bench_init`:   $root, $work (temp dir, removed at exit), $java (the launcher's JDK)
# `start_server ARGS…`  starts `./digitlab server --home $work/home --port 0 ARGS…`, waits until it
#                       answers, sets $server_url and $server_pid; its output goes to
#                       $work/server-<n>.log (printed on stderr if it fails to start). With
#                       $launcher set (see `base_launcher`), that launcher instead of ./digitlab
# `base_launcher JAR`   prints the path of a copy of ./digitlab that runs JAR (e.g. a jar built at
#                       an earlier commit), with the same JVM options and allocator, for a
#                       reference measured in the same run
# `stop_server`         SIGTERM, then waits (SIGKILL after 30 s); also run at exit
# `run_bg CMD…`         runs CMD in the background and waits for it, so that a SIGTERM or SIGINT
#                       sent to the script alone stops it at once (the exit trap ends CMD too)
# `store_finished_trials N M`  N experiments of M succeeded trials each in $work/home's H2 file:
#                       submitted through the API of a server with no worker, then marked
#                       succeeded with synthetic metrics by one SQL transaction (server stopped)
# `link_datasets`       $work/home/datasets -> the MNIST files of ~/.digitlab (or $DATA_HOME),
#                       fetched once with ./digitlab data fetch, so no benchmark downloads anything

note() { echo "bench: $*" >&2; }

# positive_number NAME VALUE: exits 2, naming the setting, unless VALUE is a whole number above 0.
positive_number() {
  case $2 in '' | *[!0-9]* | 0) note "$1 must be a positive number, got '$2'"; exit 2 ;; esac
}

bench_init() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  work=$(mktemp -d "${TMPDIR:-/tmp}/digitlab-bench.XXXXXX")
  mkdir -p "$work/home"
  server_pid=""
  server_count=0
  bg_pid=""
  trap 'stop_bg; stop_server; rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM
  # Builds the jar if it is missing or stale (as any ./digitlab command does) and names the JDK
  # that runs the Java benchmark client.
  # shellcheck disable=SC2034 # used by the scripts that source this file
  java="$("$root/digitlab" --print-java-home)/bin/java"
  "$root/digitlab" --version >&2
}

run_bg() {
  "$@" &
  bg_pid=$!
  local status=0
  wait "$bg_pid" || status=$?
  bg_pid=""
  return "$status"
}

stop_bg() {
  [ -n "${bg_pid:-}" ] || return 0
  kill -TERM "$bg_pid" 2>/dev/null || true
  wait "$bg_pid" 2>/dev/null || true
  bg_pid=""
}

store_finished_trials() {
  # 1. Migrate the schema and store the experiments and their trials through the API.
  start_server --worker-slots 0
  run_bg "$java" "$root/bench/java/ServerBench.java" seed-experiments "$server_url" "$1" "$2"
  stop_server
  # 2. Final states for every trial with SQL, on the stopped server's H2 file, with the very
  #    driver the server uses (extracted from the jar).
  unzip -q -j -o "$root/digitlab-cli/target/digitlab.jar" 'BOOT-INF/lib/h2-*.jar' -d "$work/h2"
  local h2_jar jdbc_url
  h2_jar=$(ls "$work"/h2/h2-*.jar)
  jdbc_url="jdbc:h2:file:$work/home/db/digitlab;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0"
  run_bg "$java" -cp "$h2_jar" "$root/bench/java/ServerBench.java" finish-trials "$jdbc_url"
}

link_datasets() {
  local data_home=${DATA_HOME:-$HOME/.digitlab}
  if [ ! -f "$data_home/datasets/mnist/train-images-idx3-ubyte" ]; then
    note "fetching MNIST into $data_home (once)"
    DIGITLAB_HOME=$data_home "$root/digitlab" data fetch >&2
  fi
  ln -s "$data_home/datasets" "$work/home/datasets"
}

base_launcher() {
  local dir=$work/base
  mkdir -p "$dir/digitlab-cli/target"
  cp "$root/digitlab" "$dir/digitlab"
  cp "$1" "$dir/digitlab-cli/target/digitlab.jar"
  # The launcher rebuilds a jar older than its sources: this copy has none newer than the jar.
  cp "$root/pom.xml" "$dir/pom.xml" && touch -d '2000-01-01' "$dir/pom.xml"
  printf '%s\n' "$dir/digitlab"
}

start_server() {
  server_count=$((server_count + 1))
  local log=$work/server-$server_count.log deadline=$((SECONDS + ${SERVER_START_TIMEOUT:-180}))
  note "starting: digitlab server --home $work/home --port 0 $*"
  DIGITLAB_HOME=$work/home DIGITLAB_DEBUG=1 "${launcher:-$root/digitlab}" server --home "$work/home" \
    --bind 127.0.0.1 --port 0 "$@" >"$log" 2>&1 &
  server_pid=$!
  local port=""
  while [ -z "$port" ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      note "the server exited before it answered; its output:"
      cat "$log" >&2
      server_pid=""
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      note "the server did not start within ${SERVER_START_TIMEOUT:-180} s; its output:"
      cat "$log" >&2
      exit 1
    fi
    sleep 0.2
    port=$(sed -n 's#^Digit Lab server is running; open http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$log")
  done
  server_url=http://127.0.0.1:$port
  # The launcher's debug line says which JVM options the server runs with.
  server_java_opts=$(sed -n 's#^digitlab: exec [^ ]*/bin/java \(.*\) -jar .*#\1#p' "$log" | head -n 1)
  note "server $server_pid answers at $server_url (JVM options: $server_java_opts)"
}

stop_server() {
  [ -n "${server_pid:-}" ] || return 0
  local pid=$server_pid deadline=$((SECONDS + 30))
  server_pid=""
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      note "server $pid did not stop within 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
}

# The id of the only trial of a new one-trial experiment called $1 (needs jq).
new_trial() {
  curl -sf -H 'Content-Type: application/yaml' \
    --data-binary "name: $1
config: {model: mlp, epochs: 1}
" "$server_url/api/v1/experiments" | jq -r '.trials[0].id'
}
