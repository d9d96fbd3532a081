#!/usr/bin/env bash
# Drives the stack started by scripts/start.sh hard enough to need a second replica, then stops,
# and watches it scale back in. About four minutes in all.
#   20 req/s for 10 s (one replica copes), then 70 req/s for 150 s (one replica serves 40 req/s;
#   two are needed), then nothing.
# Usage: scripts/load-test.sh [URL]   (default http://127.0.0.1:8000/)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
url=${1:-http://127.0.0.1:8000/}
status_url=${STATUS_URL:-http://127.0.0.1:8080/api/v1/status}
bin=.autoscaler/bin/autoscaler
[ -x "$bin" ] || bin=$(scripts/build.sh)
curl -sf -o /dev/null "$url" || die "nothing answers at $url; start the stack with scripts/start.sh" 1

# The first currentReplicas in the status is the scaler's own; later ones belong to past decisions.
replicas() { curl -sf "$status_url" | grep -oE '"currentReplicas":[0-9]+' | head -1 | cut -d: -f2; }

say "load: 20 req/s for 10 s, then 70 req/s for 150 s (watch: tail -f .autoscaler/up.log)"
mkdir -p .autoscaler
"$bin" load --url "$url" --pattern step --steps 0s=20,10s=70 --duration 160s --json .autoscaler/load-test.json
say "load done; replicas now: $(replicas); watching it scale back in (up to 3 minutes)"
for _ in $(seq 1 36); do
  n=$(replicas || echo "?")
  printf '  replicas: %s\n' "$n"
  [ "$n" = "1" ] && { say "back to 1 replica"; exit 0; }
  sleep 5
done
say "still at $(replicas) replicas after 3 minutes; see .autoscaler/up.log"
