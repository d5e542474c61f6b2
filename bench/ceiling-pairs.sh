#!/usr/bin/env bash
# ceiling-pairs.sh [PAIRS]: the hub's ingest and its write-set ceiling taken in turns, so that
# each ratio compares two measurements a minute apart on this shared machine (one bench/run.sh
# report holds one of each, minutes apart). Run it after bench/run.sh, on the databases it
# leaves (hubshake_bench_run, hubshake_bench_ceiling) and its release build.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
target=${CARGO_TARGET_DIR:-target}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres} PGPORT=${PGPORT:-5432}
export HUBSHAKE_ADMIN_CLIENT_ID=bench HUBSHAKE_ADMIN_CLIENT_SECRET=bench-secret-for-the-run
HUBSHAKE_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_run" \
  HUBSHAKE_LISTEN=127.0.0.1:18097 HUBSHAKE_LOG=warn HUBSHAKE_DATABASE_MAX_CONNECTIONS=32 \
  HUBSHAKE_TOKEN_ATTEMPTS_PER_MINUTE=100000 HUBSHAKE_BUDGET_SYNC=4000000000/60s \
  HUBSHAKE_BUDGET_INGEST=4000000000/60s HUBSHAKE_BUDGET_READ=4000000000/60s \
  HUBSHAKE_BUDGET_WRITE=4000000000/60s "$target/release/hubshake" >/tmp/ceiling-pairs-hub.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf http://127.0.0.1:18097/healthz >/dev/null; do sleep 0.2; done
branches=$(psql -At -d hubshake_bench_ceiling -c 'SELECT count(*) FROM ceiling_branch')
json=$(mktemp)
# ceiling SALES: the write set of SALES sales a statement, in sales/s.
ceiling() {
  pgbench -n -M prepared -c 32 -j 2 -T 20 -f bench/write-set.sql -D sales="$1" -D items=10000 \
    -D branches="$branches" hubshake_bench_ceiling 2>/dev/null | awk -v n="$1" '/^tps/ {print $3 * n}'
}
# hub BATCH: 32 terminals over 20 branches selling five-line sales flat out, in sales/s.
hub() {
  "$target/release/hubshake-agent" swarm --hub http://127.0.0.1:18097 --terminals 32 --branches 20 \
    --sales-per-sec 0 --batch "$1" --lines 5 --duration-secs 20 --json "$json" >/dev/null
  jq .transactions_per_sec "$json"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "| pair | single ceiling | hub, one sale a request | ratio | bulk ceiling | hub, batches of 20 | ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for pair in $(seq "$pairs"); do
  single=$(ceiling 1); hub_single=$(hub 1); bulk=$(ceiling 20); hub_bulk=$(hub 20)
  printf '| %s | %.0f | %.0f | %s | %.0f | %.0f | %s |\n' "$pair" "$single" "$hub_single" \
    "$(ratio "$hub_single" "$single")" "$bulk" "$hub_bulk" "$(ratio "$hub_bulk" "$bulk")"
done
