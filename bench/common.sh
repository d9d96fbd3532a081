#!/usr/bin/env bash
# Shared by the benchmarks: a Release build of the one `autoscaler` binary, free ports, cleanup.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$repo/artifacts/bench"
autoscaler="$bin_dir/autoscaler"

build_release() {
  echo "==> building Release into $bin_dir" >&2
  # --use-current-runtime: only this machine's native Skia library, not every platform's (as scripts/build.sh).
  dotnet publish "$repo/src/Autoscaler.Cli" -c Release --use-current-runtime -o "$bin_dir" -nologo -v quiet -p:WarningLevel=0 >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pids=()
start_bg() { "$@" >/dev/null 2>&1 & pids+=($!); }
stop_all() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_all EXIT INT TERM

wait_ready() { # url
  for _ in $(seq 1 400); do curl -sf -o /dev/null "$1" && return 0; sleep 0.025; done
  echo "not ready: $1" >&2; return 1
}
