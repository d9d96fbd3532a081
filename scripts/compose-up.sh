#!/usr/bin/env bash
# Starts the Docker Compose stack (deploy/compose/docker-compose.yml): builds the autoscaler image, starts every
# service, waits until each is healthy, and prints the addresses and Grafana's admin password.
# Needs Docker with the Compose plugin (or docker-compose 1.29); nothing else, not even the .NET SDK.
#   scripts/compose-up.sh [more `up` arguments]
#   GRAFANA_ADMIN_PASSWORD=... scripts/compose-up.sh     choose Grafana's password (first start only)
#   GRAFANA_ADMIN_PASSWORD_FILE=/abs/path scripts/compose-up.sh   the same from a file, kept out of the environment
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
file=deploy/compose/docker-compose.yml

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose -f "$file")
  shown="docker compose -f $file"
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose -f "$file")
  shown="docker-compose -f $file"
else
  die "Docker Compose is required: install Docker Engine with the Compose plugin (https://docs.docker.com/engine/install/)" 2
fi
docker info >/dev/null 2>&1 || die "the Docker engine does not answer: is it running, and may $(id -un) use it (docker info)?" 2

say "building the image and starting the stack"
"${compose[@]}" up -d --build "$@"

say "waiting until every service is healthy"
services=(webapp gateway prometheus alertmanager grafana scaler)
deadline=$((SECONDS + 180))
while :; do
  pending=()
  for service in "${services[@]}"; do
    ids=$("${compose[@]}" ps -q "$service" 2>/dev/null || true)
    [ -n "$ids" ] || { pending+=("$service"); continue; }
    for id in $ids; do
      health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo missing)
      [ "$health" = healthy ] || { pending+=("$service ($health)"); break; }
    done
  done
  [ ${#pending[@]} -eq 0 ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    die "not healthy after 3 minutes: ${pending[*]}; see: $shown logs" 1
  fi
  sleep 2
done

password=$("${compose[@]}" exec -T grafana cat /var/lib/grafana/.autoscaler-admin-password 2>/dev/null || echo "(see: $shown logs grafana)")
cat <<TEXT

Ready:
  http://127.0.0.1:8000                 the demo service, through the gateway (every webapp replica)
  http://127.0.0.1:3000                 Grafana, dashboard "Auto-Scaling Simulator" (user admin, password: $password)
  http://127.0.0.1:9090/targets         Prometheus: every webapp replica (found by DNS), the gateway, the scaler
  http://127.0.0.1:8080/api/v1/status   the scaler: current and desired replicas, last decisions
  http://127.0.0.1:9093                 Alertmanager (alerts go to the scaler's webhook)

Next:
  $shown run --rm load      load that needs a second replica (about 3 minutes)
  $shown logs -f scaler     the scaler's lines: avg_rt=… current_replicas=…, Scaling from 1 -> 2
  $shown down               stop (add -v to drop Prometheus's and Grafana's data, and Grafana's password)
TEXT
