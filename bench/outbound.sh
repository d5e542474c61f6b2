#!/usr/bin/env bash
# Outbound data sync under load, on PostgreSQL (release build; hub, database, load and receiver on
# one host). Writes bench/results/<date>-outbound-<cores>cores.md.
#   latency   32 terminals posting one five-line sale each at 6.25/s (200 transactions/s, open
#             loop) while a subscription to transaction.accepted and stock.changed (6 events a
#             sale, batches of up to 100) delivers to bench/receiver.py: commit-to-delivery p50/p99
#   ingest    the same terminals flat out (one sale per request, then batches of 20): with no
#             subscription; with the subscription paused (its events written, none delivered):
#             what the outbox costs ingest; and delivering to the receiver on the same two cores
#   drain     the subscription paused while sales pile up, then resumed: deliveries per second
# Needs PostgreSQL (started here if installed but down), python3, curl and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
target=${CARGO_TARGET_DIR:-target}
seconds=${BENCH_SECONDS:-20}
export HUBSHAKE_ADMIN_CLIENT_ID=bench HUBSHAKE_ADMIN_CLIENT_SECRET=bench-secret-for-the-run

if ! pg_isready -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  until pg_isready -q; do sleep 0.5; done
fi
cargo build --release -p hubshake -p hubshake-agent
hub_bin="$target/release/hubshake"
agent_bin="$target/release/hubshake-agent"

work=$(mktemp -d)
port=18090
receiver_port=18091
HUB="http://127.0.0.1:$port"
RECEIVER="http://127.0.0.1:$receiver_port"
python3 bench/receiver.py "$receiver_port" &
receiver_pid=$!
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_outbound' -c 'CREATE DATABASE hubshake_bench_outbound'
HUBSHAKE_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_outbound" \
  HUBSHAKE_LISTEN=127.0.0.1:$port HUBSHAKE_LOG=warn HUBSHAKE_DATABASE_MAX_CONNECTIONS=32 \
  HUBSHAKE_TOKEN_ATTEMPTS_PER_MINUTE=100000 \
  HUBSHAKE_BUDGET_SYNC=4000000000/60s HUBSHAKE_BUDGET_INGEST=4000000000/60s \
  HUBSHAKE_BUDGET_READ=4000000000/60s HUBSHAKE_BUDGET_WRITE=4000000000/60s \
  HUBSHAKE_OUTBOUND_ALLOW_HTTP=true HUBSHAKE_OUTBOUND_ALLOWED_NETWORKS=127.0.0.0/8 \
  "$hub_bin" >"$work/hub.log" 2>&1 &
hub_pid=$!
trap 'kill $hub_pid $receiver_pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf "$HUB/healthz" >/dev/null && curl -sf "$RECEIVER/stats" >/dev/null; do sleep 0.2; done

TOKEN=$(curl -sf -u "$HUBSHAKE_ADMIN_CLIENT_ID:$HUBSHAKE_ADMIN_CLIENT_SECRET" -d grant_type=client_credentials "$HUB/oauth/token" | jq -r .access_token)
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
swarm() {
  local name=$1; shift
  "$agent_bin" swarm --hub "$HUB" --hub-pid "$hub_pid" --json "$work/$name.json" "$@" >/dev/null
}
j() { jq -r "$2" "$work/$1.json"; }
# Waits until the subscription has delivered everything; prints the seconds it took.
caught_up() {
  local started=$(date +%s.%N)
  until [ "$(api "$HUB/api/v1/subscriptions/$SUB" | jq '.cursor == .head')" = true ]; do sleep 0.05; done
  echo "$(date +%s.%N) - $started" | bc
}
open_loop=(--terminals 32 --branches 20 --sales-per-sec 6.25 --batch 1 --lines 5 --duration-secs "$seconds")
flat_single=(--terminals 32 --branches 20 --sales-per-sec 0 --batch 1 --lines 5 --duration-secs "$seconds")
flat_batched=(--terminals 32 --branches 20 --sales-per-sec 0 --batch 20 --lines 5 --duration-secs "$seconds")

swarm seed --mode seed --items 10000
swarm without-open "${open_loop[@]}"
swarm without-single "${flat_single[@]}"
swarm without-batched "${flat_batched[@]}"

SUB=$(api -d "{\"name\":\"bench\",\"url\":\"$RECEIVER/hook\",\"event_types\":[\"transaction.accepted\",\"stock.changed\"],\"batch_size\":100}" "$HUB/api/v1/subscriptions" | jq -r .id)
api -X POST "$RECEIVER/reset" >/dev/null
swarm with-open "${open_loop[@]}"
caught_up >/dev/null
curl -sf "$RECEIVER/stats" >"$work/latency.json"
swarm with-single "${flat_single[@]}"
swarm with-batched "${flat_batched[@]}"
caught_up >/dev/null

# Paused, the subscription still has its events written, and nothing delivered: what writing
# them costs ingest, apart from the delivering (and the receiver) sharing the two cores.
api -X POST "$HUB/api/v1/subscriptions/$SUB/pause" >/dev/null
swarm paused-single "${flat_single[@]}"
swarm backlog "${flat_batched[@]}"
backlog_events=$(( ($(j paused-single .transactions) + $(j backlog .transactions)) * 6 ))
api -X POST "$RECEIVER/reset" >/dev/null
api -X POST "$HUB/api/v1/subscriptions/$SUB/resume" >/dev/null
drain_secs=$(caught_up)
curl -sf "$RECEIVER/stats" >"$work/drain.json"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
p() { jq -r "$2" "$work/$1.json"; }
report="bench/results/$(date +%Y-%m-%d)-outbound-$(nproc)cores.md"
mkdir -p bench/results
{
  echo "# Outbound data sync under load, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(nproc) cores; PostgreSQL; hub, database, load generator and receiver on one host; ${seconds} s per run; one subscription to \`transaction.accepted\` and \`stock.changed\` (six events a five-line sale), batches of up to 100. \`bash bench/outbound.sh\`."
  echo
  echo "| measure | target | reached |"
  echo "| --- | --- | --- |"
  echo "| commit-to-delivery at 200 tx/s (32 terminals, open loop) | p99 ≤ 1 s | p50 $(p latency .p50_ms) ms, p99 $(p latency .p99_ms) ms, max $(p latency .max_ms) ms over $(p latency .events) events |"
  sale_p99='.endpoints[] | select(.endpoint | test("transactions")) | .p99_ms | round'
  echo "| single-sale ingest p99 at 200 tx/s, without → with | — | $(j without-open "$sale_p99") ms → $(j with-open "$sale_p99") ms |"
  echo "| single-sale ingest flat out, events written (subscription paused) ÷ no subscription | ≥ 0.85 | $(ratio "$(j paused-single .transactions_per_sec)" "$(j without-single .transactions_per_sec)") ($(rate "$(j without-single .transactions_per_sec)") → $(rate "$(j paused-single .transactions_per_sec)") tx/s) |"
  echo "| batched ingest flat out, events written (subscription paused) ÷ no subscription | ≥ 0.85 | $(ratio "$(j backlog .transactions_per_sec)" "$(j without-batched .transactions_per_sec)") ($(rate "$(j without-batched .transactions_per_sec)") → $(rate "$(j backlog .transactions_per_sec)") tx/s) |"
  echo "| single-sale ingest flat out, delivering to the receiver on the same cores ÷ no subscription | — | $(ratio "$(j with-single .transactions_per_sec)" "$(j without-single .transactions_per_sec)") ($(rate "$(j with-single .transactions_per_sec)") tx/s) |"
  echo "| batched ingest flat out, delivering to the receiver on the same cores ÷ no subscription | — | $(ratio "$(j with-batched .transactions_per_sec)" "$(j without-batched .transactions_per_sec)") ($(rate "$(j with-batched .transactions_per_sec)") tx/s) |"
  echo "| drain of a backlog of $backlog_events events | — | $(rate "$(awk -v e="$(p drain .events)" -v s="$drain_secs" 'BEGIN { print e / s }')") events/s ($(p drain .events) events in $(printf '%.1f' "$drain_secs") s) |"
} >"$report"
cat "$report"
