#!/usr/bin/env bash
# Builds the one `autoscaler` binary (Release) into .autoscaler/bin; prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_dotnet
say "building autoscaler (Release)"
dotnet publish src/Autoscaler.Cli -c Release -o .autoscaler/bin -nologo -v quiet -p:WarningLevel=0 >/dev/null \
  || die "the build failed; run: dotnet build src/Autoscaler.Cli" 1
echo "$PWD/.autoscaler/bin/autoscaler"
