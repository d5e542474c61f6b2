#!/usr/bin/env bash
# Sales channels under load, on PostgreSQL (release build; hub, database and load on one host).
# Writes bench/results/<date>-channels-<cores>cores.md.
#   ingest     32 terminals of 20 branches flat out (one sale a request, then batches of 20):
#              alone, then with a web shop selling from all 20 branches with every item sold
#              mapped (`swarm --channel`): what keeping its availability costs the tills
#   mapping    10,000 items mapped to a channel by SKU (two requests of 5,000)
#   feed       a channel's whole availability feed read from cursor 0, 1,000 items a page
#   orders     32 threads placing one-line orders through the channel's token (backorders
#              allowed, so none is refused for stock)
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
port=18092
HUB="http://127.0.0.1:$port"
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_channels' -c 'CREATE DATABASE hubshake_bench_channels'
HUBSHAKE_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_channels" \
  HUBSHAKE_LISTEN=127.0.0.1:$port HUBSHAKE_LOG=warn HUBSHAKE_DATABASE_MAX_CONNECTIONS=32 \
  HUBSHAKE_TOKEN_ATTEMPTS_PER_MINUTE=100000 \
  HUBSHAKE_BUDGET_SYNC=4000000000/60s HUBSHAKE_BUDGET_INGEST=4000000000/60s \
  HUBSHAKE_BUDGET_READ=4000000000/60s HUBSHAKE_BUDGET_WRITE=4000000000/60s \
  "$hub_bin" >"$work/hub.log" 2>&1 &
hub_pid=$!
trap 'kill $hub_pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf "$HUB/healthz" >/dev/null; do sleep 0.2; done

TOKEN=$(curl -sf -u "$HUBSHAKE_ADMIN_CLIENT_ID:$HUBSHAKE_ADMIN_CLIENT_SECRET" -d grant_type=client_credentials "$HUB/oauth/token" | jq -r .access_token)
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
swarm() {
  local name=$1; shift
  "$agent_bin" swarm --hub "$HUB" --hub-pid "$hub_pid" --json "$work/$name.json" "$@" >/dev/null
}
j() { jq -r "$2" "$work/$1.json"; }
now() { date +%s.%N; }
single=(--terminals 32 --branches 20 --sales-per-sec 0 --batch 1 --lines 5 --duration-secs "$seconds")
batched=(--terminals 32 --branches 20 --sales-per-sec 0 --batch 20 --lines 5 --duration-secs "$seconds")

swarm seed --mode seed --items 10000
swarm alone-single "${single[@]}"
swarm alone-batched "${batched[@]}"
swarm channel-single "${single[@]}" --channel
swarm channel-batched "${batched[@]}" --channel

# A channel of its own over every branch, taking backorders, and all 10,000 items mapped by SKU.
branches=$(api "$HUB/api/v1/branches?limit=500" | jq -c '[.items[].id]')
CHANNEL=$(api -d "{\"name\":\"Bench shop\",\"branch_ids\":$branches,\"allow_backorders\":true}" "$HUB/api/v1/channels")
CHANNEL_ID=$(echo "$CHANNEL" | jq -r .id)
: >"$work/skus"
for offset in $(seq 0 500 9500); do
  api "$HUB/api/v1/items?limit=500&offset=$offset" | jq -r '.items[].sku' >>"$work/skus"
done
started=$(now)
for chunk in 0 5000; do
  sed -n "$((chunk + 1)),$((chunk + 5000))p" "$work/skus" \
    | jq -R '{sku: ., external_id: ("web-" + .)}' | jq -s '{items: .}' >"$work/map.json"
  api -X PUT --data-binary @"$work/map.json" "$HUB/api/v1/channels/$CHANNEL_ID/items" >/dev/null
done
map_secs=$(echo "$(now) - $started" | bc)
CHANNEL_TOKEN=$(curl -sf -u "$(echo "$CHANNEL" | jq -r .client_id):$(echo "$CHANNEL" | jq -r .client_secret)" -d grant_type=client_credentials "$HUB/oauth/token" | jq -r .access_token)
started=$(now)
cursor=0; items=0
while :; do
  page=$(curl -sf -H "Authorization: Bearer $CHANNEL_TOKEN" "$HUB/api/v1/channel/availability?cursor=$cursor&limit=1000")
  items=$((items + $(echo "$page" | jq '.changes | length')))
  cursor=$(echo "$page" | jq .next_cursor)
  [ "$(echo "$page" | jq .has_more)" = true ] || break
done
feed_secs=$(echo "$(now) - $started" | bc)
python3 bench/channel_orders.py "$HUB" "$CHANNEL_TOKEN" 32 "$seconds" $(sed -n '1,1000s/^/web-/p' "$work/skus") >"$work/orders.json"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
report="bench/results/$(date +%Y-%m-%d)-channels-$(nproc)cores.md"
mkdir -p bench/results
{
  echo "# Sales channels under load, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(nproc) cores; PostgreSQL; hub, database and load generator on one host; ${seconds} s per run; 10,000 items; 32 terminals over 20 branches, five-line sales. \`bash bench/channels.sh\`."
  echo
  echo "| measure | reached |"
  echo "| --- | --- |"
  echo "| single-sale ingest flat out, a web shop selling from every branch ÷ none | $(ratio "$(j channel-single .transactions_per_sec)" "$(j alone-single .transactions_per_sec)") ($(rate "$(j alone-single .transactions_per_sec)") → $(rate "$(j channel-single .transactions_per_sec)") tx/s) |"
  echo "| batched ingest flat out, a web shop selling from every branch ÷ none | $(ratio "$(j channel-batched .transactions_per_sec)" "$(j alone-batched .transactions_per_sec)") ($(rate "$(j alone-batched .transactions_per_sec)") → $(rate "$(j channel-batched .transactions_per_sec)") tx/s) |"
  echo "| 10,000 items mapped by SKU (2 × 5,000) | $(printf '%.2f' "$map_secs") s |"
  echo "| whole availability feed from cursor 0 ($items items over 20 branches, pages of 1,000) | $(printf '%.2f' "$feed_secs") s |"
  echo "| orders placed by 32 threads (one line, backorders allowed) | $(jq -r .orders_per_sec "$work/orders.json") orders/s, p50 $(jq -r .p50_ms "$work/orders.json") ms, p99 $(jq -r .p99_ms "$work/orders.json") ms, $(jq -r .refused "$work/orders.json") refused |"
} >"$report"
cat "$report"
