#!/usr/bin/env bash
# Sustained load from an outside generator, as an operator would measure it: the release
# `fitmate serve` (FITMATE_LOG=warn, no per-key rate limit, a project without welcome
# emails) and the bare hyper endpoint (`examples/bare_hyper.rs`, the ceiling) in the same
# run, driven by wrk (Debian's package, installed if missing) with 2 threads and 64
# keep-alive connections.
#
# Run:  bash bench/load.sh [SCENARIO...]      (default: bare rejects creates updates patches;
#       also: retrieves, keyed-creates: creates each with its own Idempotency-Key)
# Env:  SECS=60 per scenario, CONNECTIONS=64, THREADS=2,
#       DATABASE=sqlite (a fresh file) or postgres (a fresh database on PG_URL, default
#       postgres://postgres@127.0.0.1:5432, dropped at the end), REPLICAS=1 or 2 (PostgreSQL:
#       that many servers on the database, each driven by its own wrk with half the
#       connections), PG_STATS=1 (PostgreSQL: pg_stat_statements per scenario),
#       SERVE_LOG=filter (the servers' FITMATE_LOG, warn by default) and LOG_DIR=dir (keep
#       the servers' logs there; they go with the run otherwise),
#       FITMATE_BIN=path (another build of fitmate to measure, such as an older commit's;
#       the checkout's release build otherwise), METRICS=1 (each server also serves its
#       Prometheus metrics, --metrics-addr on a free loopback port, so that a run with
#       metrics on compares with one without; a scrape is kept as metrics-N.txt beside the
#       logs, see LOG_DIR).
#
# Prints per scenario: requests/s, p50, p90, p99, p99.9 and max latency, answers of another
# status than expected, and (SQLite) the largest write-ahead log seen, sampled every 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${SECS:-60}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
database=${DATABASE:-sqlite}
replicas=${REPLICAS:-1}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432}
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(bare rejects creates updates patches)

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if [ -z "${FITMATE_BIN:-}" ]; then
  cargo build --release --quiet --bin fitmate --example bare-hyper
elif [ ! -x target/release/examples/bare-hyper ]; then
  cargo build --release --quiet --example bare-hyper
fi
bin=${FITMATE_BIN:-target/release/fitmate}
work=$(mktemp -d)
logs=${LOG_DIR:-$work}
mkdir -p "$logs"
pids=()
sampler=""
pg_db=""
cleanup() {
  for pid in "${pids[@]}" $sampler $(jobs -p); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$pg_db" ]; then psql -q "$pg_url/postgres" -c "DROP DATABASE IF EXISTS $pg_db" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

case "$database" in
  sqlite) export FITMATE_DATABASE_URL="sqlite://$work/load.db" ;;
  postgres)
    pg_db="fitmate_load_$$"
    psql -q "$pg_url/postgres" -c "CREATE DATABASE $pg_db"
    export FITMATE_DATABASE_URL="$pg_url/$pg_db" ;;
  *) echo "DATABASE is sqlite or postgres" >&2; exit 2 ;;
esac
FITMATE_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
export FITMATE_SECRET_KEY
"$bin" projects create bench --no-welcome-email >/dev/null
key=$("$bin" keys create --project bench)

ports=()
metrics_ports=()
for ((r = 0; r < replicas; r++)); do
  port=$((18181 + r))
  metrics_flag=()
  if [ "${METRICS:-0}" = 1 ]; then
    metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    metrics_flag=(--metrics-addr "127.0.0.1:$metrics_port")
    metrics_ports+=("$metrics_port")
  fi
  FITMATE_LOG=${SERVE_LOG:-warn} FITMATE_RATE_LIMIT=0 "$bin" serve --addr "127.0.0.1:$port" \
    "${metrics_flag[@]}" >"$logs/serve-$r.out" 2>"$logs/serve-$r.log" &
  pids+=($!)
  ports+=("$port")
done
target/release/examples/bare-hyper 127.0.0.1:18190 &
pids+=($!)
for port in "${ports[@]}"; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# 2,000 users for updates and patches, their ids kept for the PATCHes.
python3 - "$key" "${ports[0]}" "$work/ids" <<'PY'
import http.client, json, sys
key, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port)
with open(out, "w") as ids:
    for i in range(2000):
        body = json.dumps({
            "email": f"warm{i}@clinic.example", "firstname": "Ada", "lastname": "Lovelace",
            "phonenumber": f"+19{i:09d}", "dateOfBirth": "1985-03-14", "sex": "female",
            "height": "5ft 6in", "currentWeight": 150, "pregnant": False, "diabetes": 3,
            "glp1drugs": True, "paymentPlan": 6, "planStartDate": "2026-12-01",
            "medicalClearance": "full"})
        conn.request("POST", "/users/create", body,
                     {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        answer = conn.getresponse()
        data = json.loads(answer.read())
        assert answer.status == 200, (answer.status, data)
        ids.write(data["identifier"] + "\n")
PY

if [ "$database" = postgres ] && [ "${PG_STATS:-0}" = 1 ]; then
  psql -q "$FITMATE_DATABASE_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" 2>/dev/null || {
    echo "PG_STATS=1 needs shared_preload_libraries = 'pg_stat_statements' in postgresql.conf" >&2; exit 2; }
fi

echo "# $(date -u +%FT%TZ) ${FITMATE_BIN:-$(git rev-parse --short HEAD)$(git diff --quiet || echo +changes)}: $database, $replicas server(s)$([ "${METRICS:-0}" = 1 ] && echo ", metrics on"), $connections connections, $threads wrk threads, ${secs} s per scenario, $(nproc) cores"
printf '%-9s %10s %8s %8s %8s %8s %8s %11s %9s\n' scenario "req/s" p50 p90 p99 p99.9 max unexpected "max WAL"
run=1
for scenario in "${scenarios[@]}"; do
  run=$((run + 1))
  expect_errors=0
  [ "$scenario" = rejects ] && expect_errors=1
  if [ "$scenario" = bare ]; then targets=(18190); else targets=("${ports[@]}"); fi
  wal="$work/load.db-wal"
  : >"$work/wal-max"
  sampler=""
  if [ "$database" = sqlite ] && [ "$scenario" != bare ]; then
    ( max=0; while :; do s=$(stat -c %s "$wal" 2>/dev/null || echo 0); [ "$s" -gt "$max" ] && max=$s && echo "$max" >"$work/wal-max"; sleep 0.1; done ) &
    sampler=$!
  fi
  pg_counters() { # commits, and WAL flushes (pg_stat_wal until PostgreSQL 17; 0 after)
    psql -qAt -F ' ' "$FITMATE_DATABASE_URL" -c "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), (SELECT wal_sync FROM pg_stat_wal)" 2>/dev/null ||
      psql -qAt -F ' ' "$FITMATE_DATABASE_URL" -c "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), 0"
  }
  if [ "$database" = postgres ] && [ "${PG_STATS:-0}" = 1 ]; then
    psql -q "$FITMATE_DATABASE_URL" -c "SELECT pg_stat_statements_reset()" >/dev/null
    read -r commits_before syncs_before < <(pg_counters)
  fi
  per=$((connections / ${#targets[@]}))
  t=$((threads / ${#targets[@]})); [ "$t" -ge 1 ] || t=1
  wrks=()
  rm -f "$work"/wrk-*.out
  for i in "${!targets[@]}"; do
    SCENARIO=$scenario KEY=$key RUN=$((run * ${#targets[@]} + i)) USERS=2000 IDS="$work/ids" \
      wrk -t"$t" -c"$per" -d"${secs}s" --timeout 10s -s bench/wrk/load.lua \
      "http://127.0.0.1:${targets[$i]}" >"$work/wrk-$i.out" 2>&1 &
    wrks+=($!)
  done
  for pid in "${wrks[@]}"; do wait "$pid"; done
  [ -z "$sampler" ] || { kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=""; }
  for i in "${!targets[@]}"; do
    line=$(grep '^RESULT' "$work/wrk-$i.out") || { cat "$work/wrk-$i.out" >&2; exit 1; }
    eval "${line#RESULT }"
    if [ "$expect_errors" = 1 ]; then unexpected=$((requests - status_errors + socket_errors)); else unexpected=$((status_errors + socket_errors)); fi
    walmax=$(cat "$work/wal-max"); walmax=${walmax:-0}
    label=$scenario; [ ${#targets[@]} -gt 1 ] && label="$scenario/$i"
    awk -v n="$label" -v r="$requests" -v s="$seconds" -v a="$p50" -v b="$p90" -v c="$p99" -v d="$p999" -v m="$max" -v u="$unexpected" -v w="$walmax" -v db="$database" 'BEGIN {
      printf "%-9s %10.0f %6.2fms %6.2fms %6.2fms %6.2fms %6.0fms %11d %9s\n", n, r / s, a / 1000, b / 1000, c / 1000, d / 1000, m / 1000, u, (db == "sqlite" && n != "bare") ? sprintf("%.1fMiB", w / 1048576) : "-" }'
  done
  if [ "$database" = postgres ] && [ "${PG_STATS:-0}" = 1 ]; then
    total=$(awk '/^RESULT/ { sub(/.*requests=/, ""); sub(/ .*/, ""); s += $0 } END { print s }' "$work"/wrk-*.out)
    psql -qAt -F ' ' "$FITMATE_DATABASE_URL" -c "SELECT sum(calls), round(sum(total_exec_time)::numeric, 1) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" |
      awk -v n="$total" '{ printf "          database, per request: %.3f statements (round trips), %.1f µs of execution (pg_stat_statements)", $1 / n, $2 * 1000 / n }'
    sleep 1 # the statistics of the last transactions reach pg_stat_database
    read -r commits_after syncs_after < <(pg_counters)
    awk -v n="$total" -v c=$((commits_after - commits_before)) -v w=$((syncs_after - syncs_before)) 'BEGIN { printf ", %.3f commits, %.3f WAL flushes\n", c / n, w / n }'
  fi
done
for r in "${!metrics_ports[@]}"; do
  curl -sf "http://127.0.0.1:${metrics_ports[$r]}/metrics" >"$logs/metrics-$r.txt" \
    || echo "server $r: scraping its metrics failed" >&2
done
for r in "${!ports[@]}"; do
  if grep -q ' ERROR ' "$logs/serve-$r.log"; then echo "server $r logged errors:" >&2; grep ' ERROR ' "$logs/serve-$r.log" | tail -5 >&2; fi
done
