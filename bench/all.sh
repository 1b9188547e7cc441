#!/usr/bin/env bash
# Every benchmark, on SQLite (var/bench/) and then on PostgreSQL (BENCH_DATABASE_URL, created when
# missing; skipped with BENCH_DATABASE_URL=""), then one table of every figure (bench/summary.py).
# The workspaces are seeded once and reused: the first run at 1,000,000 visitors seeds for about
# 20 minutes per database.
#
#   make bench [BENCH_VISITORS=1000000] [BENCH_DATABASE_URL=postgres://...]
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
visitors=${BENCH_VISITORS:-1000000}
postgres=${BENCH_DATABASE_URL-postgres://postgres@127.0.0.1:5432/tertulia_bench}

rm -f var/bench-figures.jsonl

one_database() {
  "$python" bench/visitors_page.py --visitors "$visitors"
  "$python" bench/visitors_page.py --visitors 10000 --workspace "Bench 10k"
  "$python" bench/concurrency.py --visitors "$visitors" --duration 5
  "$python" bench/dashboard_refresh.py
  "$python" bench/widget_socket.py
  "$python" bench/exports.py --visitors "$visitors"
}

echo "== SQLite"
TERTULIA_VAR=var/bench one_database
"$python" bench/bytes_on_the_wire.py

if [ -n "$postgres" ]; then
  database=${postgres##*/}
  server=${postgres%/*}/postgres
  if ! psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    psql "$server" -qc "CREATE DATABASE \"$database\""
  fi
  echo "== PostgreSQL ($postgres)"
  DATABASE_URL=$postgres one_database
fi

"$python" bench/summary.py
