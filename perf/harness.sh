# perf/harness.sh: sourced by compare.sh and extras.sh; finds the optional C harness.
# The harness is a neutral second client kept outside this repository; without it the scripts
# measure with fastchat-loadtest alone.
#
# shellcheck shell=bash disable=SC2034
# (the variables set here are read by the scripts that source this file)
#
#   HARNESS=path   its fanout.c (built with cc into $FANOUT) or a built binary; default
#                  ../shared/tools/fanout/fanout.c beside the clone; HARNESS=none: not used
#   FANOUT=path    where fanout.c is built (default /tmp/fanout)

# find_harness REPO: sets harness_bin (empty when the harness is not used), harness_note (why it
# is not used, else empty) and harness_desc (what runs, for the log).
find_harness() {
  HARNESS="${HARNESS:-$1/../shared/tools/fanout/fanout.c}"
  FANOUT="${FANOUT:-/tmp/fanout}"
  harness_bin=""; harness_note=""; harness_desc=""
  if [[ "$HARNESS" == none ]]; then
    harness_note="C harness not used (HARNESS=none)"
  elif [[ ! -e "$HARNESS" ]]; then
    harness_note="C harness not used (not found at $HARNESS)"
  elif [[ "$HARNESS" == *.c ]]; then
    if command -v cc >/dev/null; then harness_bin="$FANOUT"; harness_desc="the C harness ($FANOUT, built from $HARNESS)"
    else harness_note="C harness not used (cc not found to build $HARNESS)"; fi
  elif [[ -x "$HARNESS" ]]; then
    harness_bin="$HARNESS"; harness_desc="the C harness ($HARNESS)"
  else
    printf '%s\n' "HARNESS=$HARNESS is neither a .c file nor an executable" >&2; return 1
  fi
}

# build_harness: compiles fanout.c when find_harness chose to use it.
build_harness() {
  [[ -n "$harness_bin" && "$HARNESS" == *.c ]] || return 0
  cc -O2 -std=c11 -o "$FANOUT" "$HARNESS" || { printf '%s\n' "C harness build failed ($HARNESS)" >&2; return 1; }
}
