#!/usr/bin/env bash
# ingest-ab.sh HUB_BIN AGENT_BIN NAME: a fresh PostgreSQL database, 10,000 items, then batched and
# single-sale ingest flat out (32 terminals, 20 branches, five-line sales, 20 s each). Run it with
# two builds (e.g. a `git worktree` of an older commit) to compare them on the same machine.
set -euo pipefail
hub_bin=$1; agent_bin=$2; name=$3
export HUBSHAKE_ADMIN_CLIENT_ID=bench HUBSHAKE_ADMIN_CLIENT_SECRET=bench-secret-for-the-run
psql -q -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS hubshake_ab' -c 'CREATE DATABASE hubshake_ab' 2>/dev/null
HUBSHAKE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hubshake_ab HUBSHAKE_LISTEN=127.0.0.1:18095 HUBSHAKE_LOG=warn \
  HUBSHAKE_DATABASE_MAX_CONNECTIONS=32 HUBSHAKE_TOKEN_ATTEMPTS_PER_MINUTE=100000 \
  HUBSHAKE_BUDGET_SYNC=4000000000/60s HUBSHAKE_BUDGET_INGEST=4000000000/60s \
  HUBSHAKE_BUDGET_READ=4000000000/60s HUBSHAKE_BUDGET_WRITE=4000000000/60s "$hub_bin" >/tmp/ab-hub.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf http://127.0.0.1:18095/healthz >/dev/null; do sleep 0.2; done
s() { "$agent_bin" swarm --hub http://127.0.0.1:18095 --json "/tmp/ab-$name-$1.json" "${@:2}" >/dev/null; }
s seed --mode seed --items 10000
s batched --terminals 32 --branches 20 --sales-per-sec 0 --batch 20 --lines 5 --duration-secs 20
s single --terminals 32 --branches 20 --sales-per-sec 0 --batch 1 --lines 5 --duration-secs 20
echo "$name batched $(jq .transactions_per_sec /tmp/ab-$name-batched.json) single $(jq .transactions_per_sec /tmp/ab-$name-single.json)"
