#!/usr/bin/env bash
# Transaction ingest, measured next to what the machine's PostgreSQL itself does:
#   1. the hub's ingest (32 terminals over 8 branches, five-line sales, batches of 20 and single
#      sales) on SQLite, then on PostgreSQL;
#   2. pgbench TPC-B with the same 32 clients and 8 branches (scale 8) on the same PostgreSQL.
# Needs a PostgreSQL server (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres) and pgbench.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
target=${CARGO_TARGET_DIR:-target}

cargo build --release -p hubshake --example ingest
echo "== hub, SQLite"
"$target/release/examples/ingest"
echo "== hub, PostgreSQL"
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_ingest' -c 'CREATE DATABASE hubshake_bench_ingest'
"$target/release/examples/ingest" "postgres://$PGUSER@$PGHOST:$PGPORT/hubshake_bench_ingest"
echo "== pgbench TPC-B, 32 clients, scale 8"
psql -q -d postgres -c 'DROP DATABASE IF EXISTS hubshake_bench_pgbench' -c 'CREATE DATABASE hubshake_bench_pgbench'
pgbench -q -i -s 8 hubshake_bench_pgbench >/dev/null 2>&1
pgbench -c 32 -j 2 -T 20 hubshake_bench_pgbench | grep -E 'tps|latency average'
