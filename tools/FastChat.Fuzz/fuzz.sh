#!/usr/bin/env bash
# Fuzzes FastChat.Protocol with afl-fuzz through SharpFuzz: build the target, instrument the protocol
# assembly, fuzz for DURATION seconds from the committed corpus, print a summary.
# Exit status: 0 no crash, 1 afl-fuzz saved at least one crash, 2 setup failed.
#
#   DURATION=600        seconds of fuzzing (afl-fuzz -V)
#   OUT=<dir>           findings (afl-fuzz -o), outside the repository; default $WORK/findings
#   WORK=<dir>          build output and the sharpfuzz tool; default /tmp/fastchat-fuzz
#   TIMEOUT_MS=5000     afl-fuzz -t: a run slower than this is a hang
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DURATION="${DURATION:-600}"
WORK="${WORK:-/tmp/fastchat-fuzz}"
OUT="${OUT:-$WORK/findings}"
TIMEOUT_MS="${TIMEOUT_MS:-5000}"
CORPUS="$HERE/corpus"
SHARPFUZZ_VERSION=2.3.0
TOOLS="$WORK/tools"
BIN="$WORK/bin"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

die() { echo "fuzz.sh: $*" >&2; exit 2; }

case "$DURATION" in '' | *[!0-9]*) die "DURATION must be a whole number of seconds, not '$DURATION'" ;; esac
WORK="$(realpath -m "$WORK")"
OUT="$(realpath -m "$OUT")"
# Findings and builds stay out of the source tree, so a fuzz run never dirties the checkout.
for dir in "$WORK" "$OUT"; do
    case "$dir/" in "$ROOT/"*) die "$dir is inside the repository; point WORK/OUT elsewhere" ;; esac
done
mkdir -p "$WORK" "$OUT"

# --- (a) afl++ (Debian package afl++) ---
if ! command -v afl-fuzz >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing afl++ (apt-get install -y afl++)"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++
    else
        die "afl-fuzz not found; install it with: sudo apt-get install -y afl++"
    fi
fi

# --- (b) sharpfuzz, pinned, in a private tool path (no global tool, nothing in the repo) ---
if ! dotnet tool list --tool-path "$TOOLS" 2>/dev/null | grep -qiE "^sharpfuzz\.commandline +$SHARPFUZZ_VERSION( |$)"; then
    echo "== installing SharpFuzz.CommandLine $SHARPFUZZ_VERSION into $TOOLS"
    dotnet tool uninstall SharpFuzz.CommandLine --tool-path "$TOOLS" >/dev/null 2>&1 || true
    dotnet tool install SharpFuzz.CommandLine --version "$SHARPFUZZ_VERSION" --tool-path "$TOOLS"
fi

# --- (c) publish the target; its own artifacts path keeps it clear of other builds' obj/ dirs ---
echo "== publishing FastChat.Fuzz (Release) to $BIN"
rm -rf "$BIN" # instrumenting twice fails, and a stale instrumented dll must never be reused
dotnet publish "$HERE/FastChat.Fuzz.csproj" -c Release --artifacts-path "$WORK/artifacts" -o "$BIN" -v quiet -nologo

# --- (d) instrument only the code under test: the target itself and SharpFuzz stay as they are ---
echo "== instrumenting FastChat.Protocol.dll"
"$TOOLS/sharpfuzz" "$BIN/FastChat.Protocol.dll"

# A seed that already fails would stop afl-fuzz in its dry run; say which one instead.
for seed in "$CORPUS"/*; do
    if ! dotnet "$BIN/FastChat.Fuzz.dll" < "$seed" > "$WORK/seed.log" 2>&1; then
        cat "$WORK/seed.log" >&2
        echo "fuzz.sh: the seed $seed already fails; fix the bug (or the seed) first" >&2
        exit 1
    fi
done

# --- (e) fuzz ---
# The target is the dotnet host, not an afl-instrumented binary: skip afl's binary check.
export AFL_SKIP_BIN_CHECK=1
# Containers cannot read or set the CPU frequency governor.
export AFL_SKIP_CPUFREQ=1
# core_pattern may pipe cores to a handler, and /proc/sys is read-only in a container; SharpFuzz
# reports crashes through its fork server, not through core dumps, so nothing is lost.
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1

# afl-fuzz wipes a short previous session in OUT; keep the last one so its findings survive a rerun.
if [ -e "$OUT/default" ]; then
    rm -rf "$OUT/previous"
    mv "$OUT/default" "$OUT/previous"
    echo "== the previous session in $OUT/default is now $OUT/previous"
fi

# -V ends the run; timeout (SIGINT, which afl-fuzz handles as a clean stop) is only a backstop in
# case the target never starts. -m none: the .NET runtime reserves far more address space than
# afl-fuzz's memory limit assumes. The full path to dotnet silences afl-fuzz's "which binary" warning.
fuzz_command=(timeout --signal=INT --kill-after=30 "$((DURATION + 300))"
    afl-fuzz -V "$DURATION" -i "$CORPUS" -o "$OUT" -t "$TIMEOUT_MS" -m none
    -- "$(command -v dotnet)" "$BIN/FastChat.Fuzz.dll")

echo "== afl-fuzz for ${DURATION}s: corpus $CORPUS, findings $OUT"
status=0
if [ -t 1 ]; then
    # A terminal gets afl-fuzz's own full-screen status.
    "${fuzz_command[@]}" || status=$?
else
    # Without a terminal afl-fuzz prints a line per queue entry (megabytes in ten minutes): send that
    # to a log and print a progress line from its plot_data every 30 s instead (afl-fuzz starts
    # writing it after about a minute; fuzzer_stats is refreshed even less often).
    export AFL_NO_UI=1
    log="$WORK/afl-fuzz.log"
    "${fuzz_command[@]}" > "$log" 2>&1 &
    afl_pid=$!
    trap 'kill -INT "$afl_pid" 2>/dev/null || true' INT TERM
    ticks=0
    shown=""
    while kill -0 "$afl_pid" 2>/dev/null; do
        sleep 1
        ticks=$((ticks + 1))
        if [ $((ticks % 30)) -eq 0 ] && [ -f "$OUT/default/plot_data" ]; then
            # Columns by their header names, which afl++ has changed between versions.
            line="$(awk '
                NR == 1 { sub(/^# */, ""); n = split($0, h, / *, */); for (i = 1; i <= n; i++) c[h[i]] = i; next }
                { last = $0 }
                END { if (last == "") exit; split(last, v, / *, */)
                      printf "   %5ss: %s execs (%s/s), %s paths, %s crashes, %s hangs\n", v[c["relative_time"]],
                          v[c["total_execs"]], v[c["execs_per_sec"]], v[c["corpus_count"]], v[c["saved_crashes"]], v[c["saved_hangs"]] }' \
                "$OUT/default/plot_data")"
            if [ -n "$line" ] && [ "$line" != "$shown" ]; then
                echo "$line"
                shown="$line"
            fi
        fi
    done
    wait "$afl_pid" || status=$?
    trap - INT TERM
    grep -E 'WARNING|PROGRAM ABORT|Statistics:|Time limit' "$log" | sed -E 's/\x1b\[[0-9;?]*[a-zA-Z]//g' || true
    echo "(afl-fuzz's full output: $log)"
fi

# --- (f) summary from afl-fuzz's own counters ---
stats="$OUT/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
    die "afl-fuzz exited with status $status and wrote no $stats"
fi

# stat KEY [KEY...]: the first key present (afl++ renamed several between versions).
stat() {
    local key
    for key in "$@"; do
        if grep -qE "^$key +:" "$stats"; then
            sed -nE "s/^$key +: *//p" "$stats"
            return
        fi
    done
    echo "?"
}

crash_files=()
for f in "$OUT/default/crashes"/id:*; do [ -e "$f" ] && crash_files+=("$f"); done
hang_files=()
for f in "$OUT/default/hangs"/id:*; do [ -e "$f" ] && hang_files+=("$f"); done

echo
echo "== summary (afl-fuzz status $status, $stats)"
echo "run time:   $(stat run_time) s"
echo "execs:      $(stat execs_done)"
echo "execs/s:    $(stat execs_per_sec)"
echo "paths:      $(stat corpus_count paths_total) (corpus entries; $(stat corpus_found paths_found) found by afl-fuzz)"
echo "coverage:   $(stat bitmap_cvg) of the map, stability $(stat stability)"
echo "crashes:    $(stat saved_crashes unique_crashes) ($((${#crash_files[@]})) files in $OUT/default/crashes)"
echo "hangs:      $(stat saved_hangs unique_hangs) ($((${#hang_files[@]})) files in $OUT/default/hangs)"

if [ "${#crash_files[@]}" -gt 0 ]; then
    echo
    echo "== crashes; replay one with: dotnet $BIN/FastChat.Fuzz.dll < <file>"
    # The first few with the exception afl-fuzz saw (many crashes are usually one bug); the
    # subshell keeps bash's own "Aborted" job message out of the output.
    for i in "${!crash_files[@]}"; do
        if [ "$i" -ge 10 ]; then
            echo "-- ... and $((${#crash_files[@]} - 10)) more in $OUT/default/crashes"
            break
        fi
        echo "-- ${crash_files[$i]}"
        if [ "$i" -lt 3 ]; then
            (dotnet "$BIN/FastChat.Fuzz.dll" < "${crash_files[$i]}" 2>&1 || true) 2>/dev/null | head -n 4 || true
        fi
    done
    exit 1
fi

exit 0
