#!/usr/bin/env bash
# A 100,000-row CSV export of a branch's ledger from the release hub: how long it takes, and how
# much the hub's resident memory grows while it streams (sampled every 10 ms). Prints a markdown
# table; DATABASE_URL picks the database (the embedded SQLite by default).
#   bash bench/export.sh            ROWS=100000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
rows=${ROWS:-100000}
items=500
cargo build --release -q -p hubshake
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
hub="http://127.0.0.1:$port"
(cd "$work" && HUBSHAKE_LISTEN="127.0.0.1:$port" HUBSHAKE_LOG=warn \
  HUBSHAKE_DATABASE_URL=${DATABASE_URL:-sqlite://hubshake.db?mode=rwc} \
  HUBSHAKE_ADMIN_CLIENT_ID=bench HUBSHAKE_ADMIN_CLIENT_SECRET=bench-secret-for-the-run \
  exec "$OLDPWD/$target/release/hubshake" >hub.log 2>&1) &
hub_pid=$!
trap 'kill $hub_pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf "$hub/healthz" >/dev/null; do sleep 0.2; done
token=$(curl -sf -u bench:bench-secret-for-the-run -d grant_type=client_credentials "$hub/oauth/token" | jq -r .access_token)
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

branch=$(api -d '{"code":"BENCH","name":"Bench","pos_type":"retail"}' "$hub/api/v1/branches" | jq -r .id)
jq -n --argjson n "$items" '{items: [range($n) | {sku: "SKU-\(.)", name: "Item \(.), \"bench\"", base_price: "1.5", cost: "0.75"}]}' >"$work/items.json"
api -d @"$work/items.json" "$hub/api/v1/items/import" >/dev/null
api "$hub/api/v1/items?limit=500" | jq '{lines: [.items[] | {item_id: .id, mode: "delta", quantity: "1.25", reason_code: "found"}]}' >"$work/adjustment.json"
for _ in $(seq $((rows / items))); do
  api -d @"$work/adjustment.json" "$hub/api/v1/branches/$branch/adjustments" >/dev/null
done

rss() { awk '/VmRSS/ {print $2}' "/proc/$hub_pid/status"; }
before=$(rss)
peak=$before
(while kill -0 $hub_pid 2>/dev/null; do rss; sleep 0.01; done) >"$work/rss" &
sampler=$!
seconds=$(curl -sf -H "Authorization: Bearer $token" -H 'Accept: text/csv' -o "$work/ledger.csv" \
  -w '%{time_total}' "$hub/api/v1/branches/$branch/ledger")
kill $sampler 2>/dev/null || true
peak=$(sort -n "$work/rss" | tail -n 1)
exported=$(($(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))))" "$work/ledger.csv") - 1))
bytes=$(stat -c %s "$work/ledger.csv")
echo "| Rows | Bytes | Time | Hub RSS before | Peak during | Growth |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
printf '| %d | %d | %.2f s | %.1f MB | %.1f MB | %.1f MB |\n' "$exported" "$bytes" "$seconds" \
  "$(echo "$before / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" "$(echo "($peak - $before) / 1024" | bc -l)"
