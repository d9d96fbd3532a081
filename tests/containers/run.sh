#!/usr/bin/env bash
# The Compose stack (deploy/compose/docker-compose.yml) in real containers, on a machine without Docker: podman
# serves the Docker API on a private socket, local stand-ins replace the registry images, docker-compose 1.29
# drives the stack, and the scaler scales it through the shipped Ansible playbook. See docs/deployment.md,
# "Under podman, without Docker".
#
#   tests/containers/run.sh check               can the engine be prepared here? (exit 3 and the reason if not)
#   tests/containers/run.sh prepare             install podman & co., build the stand-ins (cached) and the images
#   tests/containers/run.sh prepare --engine-only   the same without building ours (no build of the project: it
#                                               can run beside one; scripts/test.sh does, then `prepare`)
#   tests/containers/run.sh up [--owner PID]    prepare, start the stack without Grafana, wait until healthy;
#                                               with --owner, the stack is taken down when that process ends;
#                                               with AUTOSCALER_CONTAINERS_PREPARED=1 (scripts/test.sh, after its
#                                               own prepare), only check instead of preparing again
#   tests/containers/run.sh compose ARGS...     docker-compose on the running stack (e.g. `compose ps`, `logs scaler`)
#   tests/containers/run.sh down                `docker-compose down -v`, stop podman's service, check nothing is left
#   tests/containers/run.sh test                the end-to-end test (dotnet test, trait Category=Containers)
#
# Exit codes: 0 done, 1 failed, 2 usage, 3 the engine cannot be prepared here (the reason is printed, on a line
# starting with "containers unavailable:"). AUTOSCALER_CONTAINERS=off makes it exit 3 at once: scripts/test.sh then
# neither installs podman nor runs the stack, and reports the container test as skipped.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO" || exit 1
RUN_SH="$REPO/tests/containers/run.sh"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=tests/containers/engine.sh
source tests/containers/engine.sh
# shellcheck source=tests/containers/images.sh
source tests/containers/images.sh

PROJECT=${AUTOSCALER_CONTAINERS_PROJECT:-autoscaler-ci}
APP_IMAGE=localhost/autoscaler:latest
SCALER_IMAGE=localhost/autoscaler-ci/scaler:latest
STATE_FILE="$ENGINE_STATE/stack.env"
PORTS=(8000 8080 8081 9090 9093)
ENGINE_PID="" TICKER_PID=""

unavailable() {
  printf 'containers unavailable: %s\n' "$1"
  exit 3
}

compose() {
  docker-compose -p "$PROJECT" -f deploy/compose/docker-compose.yml -f tests/containers/compose.test.yml "$@"
}

compose_environment() {
  engine_environment
  # The "ha" profile: the scaler's standby on the same lock file, for the fail-over at the end of the test.
  export COMPOSE_PROJECT_NAME="$PROJECT" DOCKER_SOCKET="$ENGINE_SOCKET" COMPOSE_INTERACTIVE_NO_CLI=1 COMPOSE_PROFILES=ha
  unset COMPOSE_FILE GRAFANA_ADMIN_PASSWORD
}

load_state() {
  ENGINE_PID="" TICKER_PID=""
  # shellcheck disable=SC1090
  [ -f "$STATE_FILE" ] && source "$STATE_FILE"
  return 0
}

# Everything that can make the engine unavailable, each reported with exit 3.
check() {
  local blocker
  blocker=$(engine_blocker)
  [ -z "$blocker" ] || unavailable "$blocker"
  local problem
  problem=$(engine_install) || unavailable "could not install ${ENGINE_PACKAGES[*]}: $problem"
  engine_environment
  podman info >/dev/null 2>&1 || unavailable "podman does not work here: $(podman info 2>&1 | tail -1)"
}

prepare() {
  case ${1:-} in "" | --engine-only) ;; *) die "prepare: unknown argument $1 (only --engine-only)" 2 ;; esac
  check
  local started=$SECONDS
  IMAGES_ERROR=""
  images_base || unavailable "${IMAGES_ERROR:-the Debian base image could not be assembled}"
  local out
  out=$(podman run --rm --network none "$IMAGES_BASE" true 2>&1) || unavailable "podman cannot run a container here: $(tail -1 <<<"$out")"
  images_prepare || die "${IMAGES_ERROR:-a stand-in image could not be built}" 1
  if [ "${1:-}" = --engine-only ]; then
    say "engine and stand-ins ready in $((SECONDS - started)) s"
    return 0
  fi

  bash scripts/build.sh >/dev/null || die "scripts/build.sh failed" 1
  say "building $APP_IMAGE (the Dockerfile's prebuilt stage, from .autoscaler/bin)"
  podman build --pull=never --force-rm --label "$IMAGES_LABEL=project" --target prebuilt -t "$APP_IMAGE" -f Dockerfile . >"$ENGINE_STATE/build.log" 2>&1 \
    || { tail -20 "$ENGINE_STATE/build.log" >&2; die "building the Dockerfile failed (log: $ENGINE_STATE/build.log)" 1; }
  say "building $SCALER_IMAGE ($APP_IMAGE + docker-compose 1.29)"
  podman build --pull=never --force-rm --build-arg "APP_IMAGE=$APP_IMAGE" -t "$SCALER_IMAGE" -f tests/containers/scaler.Containerfile tests/containers \
    >"$ENGINE_STATE/build.log" 2>&1 \
    || { tail -20 "$ENGINE_STATE/build.log" >&2; die "building the scaler's test image failed (log: $ENGINE_STATE/build.log)" 1; }
  # What a rebuild replaced (an older autoscaler:latest, a stale stand-in) is untagged now: remove it, ours only.
  podman image prune -f --filter "label=$IMAGES_LABEL" >/dev/null 2>&1
  say "images ready in $((SECONDS - started)) s"
}

ports_free() {
  local port
  for port in "${PORTS[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port on 127.0.0.1 is in use, and the stack publishes it: stop what listens there (ss -ltnp 'sport = :$port')" 1
    fi
  done
}

# Every container of the project is running and, when it has a health check, healthy.
all_healthy() {
  local ids id state
  ids=$(podman ps -a -q --filter "label=com.docker.compose.project=$PROJECT")
  [ -n "$ids" ] || return 1
  for id in $ids; do
    state=$(podman inspect --format '{{.State.Status}} {{.State.Health.Status}}' "$id" 2>/dev/null)
    case $state in
      "running healthy" | "running ") ;;
      *) PENDING="$(podman inspect --format '{{.Name}}' "$id"): $state"; return 1 ;;
    esac
  done
}

up() {
  local owner=""
  while [ $# -gt 0 ]; do
    case $1 in
      --owner) owner=${2:-}; shift 2 || die "--owner needs a PID" 2 ;;
      *) die "up: unknown argument $1" 2 ;;
    esac
  done
  load_state
  if [ -n "$ENGINE_PID" ] || [ -n "$TICKER_PID" ]; then
    say "an earlier stack is still up: taking it down first"
    down || true
  fi
  # scripts/test.sh prepared the engine and the images just before the tests: check is enough (and still exits 3).
  if [ "${AUTOSCALER_CONTAINERS_PREPARED:-}" = 1 ]; then
    check
  else
    prepare
  fi
  ports_free
  compose_environment

  trap 'status=$?; if [ $status -ne 0 ]; then say "up failed: cleaning up"; down >&2 || true; fi' EXIT
  engine_start || unavailable "$ENGINE_ERROR"
  printf 'ENGINE_PID=%s\n' "$ENGINE_PID" >"$STATE_FILE"
  ENGINE_PID=$ENGINE_PID setsid bash "$RUN_SH" _ticker "$owner" </dev/null >"$ENGINE_STATE/ticker.log" 2>&1 &
  TICKER_PID=$!
  printf 'ENGINE_PID=%s\nTICKER_PID=%s\n' "$ENGINE_PID" "$TICKER_PID" >"$STATE_FILE"

  say "starting the stack (project $PROJECT, without Grafana)"
  compose up -d >"$ENGINE_STATE/up.log" 2>&1 || { cat "$ENGINE_STATE/up.log" >&2; die "docker-compose up failed" 1; }
  local deadline=$((SECONDS + 180))
  PENDING=""
  until all_healthy; do
    [ "$SECONDS" -lt "$deadline" ] || { compose ps >&2; die "not healthy after 3 minutes: $PENDING" 1; }
    sleep 2
  done
  trap - EXIT
  say "the stack is up: gateway http://127.0.0.1:8000, Prometheus http://127.0.0.1:9090, scaler http://127.0.0.1:8080 (its standby :8081)"
}

# What `docker-compose down` left behind: containers, networks, volumes of the project, their processes.
leftovers() { # CONTAINER_IDS...
  local id pid cmd
  podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --format 'container {{.Names}} ({{.Status}})'
  podman network ls --format '{{.Name}}' | grep -E "^${PROJECT}_" | sed 's/^/network /'
  podman volume ls --format '{{.Name}}' | grep -E "^${PROJECT}_" | sed 's/^/volume /'
  [ -e "/run/containers/networks/aardvark-dns/${PROJECT}_default" ] && echo "aardvark-dns still serves ${PROJECT}_default"
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
    for id in "$@"; do
      case $cmd in *"$id"*) echo "process $pid: ${cmd:0:120}" ;; esac
    done
  done
}

down() {
  load_state
  compose_environment
  local ids status=0 left
  ids=$(podman ps -a -q --no-trunc --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null)
  if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
    say "docker-compose down -v"
    compose down -v --remove-orphans --timeout 20 >"$ENGINE_STATE/down.log" 2>&1 || { cat "$ENGINE_STATE/down.log" >&2; status=1; }
  fi
  if [ -n "$TICKER_PID" ] && [ "$TICKER_PID" != "${PPID:-}" ]; then
    engine_stop_pid "$TICKER_PID" "_ticker"
  fi
  engine_stop_pid "$ENGINE_PID" "$ENGINE_SOCKET"
  rm -f "$STATE_FILE" "$ENGINE_SOCKET"
  # shellcheck disable=SC2086
  left=$(leftovers $ids "$ENGINE_SOCKET")
  if [ -n "$left" ]; then
    printf 'left behind after docker-compose down:\n%s\n' "$left" >&2
    # Clean up anyway, so that the next run starts from nothing.
    # shellcheck disable=SC2086 # one argument per id
    [ -z "$ids" ] || podman rm -f -t 0 $ids >/dev/null 2>&1
    podman network ls --format '{{.Name}}' | grep -E "^${PROJECT}_" | xargs -r podman network rm -f >/dev/null 2>&1
    podman volume ls --format '{{.Name}}' | grep -E "^${PROJECT}_" | xargs -r podman volume rm -f >/dev/null 2>&1
    status=1
  fi
  [ $status -eq 0 ] && say "down: no container, network, volume or process of the stack is left"
  return $status
}

usage() {
  sed -n 's/^#   //p' "$RUN_SH" >&2
  exit 2
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
  check) check; echo "containers available: podman $(podman version --format '{{.Client.Version}}' 2>/dev/null)" ;;
  prepare) prepare "$@" ;;
  up) up "$@" ;;
  down) down ;;
  compose) load_state; compose_environment; compose "$@" ;;
  test) exec dotnet test tests/Autoscaler.IntegrationTests/Autoscaler.IntegrationTests.csproj --filter "Category=Containers" "$@" ;;
  _ticker) load_state; compose_environment; engine_ticker "$PROJECT" "$RUN_SH" "${1:-}" ;;
  *) usage ;;
esac
