#!/usr/bin/env bash
# Screenshots of every page of the web UI at 1400 px and 400 px wide, into docs/screenshots/:
# starts ./digitlab server --auth on a temporary home (MNIST linked from ~/.digitlab), stores some
# data through the API with the first admin token (a 3-trial learning-rate grid the embedded worker
# trains, a pipeline run, a registered model with two versions, one in production, and a trial that
# waits for a GPU worker), then drives
# Debian's headless Chromium through chromedriver (shoot.py, Python's standard library only): logs
# in through the login page and photographs each page, its whole height (up to 3000 px).
#
#   docs/screenshots/take.sh                 # writes docs/screenshots/<page>-<width>.png
#   OUT=/tmp/shots docs/screenshots/take.sh
#
# Needs chromium and chromium-driver (as the browser tests), python3, curl, jq, and a built jar:
# `./mvnw -q -B -o -DskipTests package` in this checkout first. On a shared machine run both under
# `nice -n 19` (the server and Chromium inherit it).
#
# Settings (environment): OUT (default: this folder), SERVER_START_TIMEOUT (seconds, default 600),
# GRID_TIMEOUT (seconds the grid may take, default 1200), TRAIN_SUBSET (images a trial trains on,
# default 3000).
#
# It runs the server of the checkout it lives in (a git worktree's own jar), never another one:
# run it as ./docs/screenshots/take.sh from the worktree whose pages you want. It refuses to start
# when that checkout's jar is missing or older than its sources, because the launcher would then
# run Maven itself, at normal priority, in the checkout the script lives in. (An earlier run built
# in the main checkout while its author worked in a worktree: the script resolves its paths from
# its own location, so that run was most likely the main checkout's copy of take.sh, called from a
# worktree; both guards stop that.)
set -euo pipefail
here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
checkout=$(cd -P "$here/../.." && pwd)
if top=$(git rev-parse --show-toplevel 2>/dev/null) && [ "$(cd -P "$top" && pwd)" != "$checkout" ]; then
  echo "take.sh: this script belongs to $checkout but you are in $top;" \
    "run $top/docs/screenshots/take.sh instead" >&2
  exit 2
fi
jar=$checkout/digitlab-cli/target/digitlab.jar
if [ ! -f "$jar" ] || [ -n "$(find "$checkout/pom.xml" "$checkout"/*/pom.xml "$checkout"/*/src/main \
  -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "take.sh: $jar is missing or older than the sources; build it first:" \
    "(cd $checkout && nice -n 19 ./mvnw -q -B -o -DskipTests package);" \
    "if the jar stays old, delete it and build again (Maven may skip repackaging when only" \
    "another module changed, e.g. after a -pl digitlab-server verify)" >&2
  exit 2
fi
export SERVER_START_TIMEOUT=${SERVER_START_TIMEOUT:-600}
# shellcheck source=bench/lib/server.sh
source "$here/../../bench/lib/server.sh"
out=${OUT:-$here}

bench_init
link_datasets
start_server --auth --allow-commands --worker-slots 1
token=$(cat "$work/home/admin-token")
api() { # method path [json body]
  curl -sf -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data-binary "$3"} "$server_url$2"
}
yaml() { # path yaml
  curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/yaml' \
    --data-binary "$2" "$server_url$1"
}

note "storing a grid of three learning rates"
experiment=$(yaml /api/v1/experiments 'name: lr-grid
description: three learning rates for a small MLP
tags: [mlp, baseline]
config: {model: mlp, epochs: 2, hiddenSizes: [64], trainSubset: '"${TRAIN_SUBSET:-3000}"', seed: 7}
search: {type: grid, parameters: {learningRate: [0.0005, 0.003, 0.01]}}
' | jq -r .id)
note "running a pipeline"
yaml /api/v1/pipelines 'name: sweep-and-summarise
steps:
  - {name: ingest, type: ingest, parameters: {dataset: mnist}}
  - {name: eda, type: eda, dependsOn: [ingest], parameters: {dataset: mnist, samplesPerClass: 4}}
  - name: fit
    type: command
    dependsOn: [ingest]
    sweep: {parameter: degree, values: [1, 2, 3]}
    retries: {maxAttempts: 2, backoffSeconds: 0.1}
    faults: {fail: 1}
    parameters:
      executable: sh
      args: ["-c", "echo fitting degree $DIGITLAB_PARAM_DEGREE; sleep 1; echo metric score=$DIGITLAB_PARAM_DEGREE"]
  - {name: summary, type: summary, dependsOn: [fit], parameters: {metric: score, goal: max}}
' >/dev/null
deadline=$((SECONDS + ${GRID_TIMEOUT:-1200}))
until [ "$(api GET "/api/v1/experiments/$experiment" | jq -r .status)" = succeeded ]; do
  [ "$SECONDS" -lt "$deadline" ] || { note "the grid did not finish in ${GRID_TIMEOUT:-1200} s"; exit 1; }
  sleep 2
done
note "grid done after $SECONDS s"
mapfile -t trial_ids < <(api GET "/api/v1/experiments/$experiment" | jq -r '.trials[].id')
best=$(api GET "/api/v1/experiments/$experiment" | jq -r .bestTrialId)
note "registering trials ${trial_ids[0]} and $best as digits v1, v2; v2 to production"
api POST /api/v1/models/digits/versions "{\"trialId\": ${trial_ids[0]}, \"description\": \"first try\"}" >/dev/null
api POST /api/v1/models/digits/versions "{\"trialId\": $best, \"description\": \"best learning rate of the grid\"}" >/dev/null
api PUT /api/v1/models/digits/aliases/staging '{"version": 1}' >/dev/null
api PUT /api/v1/models/digits/aliases/production '{"version": 2, "reason": "best of the grid"}' >/dev/null
api PATCH "/api/v1/experiments/$experiment" '{"notes": "0.01 learns fastest in two epochs; try 3 epochs next."}' >/dev/null
pipeline=$(api GET /api/v1/pipelines | jq -r '.[0].id')
until api GET "/api/v1/pipelines/$pipeline" | jq -e '.status == "succeeded" or .status == "failed"' >/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || { note "the pipeline did not finish in time"; exit 1; }
  sleep 1
done

note "a trial no worker here can take (it needs a GPU): pages say why it waits"
gpu_experiment=$(yaml /api/v1/experiments 'name: needs-gpu
description: waits for a worker with a GPU
config: {model: mlp, epochs: 1, device: gpu}
' | jq -r .id)
gpu_trial=$(api GET "/api/v1/experiments/$gpu_experiment" | jq -r '.trials[0].id')

mkdir -p "$out"
run_bg python3 "$here/shoot.py" "$server_url" "$token" "$out" "$experiment" "${trial_ids[0]}" "$best" "$pipeline" "$gpu_trial"
note "screenshots in $out"
