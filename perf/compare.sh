#!/usr/bin/env bash
# perf/compare.sh: FastChat vs Redis pub/sub vs NATS, side by side (docs/PERFORMANCE.md).
#
# Installs nothing. Needs: dotnet (SDK of global.json), python3; optional redis-server and
# nats-server (a missing one is skipped, with the apt-get line to install it).
# Every server is started fresh on loopback for every run, its PID recorded, and killed by PID.
#
# Tools: fastchat-loadtest (tools/FastChat.LoadTest, built from this tree) measures every run.
# The C harness, a neutral second client kept outside this repository, is optional: it is built
# (cc) and run as well, for tool agreement, only when HARNESS names a file that exists. The run
# log and the table say which tools ran.
#
# Environment:
#   DURATION=15 WARMUP=3   measured / warm-up seconds per run
#   QUICK=1                DURATION=5 WARMUP=1
#   CONFIGS="a b c d"      which configs to run
#   SERVERS="fastchat redis nats"   (also fastchat-base, below)
#   RUNS=1                 repetitions of each (config, server); the table shows the median
#   HARNESS=path           the C harness: its fanout.c (built into $FANOUT) or a built binary;
#                          default ../shared/tools/fanout/fanout.c beside the clone. HARNESS=none,
#                          or a path that does not exist: fastchat-loadtest only
#   LOADTEST=1             with the harness: it also runs FastChat in (a) and (b) (tool agreement);
#                          LOADTEST=all: it also runs every server and config, so both tools give
#                          the comparison; LOADTEST=0: the C harness only (an error without it).
#                          Without the harness 1 and all mean the same: fastchat-loadtest everywhere.
#   FC_ARGS=""             extra FastChat server arguments (e.g. --max-pending-bytes 4194304)
#   FC_LIMITS="--max-clients-per-address 0 --max-lines-per-second 0 --registration-timeout 0 --idle-timeout 0"
#                          the per-client limits FastChat turns off here, as Redis and NATS have none
#                          in these runs: the senders send as fast as they can, and the C harness
#                          neither answers PING nor spreads its source addresses
#                          (FC_LIMITS="" for a server without them)
#   FC_SERVER_DLL=path     run this FastChat.Server.dll instead of building the tree's (the server
#                          is then not built at all)
#   FC_BASE_DLL=path       with SERVERS="fastchat fastchat-base": a second FastChat build (say, the
#                          commit before a change) run side by side, with FC_BASE_ARGS (default none;
#                          pass "$FC_LIMITS" there too if that build has the limits)
#   ARTIFACTS=/tmp/art-compare  dotnet --artifacts-path;  OUT=/tmp/fastchat-compare-<time>  raw JSON
#   FANOUT=/tmp/fanout     where the C harness is built
#   REPORT_ONLY=1 OUT=DIR  only print the table of an earlier run's raw JSON in DIR (builds nothing)
# Changed: fastchat-loadtest used to run only beside the C harness (FastChat (a), (b) by default);
# now it runs everywhere and the harness is the addition. LOADTEST=all measures the peers with both.
# CPU columns are % of one core over the measured window; "other procs" is every other process on
# the box (C harness only): a run where it is high was disturbed by someone else's load.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

if [[ "${QUICK:-0}" == 1 ]]; then DURATION="${DURATION:-5}"; WARMUP="${WARMUP:-1}"; fi
DURATION="${DURATION:-15}"; WARMUP="${WARMUP:-3}"
CONFIGS="${CONFIGS:-a b c d}"
SERVERS="${SERVERS:-fastchat redis nats}"
RUNS="${RUNS:-1}"
LOADTEST="${LOADTEST:-1}"
FC_ARGS="${FC_ARGS:-}"
FC_LIMITS="${FC_LIMITS---max-clients-per-address 0 --max-lines-per-second 0 --registration-timeout 0 --idle-timeout 0}"
ARTIFACTS="${ARTIFACTS:-/tmp/art-compare}"
OUT="${OUT:-/tmp/fastchat-compare-$(date -u +%Y%m%dT%H%M%SZ)}"
REDIS_PORT=6380; NATS_PORT=4223
manifest="$OUT/manifest.tsv"

log() { printf '%s\n' "$*" >&2; }
die() { log "compare.sh: $*"; exit 1; }

command -v python3 >/dev/null || die "python3 not found"
case "$LOADTEST" in 0|1|all) ;; *) die "LOADTEST must be 0, 1 or all (not '$LOADTEST')" ;; esac

# --- table -----------------------------------------------------------------------------------
# report DURATION WARMUP NOTE: the table of every report in the manifest; NOTE, if not empty, says
# why the C harness was not used.
report() {
python3 - "$here" "$manifest" "$@" <<'PY'
import statistics, sys
from collections import defaultdict
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
from fanout_report import load
manifest, duration, warmup, harness_note = sys.argv[2:6]
rows = defaultdict(list)
ran = defaultdict(int)        # tool -> runs with a usable report
failed = defaultdict(list)    # tool -> reports missing, unreadable or aborted
bottleneck = []               # fastchat-loadtest runs that flagged themselves as the limit
for line in open(manifest):
    cfg, srv, tool, run, path = line.rstrip("\n").split("\t")
    r = load(path)
    if r is None:
        failed[tool].append(path)
        continue
    if r["bottleneck"]:
        bottleneck.append(f"({cfg}) {srv} run {run}")
    ran[tool] += 1
    rows[(cfg, srv, tool)].append(r)

def med(rs, k):
    return statistics.median(r[k] for r in rs)

names = {"fastchat": "FastChat", "fastchat-base": "FastChat (base)", "redis": "Redis", "nats": "NATS"}
tools = {"c": "C harness", "lt": "fastchat-loadtest"}
desc = {"a": "(a) 100 members, 4 senders, window 64", "b": "(b) 1000 members, 4 senders, window 64",
        "c": "(c) 1000 members, 2000 msg/s", "d": "(d) 5000 members, 100 msg/s"}
order = ("lt", "c")           # the load tester first: it is the tool every run has
ran_text = "; ".join(f"{tools[t]} {ran[t]} run(s)" + (f" ({len(failed[t])} without a report)" if failed[t] else "")
                     for t in order if ran[t] or failed[t]) or "none"
if not (ran["c"] or failed["c"]):
    ran_text += f"; {harness_note}" if harness_note else "; the C harness was in none of these runs (LOADTEST=1: FastChat (a), (b) only)"
print(f"\ntools that ran: {ran_text}")
print(f"duration {duration} s, warm-up {warmup} s; median of {max((len(v) for v in rows.values()), default=0)} run(s)\n")
print("| config | server | tool | deliveries/s | p99 | lost | same order | server RSS/conn | server CPU | tool CPU | other procs CPU |")
print("|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|")
for cfg in "abcd":
    for srv in ("fastchat", "fastchat-base", "redis", "nats"):
        for tool in order:
            rs = rows.get((cfg, srv, tool))
            if not rs:
                continue
            print(f"| {desc[cfg]} | {names[srv]} | {tools[tool]} | {med(rs,'dps')/1e6:.2f} M | {med(rs,'p99'):.1f} ms | "
                  f"{max(r['lost'] for r in rs)} | {'yes' if all(r['same_order'] for r in rs) else 'no'} | "
                  f"{med(rs,'bytes_per_conn')/1024:.1f} KB | {med(rs,'server_cpu'):.0f} % | {med(rs,'tool_cpu'):.0f} % | "
                  f"{'-' if rs[0]['other_cpu'] is None else '%.0f %%' % max(r['other_cpu'] for r in rs)} |")
missing = [(t, p) for t in order for p in failed[t]]
if missing:
    print("\nno report (failed or aborted; see the .err file beside each):")
    for t, p in missing:
        print(f"- {tools[t]}: {p}")
if bottleneck:
    print("\nfastchat-loadtest reported itself as the likely bottleneck in: " + ", ".join(bottleneck))
for tool in order:
    if not any(rows.get((cfg, peer, tool)) for cfg in "abcd" for peer in ("redis", "nats")):
        continue
    print(f"\nRatios ({tools[tool]}; deliveries/s: FastChat / peer, higher is better; p99: FastChat / peer, lower is better):\n")
    print("| config | vs Redis deliveries/s | vs Redis p99 | vs NATS deliveries/s | vs NATS p99 |")
    print("|---|---:|---:|---:|---:|")
    for cfg in "abcd":
        fc = rows.get((cfg, "fastchat", tool))
        if not fc:
            continue
        cells = []
        for peer in ("redis", "nats"):
            p = rows.get((cfg, peer, tool))
            if p:
                cells += [f"{med(fc,'dps')/med(p,'dps'):.2f}x", f"{med(fc,'p99')/med(p,'p99'):.2f}x"]
            else:
                cells += ["-", "-"]
        print(f"| {desc[cfg]} | " + " | ".join(cells) + " |")
for tool in order:
    pairs = [(cfg, rows.get((cfg, "fastchat", tool)), rows.get((cfg, "fastchat-base", tool))) for cfg in "abcd"]
    pairs = [(c, a, b) for c, a, b in pairs if a and b]
    if not pairs:
        continue
    print(f"\nFastChat against FastChat (base), side by side ({tools[tool]}; medians, this build / base):\n")
    print("| config | deliveries/s | p50 | p99 | server CPU |")
    print("|---|---:|---:|---:|---:|")
    for cfg, a, b in pairs:
        p50 = f"{med(a,'p50')/med(b,'p50'):.2f}x" if all(r['p50'] is not None for r in a + b) else "-"
        print(f"| {desc[cfg]} | {med(a,'dps')/med(b,'dps'):.2f}x | {p50} | "
              f"{med(a,'p99')/med(b,'p99'):.2f}x | {med(a,'server_cpu')/max(med(b,'server_cpu'),1e-9):.2f}x |")
agree = [(cfg, srv, rows.get((cfg, srv, "c")), rows.get((cfg, srv, "lt"))) for cfg in "abcd" for srv in ("fastchat", "redis", "nats")]
agree = [(c, s, a, b) for c, s, a, b in agree if a and b]
if agree:
    # The goal bounds FastChat's deliveries/s (docs/PERFORMANCE.md); the peers' rows show how far the tools agree there.
    print("\nTool agreement (deliveries/s and p99, fastchat-loadtest / C harness; the goal is FastChat's deliveries/s within 10 %, the peers are for reference):\n")
    for cfg, srv, a, b in agree:
        ratio = med(b, 'dps') / med(a, 'dps')
        print(f"- {desc[cfg]}, {names[srv]}: deliveries/s {ratio:.2f} {'ok' if abs(ratio - 1) <= 0.10 else 'DISAGREE'}, "
              f"p99 {med(b, 'p99'):.1f} / {med(a, 'p99'):.1f} ms")
PY
}

if [[ -n "${REPORT_ONLY:-}" ]]; then
  [[ -f "$manifest" ]] || die "REPORT_ONLY=1 needs OUT=<directory of an earlier run> ($manifest not found)"
  # A run records its settings (settings.tsv); for an older one, today's DURATION and WARMUP are shown.
  harness_note=""
  if [[ -f "$OUT/settings.tsv" ]]; then IFS=$'\t' read -r DURATION WARMUP harness_note <"$OUT/settings.tsv"; fi
  report "$DURATION" "$WARMUP" "$harness_note"
  exit 0
fi
mkdir -p "$OUT"
command -v dotnet >/dev/null || die "dotnet not found"

# --- tools -----------------------------------------------------------------------------------
# shellcheck source=perf/harness.sh
source "$here/harness.sh"
find_harness "$repo" || die "see above"
if [[ -z "$harness_bin" && "$LOADTEST" == 0 ]]; then die "LOADTEST=0 asks for the C harness only, but: $harness_note"; fi
if [[ -z "$harness_bin" ]]; then plan="fastchat-loadtest in every run; $harness_note"
elif [[ "$LOADTEST" == 0 ]]; then plan="$harness_desc in every run (LOADTEST=0); fastchat-loadtest not used"
elif [[ "$LOADTEST" == all ]]; then plan="fastchat-loadtest and $harness_desc in every run (LOADTEST=all)"
else plan="fastchat-loadtest in every run, and $harness_desc as well in FastChat (a) and (b), for tool agreement (LOADTEST=1)"; fi
log "tools: $plan"

servers=""
for s in $SERVERS; do
  case "$s" in
    fastchat) servers+=" fastchat" ;;
    fastchat-base) [[ -n "${FC_BASE_DLL:-}" && -f "${FC_BASE_DLL:-}" ]] || die "fastchat-base needs FC_BASE_DLL=<path to FastChat.Server.dll>"
                   servers+=" fastchat-base" ;;
    redis) if command -v redis-server >/dev/null; then servers+=" redis"
           else log "redis-server not found: skipping Redis (install: sudo apt-get install -y redis-server)"; fi ;;
    nats)  if command -v nats-server >/dev/null; then servers+=" nats"
           else log "nats-server not found: skipping NATS (install: sudo apt-get install -y nats-server)"; fi ;;
    *) die "unknown server '$s'" ;;
  esac
done

# --- build -----------------------------------------------------------------------------------
use_lt=1; [[ -n "$harness_bin" && "$LOADTEST" == 0 ]] && use_lt=0
# shellcheck source=perf/build.sh
source "$here/build.sh"
if (( use_lt )); then build_fastchat loadtest; else build_fastchat; fi
build_harness || die "see above"

# Every connection is a file descriptor: 5000 members + the server's side in one box.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log "ulimit -n: $(ulimit -n)"
(( $(ulimit -n) >= 12000 )) || log "warning: ulimit -n $(ulimit -n) is too low for config (d)"

# --- servers ---------------------------------------------------------------------------------
SPID=""; SPORT=""
start_server() {   # $1 = fastchat|fastchat-base|redis|nats; sets SPID, SPORT
  local kind="$1" out="$OUT/server-$1.out"
  case "$kind" in
    fastchat)
      # shellcheck disable=SC2086
      dotnet "$SRV_DLL" --bind 127.0.0.1 --port 0 --stats-interval 0 --max-clients 19000 $FC_LIMITS $FC_ARGS >"$out" 2>"$OUT/server-$1.err" &
      SPID=$!
      # Up to 30 s: a cold .NET start on a busy 2-core box is slow.
      for _ in $(seq 600); do grep -q '^listening on ' "$out" 2>/dev/null && break; sleep 0.05; done
      SPORT="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out" | head -1)"
      [[ -n "$SPORT" ]] || { log "FastChat server did not start within 30 s (see $OUT/server-$1.err)"; stop_server; return 1; } ;;
    fastchat-base)
      # shellcheck disable=SC2086
      dotnet "$FC_BASE_DLL" --bind 127.0.0.1 --port 0 --stats-interval 0 --max-clients 19000 ${FC_BASE_ARGS:-} >"$out" 2>"$OUT/server-$1.err" &
      SPID=$!
      for _ in $(seq 600); do grep -q '^listening on ' "$out" 2>/dev/null && break; sleep 0.05; done
      SPORT="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out" | head -1)"
      [[ -n "$SPORT" ]] || { log "FastChat (base) did not start within 30 s (see $OUT/server-$1.err)"; stop_server; return 1; } ;;
    redis)
      redis-server --save '' --appendonly no --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
        --maxclients 19000 >"$out" 2>&1 &
      SPID=$!; SPORT=$REDIS_PORT
      for _ in $(seq 200); do grep -q 'Ready to accept' "$out" 2>/dev/null && break; sleep 0.05; done ;;
    nats)
      nats-server -a 127.0.0.1 -p "$NATS_PORT" >"$out" 2>&1 &
      SPID=$!; SPORT=$NATS_PORT
      for _ in $(seq 200); do grep -q 'Server is ready' "$out" 2>/dev/null && break; sleep 0.05; done ;;
  esac
  kill -0 "$SPID" 2>/dev/null || { log "$kind did not start (see $out)"; SPID=""; return 1; }
}
stop_server() {
  [[ -n "$SPID" ]] || return 0
  kill "$SPID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=""
}
trap stop_server EXIT INT TERM

cfg_args() {
  case "$1" in
    a) echo "--clients 100 --senders 4 --window 64 --size 32" ;;
    b) echo "--clients 1000 --senders 4 --window 64 --size 32" ;;
    c) echo "--clients 1000 --senders 10 --rate 2000 --size 32" ;;
    d) echo "--clients 5000 --senders 1 --rate 100 --size 32" ;;
    *) die "unknown config '$1'" ;;
  esac
}
for cfg in $CONFIGS; do cfg_args "$cfg" >/dev/null; done

# Which tools measure one (config, server): "c" is the C harness, "lt" fastchat-loadtest.
tools_for() {
  if [[ -z "$harness_bin" ]]; then echo "lt"
  elif [[ "$LOADTEST" == 0 ]]; then echo "c"
  elif [[ "$LOADTEST" == all ]]; then echo "c lt"
  elif [[ "$2" == fastchat && ( "$1" == a || "$1" == b ) ]]; then echo "c lt"
  else echo "lt"; fi
}

# --- runs ------------------------------------------------------------------------------------
maxt=$(( WARMUP + DURATION + 40 ))
: >"$manifest"
printf '%s\t%s\t%s\n' "$DURATION" "$WARMUP" "$harness_note" >"$OUT/settings.tsv"
for run in $(seq "$RUNS"); do
  for cfg in $CONFIGS; do
    for srv in $servers; do
      for tool in $(tools_for "$cfg" "$srv"); do
        start_server "$srv" || continue
        f="$OUT/$cfg-$srv-$tool-$run.json"
        log "run $run config ($cfg) $srv [$([[ $tool == c ]] && echo 'C harness' || echo fastchat-loadtest)] port $SPORT pid $SPID"
        # shellcheck disable=SC2046
        if [[ "$tool" == c ]]; then
          timeout $(( maxt + 20 )) "$harness_bin" --proto "${srv%-base}" --host 127.0.0.1 --port "$SPORT" $(cfg_args "$cfg") \
            --duration "$DURATION" --warmup "$WARMUP" --drain 2 --max-time "$maxt" --server-pid "$SPID" \
            --json --quiet >"$f" 2>"$f.err" || log "  harness exit $? (see $f.err)"
        else
          target="${srv%-base}://127.0.0.1:$SPORT"   # fastchat://, redis://, nats://: the load tester speaks all three
          # The peers have no per-address cap, and Redis's protected mode refuses sources other than 127.0.0.1.
          spread=(); if [[ "$srv" == redis || "$srv" == nats ]]; then spread=(--clients-per-address 0); fi
          timeout $(( maxt + 30 )) dotnet "$LT_DLL" fanout --target "$target" $(cfg_args "$cfg") "${spread[@]}" \
            --duration "$DURATION" --warmup "$WARMUP" --drain 2 --max-time "$maxt" --server-pid "$SPID" \
            --json --quiet >"$f" 2>"$f.err" || log "  loadtest exit $? (see $f.err)"
        fi
        stop_server
        printf '%s\t%s\t%s\t%s\t%s\n' "$cfg" "$srv" "$tool" "$run" "$f" >>"$manifest"
      done
    done
  done
done

report "$DURATION" "$WARMUP" "$harness_note"
log "raw JSON: $OUT"
