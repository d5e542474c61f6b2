#!/usr/bin/env bash
# The hub under load, next to what this machine itself does, in one run; writes a markdown report
# to bench/results/<date>-<cores>cores.md.
#   ingest        32 terminals posting batches of 20 five-line sales; then one sale per request
#   poll          1,000 terminals polling empty master/stock deltas every second; then 32 polling
#                 flat out, for the rate next to /healthz's
#   initial sync  one fresh terminal pulling the 100,000-item catalogue and its branch's stock
#   sockets       5,000 terminals holding the WebSocket, an admin making a change a second
#   steady        32 terminals selling one sale a request at 200 sales/s in all (open loop): latency
#   anchors       pgbench TPC-B (32 clients) on the same PostgreSQL; /healthz under the same load tool
#   ceilings      pgbench writing the hub's own rows for a sale straight in SQL (bench/write-set.sql)
#                 on a copy of the run's database: one sale a commit, and twenty in one statement
#   SQLite        the 100,000-item import and the ingest again on the embedded default
#   a million     1,000,000 items imported on SQLite, then one fresh terminal's initial sync
# The report opens with the targets of issues 7 and 21 and what this run reached.
# Needs PostgreSQL (started here if it is installed but down), pgbench and jq.
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
hub_pid=
# stop_hub: records the hub's peak resident set over its whole life (VmHWM, KiB), then stops it.
stop_hub() {
  if [ -n "$hub_pid" ]; then
    awk '/VmHWM/ {print $2}' "/proc/$hub_pid/status" >>"$work/${rss_file:-peak-rss-kib}" 2>/dev/null || true
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
    hub_pid=
  fi
}
trap 'stop_hub; rm -rf "$work"' EXIT

# start_hub URL PORT: the release hub on a database, in the background.
start_hub() {
  HUBSHAKE_DATABASE_URL=$1 HUBSHAKE_LISTEN=127.0.0.1:$2 HUBSHAKE_LOG=warn \
    HUBSHAKE_DATABASE_MAX_CONNECTIONS=32 HUBSHAKE_TOKEN_ATTEMPTS_PER_MINUTE=100000 \
    HUBSHAKE_BUDGET_SYNC=4000000000/60s HUBSHAKE_BUDGET_INGEST=4000000000/60s \
    HUBSHAKE_BUDGET_READ=4000000000/60s HUBSHAKE_BUDGET_WRITE=4000000000/60s \
    "$hub_bin" >"$work/hub-$2.log" 2>&1 &
  hub_pid=$!
  until curl -sf "http://127.0.0.1:$2/healthz" >/dev/null; do sleep 0.2; done
}
# swarm NAME ARGS…: runs the load tool, its table into the report and its JSON to $work/NAME.json.
swarm() {
  local name=$1; shift
  "$agent_bin" swarm --hub "http://127.0.0.1:$port" --hub-pid "$hub_pid" --json "$work/$name.json" "$@"
}

report="bench/results/$(date +%Y-%m-%d)-$(nproc)cores.md"
mkdir -p bench/results
body="$work/body.md"
{
  echo "# Hubshake under load, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load generator, hub and database on one host; ${seconds} s per run."
  echo
} >"$report"
section() { printf '\n## %s\n\n' "$1" >>"$body"; }

psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_run' -c 'CREATE DATABASE hubshake_bench_run'
port=18080
start_hub "postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_run" $port
section "Seed (PostgreSQL)"
swarm seed --mode seed --items 100000 >>"$body"
section "Ingest, PostgreSQL: 32 terminals over 20 branches, batches of 20 five-line sales"
swarm pg-batched --terminals 32 --branches 20 --sales-per-sec 0 --batch 20 --lines 5 --duration-secs "$seconds" >>"$body"
section "Ingest, PostgreSQL: one five-line sale per request"
swarm pg-single --terminals 32 --branches 20 --sales-per-sec 0 --batch 1 --lines 5 --duration-secs "$seconds" >>"$body"
section "Poll: 1,000 terminals, empty deltas every second"
swarm poll --terminals 1000 --branches 20 --poll-interval-ms 1000 --duration-secs "$seconds" >>"$body"
section "Poll flat out: 32 terminals, empty deltas, no pause"
swarm poll-flat --terminals 32 --branches 20 --poll-interval-ms 0 --duration-secs "$seconds" >>"$body"
section "/healthz under the same tool, 32 clients"
swarm healthz --mode healthz --terminals 32 --duration-secs "$seconds" >>"$body"
section "Initial sync: one fresh terminal, 100,000 items"
swarm initial-sync --mode initial-sync >>"$body"
section "Steady single-sale ingest: 32 terminals, 200 five-line sales/s in all, open loop"
swarm pg-steady --terminals 32 --branches 20 --sales-per-sec 6.25 --batch 1 --lines 5 --duration-secs "$seconds" >>"$body"
stop_hub

# A hub of its own, whose memory has its own target.
port=18082
start_hub "postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_run" $port
section "Push: 5,000 terminals holding the WebSocket, one admin change a second"
swarm sockets --mode sockets --terminals 5000 --branches 20 --duration-secs "$seconds" >>"$body"
rss_file=peak-rss-sockets-kib stop_hub

section "pgbench TPC-B, 32 clients, scale 20, same PostgreSQL"
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_pgbench' -c 'CREATE DATABASE hubshake_bench_pgbench'
pgbench -q -i -s 20 hubshake_bench_pgbench >/dev/null 2>&1
pgbench -c 32 -j 2 -T "$seconds" hubshake_bench_pgbench 2>/dev/null | grep -E 'tps|latency average' >"$work/pgbench.txt"
sed 's/^/    /' "$work/pgbench.txt" >>"$body"

# The ceilings: the hub's write set for a sale, in SQL, on a copy of the run's database (its
# schema, catalogue and sales so far), over 20 branches as the hub's ingest, at ten thousand items
# with a level at each.
section "Ceilings: the hub's write set for a five-line sale in SQL, 32 clients, same PostgreSQL"
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_ceiling' \
  -c 'CREATE DATABASE hubshake_bench_ceiling TEMPLATE hubshake_bench_run'
psql -q -d hubshake_bench_ceiling -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE ceiling_branch AS
  SELECT row_number() OVER (ORDER BY b.id) AS n, b.id AS branch_id,
    (SELECT t.id FROM terminal t WHERE t.branch_id = b.id ORDER BY t.id LIMIT 1) AS terminal_id,
    gen_random_uuid() AS staff_user_id,
    (SELECT p.id FROM payment_method p ORDER BY p.id LIMIT 1) AS payment_method_id
  FROM branch b
  WHERE EXISTS (SELECT 1 FROM sequence_counter c WHERE c.stream = 'stock:' || b.id)
    AND EXISTS (SELECT 1 FROM terminal t WHERE t.branch_id = b.id)
  LIMIT 20;
CREATE TABLE ceiling_item AS
  SELECT row_number() OVER (ORDER BY id) AS n, id AS item_id
  FROM (SELECT id FROM item WHERE track_stock ORDER BY id LIMIT 10000) AS i;
ALTER TABLE ceiling_branch ADD PRIMARY KEY (n);
ALTER TABLE ceiling_item ADD PRIMARY KEY (n);
INSERT INTO stock_level (branch_id, item_id, on_hand, in_transit_in, on_order, seq, updated_at)
  SELECT b.branch_id, i.item_id, 0, 0, 0, 0, now() FROM ceiling_branch b, ceiling_item i
  ON CONFLICT DO NOTHING;
ANALYZE;
SQL
ceiling_branches=$(psql -At -d hubshake_bench_ceiling -c 'SELECT count(*) FROM ceiling_branch')
# ceiling NAME SALES: pgbench with the write set of SALES sales a statement; its rate in sales/s.
ceiling() {
  pgbench -n -M prepared -c 32 -j 2 -T "$seconds" -f bench/write-set.sql -D sales="$2" \
    -D items=10000 -D branches="$ceiling_branches" hubshake_bench_ceiling 2>/dev/null |
    grep -E 'tps|latency average|failed' >"$work/$1.txt"
  echo "    $2 sale(s) a statement and commit:" >>"$body"
  sed 's/^/    /' "$work/$1.txt" >>"$body"
  awk -v n="$2" '/^tps/ {print $3 * n}' "$work/$1.txt" >"$work/$1.rate"
}
ceiling ceiling-single 1
ceiling ceiling-bulk 20
# The database's own latency at the steady rate of the hub's run below: the single-sale write
# set at 200 sales/s from 32 clients. pgbench logs each transaction's time from its scheduled
# start; less its schedule lag, that is the time from sending, which the load tool measures.
pgbench -n -M prepared -c 32 -j 2 -T "$seconds" -R 200 -f bench/write-set.sql -D sales=1 \
  -D items=10000 -D branches="$ceiling_branches" --log --log-prefix="$work/steady-log" \
  hubshake_bench_ceiling >/dev/null 2>&1
read -r steady_p50 steady_p99 < <(cat "$work"/steady-log.* |
  awk '$3 ~ /^[0-9]+$/ {print ($3 - $7) / 1000}' | sort -n |
  awk '{ms[NR] = $1} END {printf "%.1f %.1f\n", ms[int(NR * 0.5)], ms[int(NR * 0.99)]}')
echo "    1 sale a statement at 200 sales/s: p50 $steady_p50 ms, p99 $steady_p99 ms" >>"$body"

port=18081
start_hub "sqlite://$work/bench.db?mode=rwc" $port
section "Seed (SQLite)"
swarm sqlite-seed --mode seed --items 100000 >>"$body"
section "Ingest, SQLite: 32 terminals over 20 branches, batches of 20 five-line sales"
swarm sqlite-batched --terminals 32 --branches 20 --sales-per-sec 0 --batch 20 --lines 5 --duration-secs "$seconds" >>"$body"
section "Ingest, SQLite: one five-line sale per request"
swarm sqlite-single --terminals 32 --branches 20 --sales-per-sec 0 --batch 1 --lines 5 --duration-secs "$seconds" >>"$body"
stop_hub

port=18083
start_hub "sqlite://$work/million.db?mode=rwc" $port
section "A million items (SQLite): import, then one fresh terminal's initial sync"
swarm million-seed --mode seed --items 1000000 >>"$body"
swarm million-sync --mode initial-sync >>"$body"
rss_file=peak-rss-million-kib stop_hub
# The targets, and what this run reached.
j() { jq -r "$2" "$work/$1.json"; }
tps=$(awk '/^tps/ {print $3}' "$work/pgbench.txt")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
poll_rate=$(j poll-flat '[.endpoints[].requests_per_sec] | add')
healthz_rate=$(j healthz '.endpoints[0].requests_per_sec')
single=$(cat "$work/ceiling-single.rate")
bulk=$(cat "$work/ceiling-bulk.rate")
{
  echo "| target | reached |"
  echo "| --- | --- |"
  echo "| batched ingest ≥ 1.5 × pgbench tps | $(ratio "$(j pg-batched .transactions_per_sec)" "$tps") × ($(rate "$(j pg-batched .transactions_per_sec)") tx/s vs $(rate "$tps") tps) |"
  echo "| single-sale ingest ≥ 0.5 × pgbench tps | $(ratio "$(j pg-single .transactions_per_sec)" "$tps") × ($(rate "$(j pg-single .transactions_per_sec)") tx/s) |"
  echo "| empty poll p99 ≤ 10 ms at 1,000 terminals | $(j poll '[.endpoints[].p99_ms] | max * 10 | round / 10') ms |"
  echo "| empty polls ≥ 25 % of the /healthz rate | $(ratio "$(awk -v a="$poll_rate" 'BEGIN {print a * 100}')" "$healthz_rate") % ($(rate "$poll_rate") vs $(rate "$healthz_rate") req/s) |"
  echo "| push p99 ≤ 250 ms at 5,000 sockets (admin's request to updatepos) | $(j sockets '.p99_ms * 10 | round / 10') ms (p50 $(j sockets '.p50_ms * 10 | round / 10') ms, $(j sockets .missed) missed) |"
  echo "| hub RSS ≤ 300 MB at 5,000 sockets | $(j sockets '.hub_max_rss_mib * 1.048576 | round') MB |"
  echo "| initial sync of 100,000 items ≤ 3 s | $(j initial-sync '.seconds * 100 | round / 100') s |"
  echo "| hub RSS ≤ 150 MB throughout | $(sort -n "$work/peak-rss-kib" | tail -n 1 | awk '{printf "%.0f MB", $1 * 1024 / 1e6}') (peak of every hub of the run) |"
  echo
  echo "Issue 21 (ceilings: the hub's own write set in SQL, see bench/write-set.sql):"
  echo
  echo "| target | reached |"
  echo "| --- | --- |"
  echo "| batched ingest ≥ 0.7 × the bulk write-set ceiling | $(ratio "$(j pg-batched .transactions_per_sec)" "$bulk") × ($(rate "$(j pg-batched .transactions_per_sec)") tx/s vs $(rate "$bulk") sales/s; TPC-B ratio $(ratio "$(j pg-batched .transactions_per_sec)" "$tps") ×) |"
  echo "| single-sale ingest ≥ 0.75 × the single write-set ceiling | $(ratio "$(j pg-single .transactions_per_sec)" "$single") × ($(rate "$(j pg-single .transactions_per_sec)") tx/s vs $(rate "$single") sales/s; TPC-B ratio $(ratio "$(j pg-single .transactions_per_sec)" "$tps") ×) |"
  echo "| steady 200 sales/s, one a request: p99 ≤ 50 ms | $(j pg-steady '.endpoints[] | select(.endpoint | test("transactions")) | .p99_ms * 10 | round / 10') ms (p50 $(j pg-steady '.endpoints[] | select(.endpoint | test("transactions")) | .p50_ms * 10 | round / 10') ms, $(rate "$(j pg-steady .transactions_per_sec)") tx/s; the write set alone at 200/s: p99 $steady_p99 ms, p50 $steady_p50 ms) |"
  echo "| import of 100,000 items ≤ 5 s on PostgreSQL | $(j seed '.seconds * 10 | round / 10') s |"
  echo "| import of 100,000 items ≤ 3 s on SQLite | $(j sqlite-seed '.seconds * 10 | round / 10') s |"
  echo "| initial sync of 1,000,000 items ≤ 8 s | $(j million-sync '.seconds * 100 | round / 100') s (import $(j million-seed '.seconds | round') s) |"
  echo "| hub RSS ≤ 150 MB through the million | $(awk '{printf "%.0f MB", $1 * 1024 / 1e6}' "$work/peak-rss-million-kib") |"
  echo
  cat "$body"
} >>"$report"
echo "report: $report"
cat "$report"
