#!/usr/bin/env bash
# perf/extras.sh: the measurements beside compare.sh's throughput/latency table (docs/PERFORMANCE.md):
#   1. server RSS per idle member over 10 000 connections   (fastchat-loadtest connect)
#   2. RSS with one member that stops reading                (fastchat-loadtest slow-consumer)
#   3. gen0 GCs and allocated bytes during 30 s of config (b) (dotnet-counters, if installed)
#   4. sends per delivery in (a)-(d)                          (perf stat, else strace -c, if installed)
#   5. 19 000 concurrent members, each receiving broadcasts
# Steps 3-5 drive the server with fastchat-loadtest fanout, and with the C harness as well when
# it is found (HARNESS, as in compare.sh; perf/harness.sh). The log names the tool of every result.
# Installs nothing: dotnet-counters is `dotnet tool install -g dotnet-counters`, perf / strace are
# `sudo apt-get install -y linux-perf strace`; a missing one is skipped.
#
# Environment:
#   ARTIFACTS=/tmp/art-compare  dotnet --artifacts-path (the server and the load tester are built there)
#   FC_SERVER_DLL=path     run this FastChat.Server.dll instead of building the tree's
#   FC_LIMITS="--max-clients-per-address 0 ..."  the per-client limits turned off, as in compare.sh
#                          (FC_LIMITS="" for a server without them)
#   HARNESS=path FANOUT=path    the optional C harness, as in compare.sh (HARNESS=none: not used)
#   MEMBERS=10000          idle members in step 1;  WIDE_MEMBERS=19000  members in step 5
#   STEPS="1 2 3 4 5"      which steps to run
#   OUT=/tmp/fastchat-extras-<time>  raw output
# Changed: this script no longer needs compare.sh to have run first; it builds what it runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
ARTIFACTS="${ARTIFACTS:-/tmp/art-compare}"
OUT="${OUT:-/tmp/fastchat-extras-$(date -u +%Y%m%dT%H%M%SZ)}"
MEMBERS="${MEMBERS:-10000}"
WIDE_MEMBERS="${WIDE_MEMBERS:-19000}"
STEPS="${STEPS:-1 2 3 4 5}"
# The per-client limits off, as in compare.sh: fast senders, and the C harness answers no PING.
FC_LIMITS="${FC_LIMITS---max-clients-per-address 0 --max-lines-per-second 0 --registration-timeout 0 --idle-timeout 0}"
export PATH="$PATH:$HOME/.dotnet/tools"
mkdir -p "$OUT"
log() { printf '%s\n' "$*" >&2; }
die() { log "extras.sh: $*"; exit 1; }
step() { [[ " $STEPS " == *" $1 "* ]]; }

command -v dotnet >/dev/null || die "dotnet not found"
command -v python3 >/dev/null || die "python3 not found"
# shellcheck source=perf/harness.sh
source "$here/harness.sh"
find_harness "$repo" || die "see above"
tools="lt"; [[ -z "$harness_bin" ]] || tools="lt c"
log "tools for steps 3-5: fastchat-loadtest$([[ -n "$harness_bin" ]] && echo ", and $harness_desc" || echo "; $harness_note")"

# shellcheck source=perf/build.sh
source "$here/build.sh"
build_fastchat loadtest
build_harness || die "see above"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

SPID=""; SPORT=""
start_fastchat() {   # environment given on the call (VAR=x start_fastchat) reaches the server
  # shellcheck disable=SC2086
  dotnet "$SRV_DLL" --bind 127.0.0.1 --port 0 --stats-interval 0 --max-clients 19000 $FC_LIMITS >"$OUT/server.out" 2>"$OUT/server.err" &
  SPID=$!
  # Up to 30 s: a cold .NET start on a busy 2-core box is slow.
  for _ in $(seq 600); do grep -q '^listening on ' "$OUT/server.out" 2>/dev/null && break; sleep 0.05; done
  SPORT="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$OUT/server.out" | head -1)"
  [[ -n "$SPORT" ]] || { log "server did not start"; exit 1; }
}
stop_server() { [[ -n "$SPID" ]] && { kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=""; }; }
trap stop_server EXIT INT TERM
# A tool run that failed leaves no (or no valid) JSON: say so and go on to the next step.
jget() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));m=d.get('metrics',d)
for k in sys.argv[2:]: print(k, '=', m.get(k))" "$@" 2>/dev/null || log "  no report in $1 (see ${1%.json}.err)"; }
tool_name() { [[ "$1" == c ]] && echo "C harness" || echo "fastchat-loadtest"; }
# fanout TOOL FILE ARGS...: one fanout run against the running server, its JSON report in FILE.
fanout() {
  local tool="$1" file="$2"; shift 2
  if [[ "$tool" == c ]]; then
    "$harness_bin" --proto fastchat --host 127.0.0.1 --port "$SPORT" --server-pid "$SPID" "$@" --json --quiet >"$file" 2>"${file%.json}.err"
  else
    dotnet "$LT_DLL" fanout --target "fastchat://127.0.0.1:$SPORT" --server-pid "$SPID" "$@" --json --quiet >"$file" 2>"${file%.json}.err"
  fi
}
# report SCRIPT ARGS...: python with load(path), either tool's JSON under the same keys
# (perf/fanout_report.py); a missing or aborted report ends the script with a note.
report() {
  local script="$1"; shift
  python3 -c "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1]); import fanout_report
def load(path):
    r = fanout_report.load(path)
    return r if r is not None else sys.exit(f'  no report in {path} (failed or aborted; see the .err file beside it)')
sys.argv = sys.argv[1:]
$script" "$here" "$@" || true
}
# wait_members N: until the server holds N connections (the tool has connected), at most 60 s.
wait_members() {
  local fds
  for _ in $(seq 600); do fds=("/proc/$SPID/fd/"*); (( ${#fds[@]} >= $1 )) && break; sleep 0.1; done
}

if step 1; then
log "1. idle members: RSS over $MEMBERS connections (server defaults, then DOTNET_GCgen0size=0x100000)"
for variant in default gen0-1MiB; do
  if [[ "$variant" == default ]]; then start_fastchat; else DOTNET_GCgen0size=0x100000 start_fastchat; fi
  dotnet "$LT_DLL" connect --port "$SPORT" --server-pid "$SPID" --clients "$MEMBERS" --connect-concurrency 256 \
    --json --quiet >"$OUT/idle-$variant.json" 2>"$OUT/idle-$variant.err" || log "  exit $?"
  stop_server
  log "  $variant:"
  jget "$OUT/idle-$variant.json" ready connections_failed connect_s server_rss_connected_mb server_bytes_per_conn
done
fi

if step 2; then
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
# The same server again, after a load run and 50 departures: what the stalled member itself costs,
# without a young process's first-time costs (docs/PERFORMANCE.md, "Memory").
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
fi

if step 5; then
for tool in $tools; do
  log "5. $WIDE_MEMBERS members, each receiving every broadcast ($(tool_name "$tool"), 10 msg/s)"
  start_fastchat
  f="$OUT/members-$WIDE_MEMBERS-$tool.json"
  fanout "$tool" "$f" --clients "$WIDE_MEMBERS" --senders 1 --rate 10 --size 32 --duration 10 --warmup 2 \
    --drain 5 --connect-timeout 150 --max-time 200 || log "  exit $?"
  stop_server
  report '
r = load(sys.argv[1])
keys = ("connect_s", "clients_ready", "connections_failed", "refused_full", "dps", "expected_dps", "lost",
        "receivers_dropped", "same_order", "server_rss_connected_kb", "bytes_per_conn", "joins", "p99")
print({k: r[k] for k in keys if r[k] is not None}, "(p99 in ms)")' "$f"
done
fi

if step 3; then
if command -v dotnet-counters >/dev/null; then
  for tool in $tools; do
    log "3. GC during 30 s of config (b) ($(tool_name "$tool"))"
    start_fastchat
    fanout "$tool" "$OUT/gc-run-$tool.json" --clients 1000 --senders 4 --window 64 --size 32 --duration 33 --warmup 3 \
      --max-time 60 &
    TPID=$!
    wait_members 1000
    sleep 5   # the JOIN storm (settle) and the 3 s warm-up
    timeout 31 dotnet-counters collect -p "$SPID" --counters System.Runtime --format csv -o "$OUT/gc-$tool.csv" \
      --refresh-interval 1 >/dev/null 2>&1 || true
    wait "$TPID" || true
    stop_server
    report '
import csv
rows = list(csv.reader(open(sys.argv[1])))[1:]
run = load(sys.argv[2])
def total(prefix):
    vals = [float(r[4]) for r in rows if r[2].startswith(prefix)]
    return sum(vals), len(vals)
for gen in ("gen0", "gen1", "gen2"):
    n, s = total(f"dotnet.gc.collections ({{collection}} / 1 sec)[gc.heap.generation={gen}]")
    print(f"{gen} collections in {s} s: {n:.0f}")
alloc, s = total("dotnet.gc.heap.total_allocated")
dps = run["dps"]
print(f"allocated in {s} s: {alloc/1e6:.2f} MB; deliveries/s {dps/1e6:.2f} M; bytes per delivery {alloc/max(1,s)/dps:.5f}")' \
      "$OUT/gc-$tool.csv" "$OUT/gc-run-$tool.json"
  done
else
  log "3. skipped: dotnet-counters not installed (dotnet tool install -g dotnet-counters)"
fi
fi

# Sends per delivery from the server's send syscalls over 5 s: `perf stat` costs it almost nothing,
# strace (the fallback) slows it so much that batching grows and the ratio comes out too low.
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
if step 4; then
for cfg in "a:--clients 100 --senders 4 --window 64" "b:--clients 1000 --senders 4 --window 64" \
           "c:--clients 1000 --senders 10 --rate 2000" "d:--clients 5000 --senders 1 --rate 100"; do
  name="${cfg%%:*}"; args="${cfg#*:}"
  for tool in $tools; do
    log "4. sends per delivery, config ($name), 5 s inside a 15 s measured window ($(tool_name "$tool"))"
    start_fastchat
    # shellcheck disable=SC2086
    fanout "$tool" "$OUT/sends-$name-$tool.json" $args --size 32 --duration 15 --warmup 3 --max-time 60 &
    TPID=$!
    # wait until every member is connected, then the JOIN storm (settle) and the 3 s warm-up pass
    wait_members "$(sed -n 's/.*--clients \([0-9]*\).*/\1/p' <<<"$args")"
    sleep 7
    calls="$(count_sends "$OUT/sends-$name-$tool.txt")"
    wait "$TPID" || true
    stop_server
    report '
r = load(sys.argv[1])
calls = int(sys.argv[2]) if sys.argv[2] else 0
dps = r["dps"]
if calls and dps:
    per_s, cpu, p99 = calls / 5, r["server_cpu"], r["p99"]
    print(f"send syscalls {per_s:,.0f}/s for {dps/1e6:.2f} M deliveries/s: {per_s/dps:.4f} sends per delivery "
          f"({dps/per_s:.1f} deliveries per send); server CPU {cpu:.0f} %, p99 {p99:.1f} ms")
else:
    print("no syscall counter available (perf or strace)")' "$OUT/sends-$name-$tool.json" "$calls"
  done
done
fi
log "raw output: $OUT"
