#!/usr/bin/env bash
# The web console's pages on a chain with data, on PostgreSQL (release build; hub, database and
# the client on one host). Writes bench/results/<date>-console-<cores>cores.md.
#   seed       100,000 items, then 32 terminals of 20 branches selling for a while (5-line sales),
#              so the stock, the ledgers, the fleet and the sales days have something in them
#   pages      each page asked for 20 times in a row by one logged-in person (curl with the
#              session cookie): median and slowest time to the last byte, and its size
#   export     a branch's whole stock as CSV
# Needs PostgreSQL (started here if installed but down), curl and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
target=${CARGO_TARGET_DIR:-target}
items=${BENCH_ITEMS:-100000}
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
port=18093
HUB="http://127.0.0.1:$port"
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_console' -c 'CREATE DATABASE hubshake_bench_console'
export HUBSHAKE_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_console"
echo 'a long console password' | "$hub_bin" admin create-user --email bench@example.com --name Bench --password-stdin 2>/dev/null
HUBSHAKE_LISTEN=127.0.0.1:$port HUBSHAKE_LOG=warn HUBSHAKE_DATABASE_MAX_CONNECTIONS=32 \
  HUBSHAKE_TOKEN_ATTEMPTS_PER_MINUTE=100000 \
  HUBSHAKE_BUDGET_SYNC=4000000000/60s HUBSHAKE_BUDGET_INGEST=4000000000/60s \
  HUBSHAKE_BUDGET_READ=4000000000/60s HUBSHAKE_BUDGET_WRITE=4000000000/60s \
  "$hub_bin" >"$work/hub.log" 2>&1 &
hub_pid=$!
trap 'kill $hub_pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf "$HUB/healthz" >/dev/null; do sleep 0.2; done

"$agent_bin" swarm --hub "$HUB" --mode seed --items "$items" >/dev/null
"$agent_bin" swarm --hub "$HUB" --terminals 32 --branches 20 --sales-per-sec 0 --batch 20 \
  --lines 5 --duration-secs "$seconds" --json "$work/ingest.json" >/dev/null
sales=$(jq -r .transactions "$work/ingest.json")

# Log in as a browser does: the form's token and its cookie, then the session cookie.
jar="$work/cookies"
csrf=$(curl -sf -c "$jar" "$HUB/console/login" | grep -o 'name="csrf" value="[^"]*"' | head -n 1 | cut -d'"' -f4)
curl -sf -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode email=bench@example.com --data-urlencode 'password=a long console password' \
  --data-urlencode "csrf=$csrf" "$HUB/console/login"

TOKEN=$(curl -sf -u "$HUBSHAKE_ADMIN_CLIENT_ID:$HUBSHAKE_ADMIN_CLIENT_SECRET" -d grant_type=client_credentials "$HUB/oauth/token" | jq -r .access_token)
branch=$(curl -sf -H "Authorization: Bearer $TOKEN" "$HUB/api/v1/branches?limit=500" | jq -r '.items | sort_by(.code) | .[0].id')
item=$(curl -sf -H "Authorization: Bearer $TOKEN" "$HUB/api/v1/branches/$branch/ledger?limit=1" | jq -r '.items[0].item_id')
levels=$(curl -sf -H "Authorization: Bearer $TOKEN" "$HUB/api/v1/branches/$branch/stock?limit=1" | jq -r .total)

report="bench/results/$(date +%F)-console-$(nproc)cores.md"
{
  echo "# Console pages, $(date +%F), $(nproc) cores"
  echo
  echo "PostgreSQL, release build; $items items, 20 branches, 32 terminals that sold for ${seconds} s"
  echo "(about $sales sales); the first branch holds $levels stock levels. Each page asked 20 times"
  echo "in a row with a logged-in session (\`bench/console.sh\`)."
  echo
  echo "| page | median | slowest | size |"
  echo "| --- | --- | --- | --- |"
} >"$report"

measure() {
  local name=$1 path=$2
  : >"$work/times"
  for _ in $(seq 20); do
    curl -sf -b "$jar" -o "$work/body" -w '%{time_total}\n' "$HUB$path" >>"$work/times"
  done
  local median slowest size
  median=$(sort -n "$work/times" | sed -n 10p)
  slowest=$(sort -n "$work/times" | tail -n 1)
  size=$(wc -c <"$work/body")
  printf '| %s | %.0f ms | %.0f ms | %s KB |\n' "$name" "$(echo "$median * 1000" | bc)" \
    "$(echo "$slowest * 1000" | bc)" "$((size / 1024))" >>"$report"
}

measure "fleet (32 terminals)" "/console/"
measure "stock of a branch, first page" "/console/stock?branch_id=$branch"
measure "stock searched by name" "/console/stock?branch_id=$branch&search=item%2012"
measure "stock below reorder level" "/console/stock?branch_id=$branch&below_reorder=1"
measure "an item's ledger with its chart" "/console/stock/$branch/items/$item"
measure "transfers" "/console/transfers"
measure "sales, all 20 branches, 30-day chart, top items" "/console/sales"
measure "integrations" "/console/integrations"
measure "stock of a branch as CSV ($levels rows)" "/console/stock?branch_id=$branch&format=csv"
echo >>"$report"
echo "Hub peak resident set: $(grep VmHWM /proc/$hub_pid/status | awk '{print $2, $3}')" >>"$report"
cat "$report"
