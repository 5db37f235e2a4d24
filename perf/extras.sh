#!/usr/bin/env bash
# perf/extras.sh: the issue-6 measurements beside the throughput/latency table (docs/PERFORMANCE.md):
#   1. server RSS per idle member over 10 000 connections   (fastchat-loadtest connect)
#   2. RSS with one member that stops reading                (fastchat-loadtest slow-consumer)
#   3. gen0 GCs and allocated bytes during 30 s of config (b) (dotnet-counters, if installed)
#   4. sends per delivery in (a)-(d)                          (perf stat, else strace -c, if installed)
#   5. 19 000 concurrent members, each receiving broadcasts  (C harness)
# Installs nothing: dotnet-counters is `dotnet tool install -g dotnet-counters`, perf / strace are
# `sudo apt-get install -y linux-perf strace`; a missing one is skipped.
# Run perf/compare.sh first (it builds into $ARTIFACTS and $FANOUT).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARTIFACTS="${ARTIFACTS:-/tmp/art-compare}"
FANOUT="${FANOUT:-/tmp/fanout}"
OUT="${OUT:-/tmp/fastchat-extras-$(date -u +%Y%m%dT%H%M%SZ)}"
MEMBERS="${MEMBERS:-10000}"
SRV_DLL="$ARTIFACTS/bin/FastChat.Server/release/FastChat.Server.dll"
LT_DLL="$ARTIFACTS/bin/FastChat.LoadTest/release/fastchat-loadtest.dll"
[[ -f "$SRV_DLL" && -f "$LT_DLL" && -x "$FANOUT" ]] || { echo "run $here/compare.sh first" >&2; exit 1; }
export PATH="$PATH:$HOME/.dotnet/tools"
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log() { printf '%s\n' "$*" >&2; }

SPID=""; SPORT=""
start_fastchat() {   # environment given on the call (VAR=x start_fastchat) reaches the server
  # The per-client limits off, as in compare.sh: one address, senders as fast as they can, no PONGs.
  dotnet "$SRV_DLL" --bind 127.0.0.1 --port 0 --stats-interval 0 --max-clients 19000 \
    --max-clients-per-address 0 --max-lines-per-second 0 --registration-timeout 0 --idle-timeout 0 "$@" >"$OUT/server.out" 2>"$OUT/server.err" &
  SPID=$!
  for _ in $(seq 200); do grep -q '^listening on ' "$OUT/server.out" 2>/dev/null && break; sleep 0.05; done
  SPORT="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$OUT/server.out" | head -1)"
  [[ -n "$SPORT" ]] || { log "server did not start"; exit 1; }
}
stop_server() { [[ -n "$SPID" ]] && { kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=""; }; }
trap stop_server EXIT INT TERM
# A tool run that failed leaves no (or no valid) JSON: say so and go on to the next step.
jget() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));m=d.get('metrics',d)
for k in sys.argv[2:]: print(k, '=', m.get(k))" "$@" 2>/dev/null || log "  no report in $1 (see ${1%.json}.err)"; }

log "1. idle members: RSS over $MEMBERS connections (server defaults, then DOTNET_GCgen0size=0x100000)"
for variant in default gen0-1MiB; do
  if [[ "$variant" == default ]]; then start_fastchat; else DOTNET_GCgen0size=0x100000 start_fastchat; fi
  dotnet "$LT_DLL" connect --port "$SPORT" --server-pid "$SPID" --clients "$MEMBERS" --connect-concurrency 256 \
    --json --quiet >"$OUT/idle-$variant.json" 2>"$OUT/idle-$variant.err" || log "  exit $?"
  stop_server
  log "  $variant:"
  jget "$OUT/idle-$variant.json" ready connections_failed connect_s server_rss_connected_mb server_bytes_per_conn
done

log "2. one member stops reading after a 3 s warm-up (default --max-pending-bytes 4194304)"
# One slow-consumer run on the running server: $1 members stalled, $2 the report's name.
slow_consumer() {
  dotnet "$LT_DLL" slow-consumer --port "$SPORT" --server-pid "$SPID" --clients 50 --stalled "$1" --senders 2 --rate 20000 \
    --size 256 --warmup 3 --duration 10 --json --quiet >"$OUT/$2.json" 2>"$OUT/$2.err" || log "  exit $?"
}
stall_keys="stalled_cut_off lost_total server_rss_max_mb server_rss_growth_after_stall_mb server_anon_growth_after_stall_mb"
log "  control, a fresh server and the same load with no member stalled (what a young server grows by anyway):"
start_fastchat
slow_consumer 0 stalled-0
jget "$OUT/stalled-0.json" lost_total server_rss_max_mb server_rss_growth_after_warmup_mb server_anon_growth_after_warmup_mb
# The same server again, now one that has served a load run and seen 50 members leave: what the
# stalled member itself costs, without the first-time costs of a young process (JIT of the leave
# path, libm's first page-ins) that the fresh server's first round below also carries.
log "  warm: the control's server, one member stalled:"
slow_consumer 1 stalled-warm
# shellcheck disable=SC2086
jget "$OUT/stalled-warm.json" $stall_keys
stop_server
log "  fresh: a new server whose first departure ever is the cut-off (round 1), then a second cut-off on it (round 2):"
start_fastchat
for round in 1 2; do
  slow_consumer 1 "stalled-$round"
  log "  round $round:"
  # shellcheck disable=SC2086
  jget "$OUT/stalled-$round.json" $stall_keys
done
stop_server

log "5. 19 000 members, each receiving every broadcast (C harness, 10 msg/s)"
start_fastchat
"$FANOUT" --proto fastchat --port "$SPORT" --clients 19000 --senders 1 --rate 10 --size 32 --duration 10 --warmup 2 \
  --drain 5 --connect-timeout 150 --max-time 200 --server-pid "$SPID" --json --quiet >"$OUT/members-19000.json" 2>/dev/null || log "  exit $?"
stop_server
python3 - "$OUT/members-19000.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print({k: r[k] for k in ("connect_s", "clients_ready", "connections_failed", "refused_full", "deliveries_per_s",
       "expected_deliveries_per_s", "lost_total", "receivers_dropped", "same_order", "server_rss_connected_kb",
       "server_bytes_per_conn")}, "joins", r["fastchat"]["joins"], "p99 us", r["latency_us"]["p99"])
PY

if command -v dotnet-counters >/dev/null; then
  log "3. GC during 30 s of config (b)"
  start_fastchat
  "$FANOUT" --proto fastchat --port "$SPORT" --clients 1000 --senders 4 --window 64 --size 32 --duration 33 --warmup 3 \
    --max-time 60 --server-pid "$SPID" --json --quiet >"$OUT/gc-run.json" 2>/dev/null &
  HPID=$!
  sleep 6   # connect + settle + warm-up
  timeout 31 dotnet-counters collect -p "$SPID" --counters System.Runtime --format csv -o "$OUT/gc.csv" \
    --refresh-interval 1 >/dev/null 2>&1 || true
  wait "$HPID" || true
  stop_server
  python3 - "$OUT/gc.csv" "$OUT/gc-run.json" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
run = json.load(open(sys.argv[2]))
def total(prefix):
    vals = [float(r[4]) for r in rows if r[2].startswith(prefix)]
    return sum(vals), len(vals)
for gen in ("gen0", "gen1", "gen2"):
    n, s = total(f"dotnet.gc.collections ({{collection}} / 1 sec)[gc.heap.generation={gen}]")
    print(f"{gen} collections in {s} s: {n:.0f}")
alloc, s = total("dotnet.gc.heap.total_allocated")
dps = run["deliveries_per_s"]
print(f"allocated in {s} s: {alloc/1e6:.2f} MB; deliveries/s {dps/1e6:.2f} M; bytes per delivery {alloc/max(1,s)/dps:.5f}")
PY
else
  log "3. skipped: dotnet-counters not installed (dotnet tool install -g dotnet-counters)"
fi

# Sends per delivery: count the server's send syscalls over 5 s inside the measured window.
# `perf stat` on the syscall tracepoints costs the server almost nothing; strace (the fallback)
# slows it so much that batching grows and the ratio comes out too low.
count_sends() {   # $1 = output file; counts sendto+sendmsg+write+writev of $SPID for 5 s
  if command -v perf >/dev/null && perf stat -e 'syscalls:sys_enter_sendto' -p "$SPID" -- true >/dev/null 2>&1; then
    perf stat -x, -e 'syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write,syscalls:sys_enter_writev' \
      -p "$SPID" -- sleep 5 2>"$1" >/dev/null || true
    awk -F, '{n+=$1} END{print n+0}' "$1"
  elif command -v strace >/dev/null; then
    timeout -s INT 5 strace -c -f -e trace=sendto,sendmsg,write,writev -o "$1" -p "$SPID" 2>/dev/null || true
    awk '$NF ~ /^(sendto|sendmsg|write|writev)$/ {n+=$4} END{print n+0}' "$1"
  else
    echo ""
  fi
}
for cfg in "a:--clients 100 --senders 4 --window 64" "b:--clients 1000 --senders 4 --window 64" \
           "c:--clients 1000 --senders 10 --rate 2000" "d:--clients 5000 --senders 1 --rate 100"; do
  name="${cfg%%:*}"; args="${cfg#*:}"
  log "4. sends per delivery, config ($name), 5 s inside a 15 s measured window"
  start_fastchat
  # shellcheck disable=SC2086
  "$FANOUT" --proto fastchat --port "$SPORT" $args --size 32 --duration 15 --warmup 3 --max-time 60 \
    --server-pid "$SPID" --json --quiet >"$OUT/sends-$name.json" 2>/dev/null &
  HPID=$!
  # wait until every member is connected, then the JOIN storm (settle) and the 3 s warm-up pass
  members="$(sed -n 's/.*--clients \([0-9]*\).*/\1/p' <<<"$args")"
  for _ in $(seq 600); do (( $(ls "/proc/$SPID/fd" | wc -l) >= members )) && break; sleep 0.1; done
  sleep 7
  calls="$(count_sends "$OUT/sends-$name.txt")"
  wait "$HPID" || true
  stop_server
  python3 - "$OUT/sends-$name.json" "$calls" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
calls = int(sys.argv[2]) if sys.argv[2] else 0
dps = r["deliveries_per_s"]
if calls and dps:
    per_s = calls / 5
    print(f"send syscalls {per_s:,.0f}/s for {dps/1e6:.2f} M deliveries/s: {per_s/dps:.4f} sends per delivery "
          f"({dps/per_s:.1f} deliveries per send); server CPU {r['server_cpu_pct']:.0f} %, p99 {r['latency_us']['p99']/1000:.1f} ms")
else:
    print("no syscall counter available (perf or strace)")
PY
done
log "raw output: $OUT"
