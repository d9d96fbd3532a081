#!/usr/bin/env bash
# Builds the one `autoscaler` binary (Release) into .autoscaler/bin; prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_dotnet
need_npm
say "building autoscaler (Release)"
mkdir -p .autoscaler
# --use-current-runtime: only this machine's native Skia library (the simulator's charts), not all 15 platforms' 150 MB.
if ! dotnet publish src/Autoscaler.Cli -c Release --use-current-runtime -o .autoscaler/bin -nologo -v quiet -p:WarningLevel=0 >.autoscaler/build.log 2>&1; then
  grep -E "error" .autoscaler/build.log | sort -u | head -20 >&2
  die "the build failed (full output: .autoscaler/build.log)" 1
fi
echo "$PWD/.autoscaler/bin/autoscaler"
