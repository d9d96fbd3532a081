#!/usr/bin/env bash
# The gateway against nginx and HAProxy, side by side in one run: one demo replica (service time 0), called
# directly, through `autoscaler gateway`, through nginx (1 worker, keep-alive upstream) and through HAProxy
# (1 thread, connection reuse). Loopback only. Installs wrk, nginx and haproxy with apt-get when missing
# (Debian packages; their services are not started). Stops everything it started, however it ends.
#
# The machine is shared, so each round measures the proxies back to back (gateway, nginx, haproxy, and again
# in the next round) and only starts when the 1-minute load average is below MAX_LOAD: both sides then see
# the same neighbours. Each measurement: WARMUP of wrk, then wrk -tTHREADS -cCONNECTIONS -dDURATION --latency.
#
#   bench/gateway/run.sh                         # 3 rounds, wrk -t2 -c64 -d10s, load average below 1.5
#   ROUNDS=5 DURATION=15s bench/gateway/run.sh
#   GATEWAY_ENV="DOTNET_gcServer=1" bench/gateway/run.sh     # try a runtime setting on the gateway only
#   ONLY="gateway nginx" bench/gateway/run.sh     # leave out haproxy (or direct)
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
MAX_LOAD=${MAX_LOAD:-1.5}
MAX_WAIT=${MAX_WAIT:-1800}   # seconds to wait for a quiet machine before measuring anyway (and saying so)
ONLY=${ONLY:-direct gateway nginx haproxy}
GATEWAY_ENV=${GATEWAY_ENV:-}
REPLICA_PORT=${REPLICA_PORT:-18101}
GATEWAY_PORT=${GATEWAY_PORT:-18100}
NGINX_PORT=${NGINX_PORT:-18102}
HAPROXY_PORT=${HAPROXY_PORT:-18103}

root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/scripts/lib.sh"
out="$root/artifacts/bench-gateway"
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_debian_packages wrk nginx haproxy
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)

say "building Release into $out"
dotnet publish "$root/src/Autoscaler.Cli" -c Release --use-current-runtime -o "$out" --nologo -v quiet -p:WarningLevel=0 >&2

wait_listening() { # name, pid, port
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "http://127.0.0.1:$3/"; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$1 did not start:" >&2
  cat "$work/$1.log" >&2
  exit 1
}

"$out/autoscaler" webapp --service-time 0 --port "$REPLICA_PORT" --instance-id bench >"$work/replica.log" 2>&1 &
pids+=($!)
wait_listening replica "${pids[-1]}" "$REPLICA_PORT"

env $GATEWAY_ENV "$out/autoscaler" gateway --port "$GATEWAY_PORT" --destination "http://127.0.0.1:$REPLICA_PORT" >"$work/gateway.log" 2>&1 &
pids+=($!)
gateway_pid=${pids[-1]}
wait_listening gateway "$gateway_pid" "$GATEWAY_PORT"

mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream replica {
    server 127.0.0.1:$REPLICA_PORT;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://replica;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
pids+=($!)
wait_listening nginx "${pids[-1]}" "$NGINX_PORT"

cat >"$work/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend front
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend replica
backend replica
  server r1 127.0.0.1:$REPLICA_PORT
EOF
"$haproxy_bin" -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
wait_listening haproxy "${pids[-1]}" "$HAPROXY_PORT"

declare -A url=(
  [direct]="http://127.0.0.1:$REPLICA_PORT/"
  [gateway]="http://127.0.0.1:$GATEWAY_PORT/"
  [nginx]="http://127.0.0.1:$NGINX_PORT/"
  [haproxy]="http://127.0.0.1:$HAPROXY_PORT/"
)

load1() { cut -d' ' -f1 /proc/loadavg; }

wait_quiet() {
  local waited=0
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }'; do
    if [ "$waited" -ge "$MAX_WAIT" ]; then
      say "load average still $(load1) after ${MAX_WAIT}s; measuring anyway (the row says so)"
      return
    fi
    [ $((waited % 60)) -eq 0 ] && say "load average $(load1) >= $MAX_LOAD; waiting for a quieter machine"
    sleep 5
    waited=$((waited + 5))
  done
}

# In ms, whatever unit wrk printed (us, ms, s).
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'; }

printf '%-5s %-8s %10s %9s %9s %9s %6s  %s\n' round target req/s p50_ms p99_ms max_ms load errors >"$work/summary"
for round in $(seq 1 "$ROUNDS"); do
  wait_quiet
  for target in $ONLY; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${url[$target]}" >/dev/null
    before=$(load1)
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${url[$target]}" >"$work/$target.$round.wrk"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/$target.$round.wrk")
    p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$work/$target.$round.wrk")")
    p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$work/$target.$round.wrk")")
    max=$(ms "$(awk '$1 == "Latency" { print $4 }' "$work/$target.$round.wrk")")
    errors=$(awk '/Non-2xx|Socket errors/' "$work/$target.$round.wrk" | tr -s ' \n' ' ')
    printf '%-5s %-8s %10.0f %9s %9s %9s %6s  %s\n' "$round" "$target" "$rps" "$p50" "$p99" "$max" "$before" "${errors:-none}" >>"$work/summary"
    tail -1 "$work/summary" >&2
  done
done

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency after a $WARMUP warm-up, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load = 1-minute load average at the start${GATEWAY_ENV:+, gateway with $GATEWAY_ENV}"
cat "$work/summary"
# Gateway against nginx, round by round (the same neighbours for both).
awk '$2 == "gateway" { g[$1] = $3 } $2 == "nginx" { n[$1] = $3 } END {
  for (r in g) if (r in n && n[r] > 0) printf "round %s: gateway %.2fx nginx\n", r, g[r] / n[r] }' "$work/summary" | sort
