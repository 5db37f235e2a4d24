# perf/build.sh: sourced by compare.sh, extras.sh and cluster.sh; builds what they run.
#
# shellcheck shell=bash disable=SC2034
# (SRV_DLL and LT_DLL are read by the scripts that source this file; they define log and die)
#
#   FC_SERVER_DLL=path   run this FastChat.Server.dll instead of building the tree's
#   ARTIFACTS=dir        dotnet --artifacts-path; OUT=dir gets the build logs

# build_project PROJECT NAME: a Release build of REPO/PROJECT into ARTIFACTS, its log in OUT/build-NAME.log.
build_project() {
  log "building $2 (Release, artifacts in $ARTIFACTS)"
  dotnet build "$repo/$1" -c Release --artifacts-path "$ARTIFACTS" -v q -nologo >"$OUT/build-$2.log" 2>&1 \
    || { tail -20 "$OUT/build-$2.log" >&2; die "$2 build failed"; }
}

# build_fastchat [loadtest]: sets SRV_DLL (FC_SERVER_DLL, else the tree's server, built) and, with
# "loadtest", builds the load tester and sets LT_DLL.
build_fastchat() {
  if [[ -n "${FC_SERVER_DLL:-}" ]]; then
    [[ -f "$FC_SERVER_DLL" ]] || die "FC_SERVER_DLL=$FC_SERVER_DLL not found"
    log "FastChat server: $FC_SERVER_DLL (not built)"
  else
    build_project src/FastChat.Server server
  fi
  SRV_DLL="${FC_SERVER_DLL:-$ARTIFACTS/bin/FastChat.Server/release/FastChat.Server.dll}"
  [[ -f "$SRV_DLL" ]] || die "$SRV_DLL not found after the build"
  LT_DLL="$ARTIFACTS/bin/FastChat.LoadTest/release/fastchat-loadtest.dll"
  if [[ "${1:-}" == loadtest ]]; then
    build_project tools/FastChat.LoadTest loadtest
    [[ -f "$LT_DLL" ]] || die "$LT_DLL not found after the build"
  fi
}
