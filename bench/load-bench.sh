#!/usr/bin/env bash
# Load benchmark of `studyserver serve` (BENCHMARKS.md, section "Server").
# N concurrent participants (default 50 500 2000) play whole sequences through the participant API on
# 127.0.0.1; then a crash run kills the server with SIGKILL under load, restarts it, and checks that every
# acknowledged answer is in the database. Bounded (each run stops by itself after MAX_SECONDS) and local only.
#
#   bench/load-bench.sh [N ...]        env: STUDYSERVER_BIN (default: release build if present, else debug),
#                                           MAX_SECONDS (default 300), CRASH_N (default 500, 0 = skip),
#                                           PACED_N (default 2000, 0 = skip), THINK_MS (default 3500),
#                                           BACKUP_N (default 500, 0 = skip), BACKUP_AT_ANSWERS (default 3000)
# Unpaced runs answer as fast as the server allows (throughput); the paced run gives each participant a
# person's rhythm (THINK_MS per trial: fixation, 3 s exposure, decision) to show latency at realistic load.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${STUDYSERVER_BIN:-}
if [ -z "$BIN" ]; then
  for candidate in .build_release/release/studyserver .build/release/studyserver .build/debug/studyserver; do
    if [ -x "$candidate" ]; then BIN=$candidate; break; fi
  done
fi
[ -n "$BIN" ] && [ -x "$BIN" ] || { echo "no studyserver binary; run: swift build --product studyserver" >&2; exit 1; }
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
MAX_SECONDS=${MAX_SECONDS:-300}
CRASH_N=${CRASH_N:-500}
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(50 500 2000)

WORK=$(mktemp -d /tmp/studyserver-load.XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$PY" bench/load_bench.py make-study "$WORK/build" >/dev/null
mkdir -p "$WORK/public" && echo '<!doctype html><title>bench</title>' > "$WORK/public/index.html"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

start_server() {  # $1: database file
  "$BIN" serve --study "$WORK/build" --db "$1" --host 127.0.0.1 --port "$PORT" --public "$WORK/public" \
    --admin-token bench-token --log-level warning --sessions-per-client-per-minute 1000000 \
    --sessions-per-minute 1000000 --sessions-per-network-per-minute 1000000 \
    --max-connections 100000 --max-connections-per-client 100000 >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1)" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "server did not start; log:" >&2; cat "$WORK/server.log" >&2; exit 1
}

stop_server() {
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

echo "binary: $BIN"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr)"
echo "study: $(grep -o '"id": "task[12]-[0-9]*"' "$WORK/build/manifest.json" | wc -l) sequences of 21 trials (3 practice, 16 main, 2 catch)"
for N in "${COUNTS[@]}"; do
  start_server "$WORK/load-$N.sqlite"
  echo -n "N=$N: "
  "$PY" bench/load_bench.py run --port "$PORT" --participants "$N" --db "$WORK/load-$N.sqlite" \
    --run-id "load$N" --max-seconds "$MAX_SECONDS" --anchor || echo "(run reported errors)"
  stop_server
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done

PACED_N=${PACED_N:-2000}
THINK_MS=${THINK_MS:-3500}
if [ "$PACED_N" -gt 0 ]; then
  start_server "$WORK/paced.sqlite"
  echo -n "paced N=$PACED_N, think ${THINK_MS} ms: "
  "$PY" bench/load_bench.py run --port "$PORT" --participants "$PACED_N" --db "$WORK/paced.sqlite" \
    --run-id paced --max-seconds "$MAX_SECONDS" --think-ms "$THINK_MS" || echo "(run reported errors)"
  stop_server
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

BACKUP_N=${BACKUP_N:-500}
if [ "$BACKUP_N" -gt 0 ]; then
  # An online backup while answers arrive: it must open, pass integrity_check and hold every answer that
  # was committed (so every one acknowledged) before it began.
  DB="$WORK/backup-source.sqlite"
  start_server "$DB"
  "$PY" bench/load_bench.py run --port "$PORT" --participants "$BACKUP_N" --db "$DB" --run-id backup \
    --max-seconds "$MAX_SECONDS" >"$WORK/backup-load.json" &
  LOAD_PID=$!
  # Back up once a good share of the answers is in, while the rest still arrive.
  BEFORE=0
  for _ in $(seq 1 400); do
    BEFORE=$("$PY" -c "import sqlite3; print(sqlite3.connect('$DB').execute('select count(*) from answer').fetchone()[0])" 2>/dev/null || echo 0)
    [ "$BEFORE" -ge "${BACKUP_AT_ANSWERS:-3000}" ] && break
    sleep 0.05
  done
  START=$(date +%s.%N)
  "$BIN" backup "$WORK/backup.sqlite" --db "$DB"
  END=$(date +%s.%N)
  wait "$LOAD_PID" || echo "(backup run reported errors)"
  "$PY" - "$WORK/backup.sqlite" "$BEFORE" "$START" "$END" <<'PY'
import sqlite3, sys
path, before, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
db = sqlite3.connect(path)
check = db.execute("PRAGMA integrity_check").fetchone()[0]
count = db.execute("SELECT COUNT(*) FROM answer").fetchone()[0]
print(f"backup under load: integrity {check}, {count} answers in the copy, {before} committed before it began, "
      f"took {end - start:.2f} s")
sys.exit(0 if check == "ok" and count >= before else 1)
PY
  stop_server
fi

if [ "$CRASH_N" -gt 0 ]; then
  DB="$WORK/crash.sqlite"
  start_server "$DB"
  "$PY" bench/load_bench.py run --port "$PORT" --participants "$CRASH_N" --db "$DB" --run-id crash \
    --max-seconds "$MAX_SECONDS" >"$WORK/crash.json" &
  LOAD_PID=$!
  sleep "${CRASH_AFTER:-2}"
  BEFORE=$("$PY" -c "import sqlite3; print(sqlite3.connect('$DB').execute('select count(*) from answer').fetchone()[0])")
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  echo "crash run: SIGKILL after ${CRASH_AFTER:-2}s with $BEFORE answers committed; restarting"
  sleep 0.5
  start_server "$DB"
  wait "$LOAD_PID" || echo "(crash run reported errors)"
  echo -n "crash run N=$CRASH_N: "; cat "$WORK/crash.json"
  stop_server
fi
