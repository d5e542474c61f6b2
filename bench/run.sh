#!/usr/bin/env bash
# The hub under load, next to what this machine itself does, in one run; writes a markdown report
# to bench/results/<date>-<cores>cores.md.
#   ingest        32 terminals posting batches of 20 five-line sales; then one sale per request
#   poll          1,000 terminals polling empty master/stock deltas every second
#   initial sync  one fresh terminal pulling the 100,000-item catalogue and its branch's stock
#   anchors       pgbench TPC-B (32 clients) on the same PostgreSQL; /healthz under the same load tool
#   SQLite        the ingest runs again on the embedded default
# Needs PostgreSQL (started here if it is installed but down) and pgbench.
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
stop_hub() { if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; hub_pid=; fi; }
trap 'stop_hub; rm -rf "$work"' EXIT

# start_hub URL PORT: the release hub on a database, in the background.
start_hub() {
  HUBSHAKE_DATABASE_URL=$1 HUBSHAKE_LISTEN=127.0.0.1:$2 HUBSHAKE_LOG=warn \
    HUBSHAKE_DATABASE_MAX_CONNECTIONS=32 HUBSHAKE_TOKEN_ATTEMPTS_PER_MINUTE=100000 \
    "$hub_bin" >"$work/hub-$2.log" 2>&1 &
  hub_pid=$!
  until curl -sf "http://127.0.0.1:$2/healthz" >/dev/null; do sleep 0.2; done
}
swarm() { "$agent_bin" swarm --hub "http://127.0.0.1:$port" --hub-pid "$hub_pid" "$@"; }

report="bench/results/$(date +%Y-%m-%d)-$(nproc)cores.md"
mkdir -p bench/results
{
  echo "# Hubshake under load, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load generator, hub and database on one host; ${seconds} s per run."
  echo
} >"$report"
section() { printf '\n## %s\n\n' "$1" >>"$report"; }

psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_run' -c 'CREATE DATABASE hubshake_bench_run'
port=18080
start_hub "postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_run" $port
section "Seed (PostgreSQL)"
swarm --mode seed --items 100000 >>"$report"
section "Ingest, PostgreSQL: 32 terminals over 20 branches, batches of 20 five-line sales"
swarm --terminals 32 --branches 20 --sales-per-sec 0 --batch 20 --lines 5 --duration-secs "$seconds" >>"$report"
section "Ingest, PostgreSQL: one five-line sale per request"
swarm --terminals 32 --branches 20 --sales-per-sec 0 --batch 1 --lines 5 --duration-secs "$seconds" >>"$report"
section "Poll: 1,000 terminals, empty deltas every second"
swarm --terminals 1000 --branches 20 --poll-interval-ms 1000 --duration-secs "$seconds" >>"$report"
section "/healthz under the same tool, 32 clients"
swarm --mode healthz --terminals 32 --duration-secs "$seconds" >>"$report"
section "Initial sync: one fresh terminal, 100,000 items"
swarm --mode initial-sync >>"$report"
stop_hub

section "pgbench TPC-B, 32 clients, scale 20, same PostgreSQL"
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_pgbench' -c 'CREATE DATABASE hubshake_bench_pgbench'
pgbench -q -i -s 20 hubshake_bench_pgbench >/dev/null 2>&1
pgbench -c 32 -j 2 -T "$seconds" hubshake_bench_pgbench 2>/dev/null | grep -E 'tps|latency average' | sed 's/^/    /' >>"$report"

port=18081
start_hub "sqlite://$work/bench.db?mode=rwc" $port
swarm --mode seed --items 1000 >/dev/null
section "Ingest, SQLite: 32 terminals over 20 branches, batches of 20 five-line sales"
swarm --terminals 32 --branches 20 --sales-per-sec 0 --batch 20 --lines 5 --duration-secs "$seconds" >>"$report"
section "Ingest, SQLite: one five-line sale per request"
swarm --terminals 32 --branches 20 --sales-per-sec 0 --batch 1 --lines 5 --duration-secs "$seconds" >>"$report"
stop_hub
echo "report: $report"
cat "$report"
