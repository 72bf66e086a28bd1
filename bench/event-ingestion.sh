#!/usr/bin/env bash
# Benchmark (not a test): metric points per second through POST /api/v1/trials/{id}/events into
# the embedded H2 database, against the same points inserted with plain JDBC batches into the same
# H2 file (no HTTP, no JSON, no idempotency check). Prints one JSON line. See bench/README.md.
#
#   bench/event-ingestion.sh                 # 200,000 points in batches of 5,000
#   POINTS=50000 BATCH=1000 bench/event-ingestion.sh
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
points=${POINTS:-200000}
batch=${BATCH:-5000}
# shellcheck source=lib/server.sh
. "$here/lib/server.sh"
bench_init
start_server --worker-slots 0
server_home=$work/home
trial=$(new_trial bench-ingestion)
note "server $server_url, trial $trial: posting $points points in batches of $batch"
ours=$("$root/digitlab" bench ingest --server "$server_url" --trial "$trial" \
  --points "$points" --batch "$batch")
stop_server # releases the H2 file for the reference

note "reference: the same points with plain JDBC batch inserts into $server_home/db"
ref=$("$root/digitlab" bench jdbc-insert --trial "$trial" --points "$points" --batch "$batch" \
  --url "jdbc:h2:file:$server_home/db/digitlab;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0")

jq -nc --argjson ours "$ours" --argjson ref "$ref" '{
  bench: "event-ingestion", points: $ours.points, batch: $ours.batch,
  ours_points_per_second: $ours.points_per_second,
  ref_points_per_second: $ref.points_per_second,
  ratio: (($ours.points_per_second / $ref.points_per_second * 1000 | round) / 1000),
  target_points_per_second: 100000
}'
