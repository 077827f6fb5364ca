#!/usr/bin/env bash
# Import speed and memory: `fitmate import` of N generated lines into a local `fitmate serve`
# (release build, fresh SQLite file), timed with /usr/bin/time -v.
#
# Run: bash bench/import.sh [LINES...]        (default: 100000 200000)
# The server runs without its per-key rate limit (--rate-limit 0): this measures throughput.
# Prints, per size: lines, seconds, users/s and the importer's peak resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/fitmate
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export FITMATE_DATABASE_URL="sqlite://$work/import.db"
"$bin" projects create bench >/dev/null
key=$("$bin" keys create --project bench)
FITMATE_LOG=warn "$bin" serve --addr 127.0.0.1:18181 --rate-limit 0 >/dev/null 2>"$work/serve.log" &
server=$!
sleep 1

for lines in "${@:-100000 200000}"; do
  for n in $lines; do
    python3 - "$n" "$work/users-$n.ndjson" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    for i in range(n):
        f.write(json.dumps({
            "email": f"import{n}-{i}@clinic.example", "firstname": "Ada", "lastname": "Lovelace",
            "phonenumber": f"+1{n // 100000 % 10}{i:09d}", "dateOfBirth": "1985-03-14", "sex": "female",
            "height": "5ft 6in", "currentWeight": 150, "pregnant": False, "diabetes": 3,
            "glp1drugs": True, "paymentPlan": 6, "planStartDate": "2026-12-01",
            "medicalClearance": "full", "metadata": {"source": "import"},
        }) + "\n")
PY
    /usr/bin/time -v "$bin" import "$work/users-$n.ndjson" --base-url http://127.0.0.1:18181 \
      --api-key "$key" --concurrency "${CONCURRENCY:-64}" >"$work/out" 2>"$work/time"
    seconds=$(grep 'Elapsed (wall clock)' "$work/time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(grep 'Maximum resident set size' "$work/time" | awk '{print $NF}')
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$work/time")
    echo "$n lines: $(cat "$work/out") in ${seconds} s = $(python3 -c "print(round($n/$seconds))") users/s; importer peak RSS $((rss / 1024)) MiB, importer CPU ${cpu} s"
  done
done
