#!/usr/bin/env bash
# Benchmark (not a test): metric points per second through POST /api/v1/trials/{id}/events into
# the embedded H2 database (stored as event blocks, many points to a row), against the same points
# inserted with plain JDBC batches, one row per point, into a scratch table shaped like the old
# one-row-per-event trial_event in the same H2 file (no HTTP, no JSON, no idempotency check; the
# client creates and drops it). Prints one JSON line. See bench/README.md.
#
#   bench/event-ingestion.sh                 # 200,000 points in batches of 5,000
#   POINTS=50000 BATCH=1000 bench/event-ingestion.sh
#   DATABASE_URL='jdbc:postgresql://127.0.0.1:55432/bench?user=postgres' bench/event-ingestion.sh
#                                            # PostgreSQL instead (a database the bench may fill)
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
points=${POINTS:-200000}
batch=${BATCH:-5000}
# shellcheck source=lib/server.sh
. "$here/lib/server.sh"
bench_init
database_url=${DATABASE_URL:-}
if [ -n "$database_url" ]; then
  start_server --worker-slots 0 --database-url "$database_url"
else
  start_server --worker-slots 0
fi
server_home=$work/home
trial=$(new_trial bench-ingestion)
note "server $server_url, trial $trial: posting $points points in batches of $batch"
ours=$("$root/digitlab" bench ingest --server "$server_url" --trial "$trial" \
  --points "$points" --batch "$batch")
stop_server # releases the H2 file for the reference

ref_url=${database_url:-"jdbc:h2:file:$server_home/db/digitlab;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0"}
note "reference: the same points with plain JDBC batch inserts into ${ref_url%%[?;]*}"
ref=$("$root/digitlab" bench jdbc-insert --trial "$trial" --points "$points" --batch "$batch" \
  --url "$ref_url")

database=h2
[ -z "$database_url" ] || database=$(echo "$database_url" | sed 's#^jdbc:\([a-z0-9]*\):.*#\1#')
jq -nc --argjson ours "$ours" --argjson ref "$ref" --arg database "$database" '{
  bench: "event-ingestion", database: $database, points: $ours.points, batch: $ours.batch,
  ours_points_per_second: $ours.points_per_second,
  ref_points_per_second: $ref.points_per_second,
  ratio: (($ours.points_per_second / $ref.points_per_second * 1000 | round) / 1000),
  target_points_per_second: 100000
}'
