#!/usr/bin/env bash
# A Docker-compatible container engine on a machine without Docker: Debian's podman with runc, serving the
# Docker API on a private socket. Sourced by run.sh after scripts/lib.sh.
#
# What is known to work (Debian 12): podman 4.3 as root with runc, given a containers.conf that empties the
# default ulimits (they cannot be set here) and picks runc (crun fails on hybrid cgroups). The system's own
# containers.conf is left alone: CONTAINERS_CONF points podman at ours. Without systemd, podman cannot schedule
# health checks (it uses systemd timers), and Compose's `depends_on: condition: service_healthy` would wait
# forever: engine_ticker runs them instead.

ENGINE_STATE=${AUTOSCALER_CONTAINER_STATE:-/var/tmp/autoscaler-containers}
ENGINE_SOCKET="$ENGINE_STATE/podman.sock"
# docker-compose is in scripts/lib.sh DEBIAN_PACKAGES, which ensure_debian_packages always installs as well.
ENGINE_PACKAGES=(podman runc netavark aardvark-dns debootstrap)

# Prints why the engine cannot be prepared here, or nothing when it can.
engine_blocker() {
  if [ "${AUTOSCALER_CONTAINERS:-}" = off ]; then
    echo "turned off by AUTOSCALER_CONTAINERS=off"
  elif [ "$(uname -s)" != Linux ]; then
    echo "the container tests need Linux (podman); this is $(uname -s)"
  elif [ "$(id -u)" -ne 0 ]; then
    echo "the container tests run podman as root: run them as root (e.g. sudo tests/containers/run.sh up)"
  elif ! command -v apt-get >/dev/null 2>&1 && ! command -v podman >/dev/null 2>&1; then
    echo "podman is not installed and there is no apt-get to install it"
  fi
}

# Installs podman & co.; prints why when it cannot (ensure_debian_packages exits, so it runs in a subshell).
engine_install() {
  local log
  if log=$( (ensure_debian_packages "${ENGINE_PACKAGES[@]}") 2>&1 ); then
    printf '%s\n' "$log" | grep '^==>' >&2
    return 0
  fi
  printf '%s\n' "$log" | grep -v '^==>' | tail -3
  return 1
}

engine_environment() {
  mkdir -p "$ENGINE_STATE"
  cat >"$ENGINE_STATE/containers.conf" <<'CONF'
# Written by tests/containers/engine.sh; podman reads it through CONTAINERS_CONF.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
CONF
  export CONTAINERS_CONF="$ENGINE_STATE/containers.conf"
  export DOCKER_HOST="unix://$ENGINE_SOCKET"
}

# Starts `podman system service` in the background, detached from the caller's output, and waits for its socket.
# Sets ENGINE_PID.
engine_start() {
  engine_environment
  rm -f "$ENGINE_SOCKET"
  setsid podman system service --time=0 "unix://$ENGINE_SOCKET" </dev/null >"$ENGINE_STATE/service.log" 2>&1 &
  ENGINE_PID=$!
  local i
  for i in $(seq 1 100); do
    [ -S "$ENGINE_SOCKET" ] && curl -fsS --unix-socket "$ENGINE_SOCKET" http://d/_ping >/dev/null 2>&1 && return 0
    kill -0 "$ENGINE_PID" 2>/dev/null || break
    sleep 0.2
  done
  ENGINE_ERROR="podman's Docker API service did not start: $(tail -3 "$ENGINE_STATE/service.log" | tr '\n' ' ')"
  engine_stop_pid "$ENGINE_PID" "$ENGINE_SOCKET"
  return 1
}

# Stops one process we started, by PID: SIGTERM, then SIGKILL after a few seconds. Only when its command line still
# contains MARK: a PID from an old state file may belong to another process by now.
engine_stop_pid() { # PID MARK
  local pid=$1 mark=$2 i
  [ -n "$pid" ] || return 0
  case $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") in
    *"$mark"*) ;;
    *) return 0 ;;
  esac
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null
}

# Runs the health checks of every running container of PROJECT every few seconds, as systemd's timers would,
# while the service runs. When OWNER (a PID) is given and that process goes away, it runs `run.sh down`: the stack
# never outlives the test that started it. Started detached by run.sh; stopped by PID.
engine_ticker() { # PROJECT RUN_SH [OWNER]
  local project=$1 run_sh=$2 owner=${3:-} id
  while kill -0 "$ENGINE_PID" 2>/dev/null; do
    if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
      echo "owner $owner is gone: taking the stack down"
      bash "$run_sh" down
      return
    fi
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$project" --filter status=running 2>/dev/null); do
      podman healthcheck run "$id" >/dev/null 2>&1
    done
    sleep 4
  done
}
