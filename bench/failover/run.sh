#!/usr/bin/env bash
# Fail-over of two real `autoscaler scaler` processes (issue 17): KILLS (default 20) SIGKILLs of the leader on a lock
# file, then on a Lease in the Kubernetes API stand-in of the integration tests. Each kill is timed from the SIGKILL to
# the first PATCH of the scale subresource by the standby, and every PATCH is counted against the change it answers:
# more than one PATCH for one change is a duplicated scale action. Check every 1 s; lock-file retry 300 ms; Lease
# 3 s / renew deadline 2 s / retry 500 ms. Goal: the standby acts within the lease duration (on the lock file: the
# retry period) + one check interval, 0 duplicated actions. It drives FailoverTests (tests/Autoscaler.IntegrationTests/Leadership), which take their
# kill count from FAILOVER_KILLS and append one line per mode to FAILOVER_REPORT.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kills=${KILLS:-20}
report=$(mktemp)
trap 'rm -f "$report"' EXIT

echo "==> building the integration tests" >&2
dotnet build "$repo/tests/Autoscaler.IntegrationTests" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
echo "==> $kills kills of the leader, lock file then Lease" >&2
for mode in lock_file lease; do
  FAILOVER_KILLS=$kills FAILOVER_REPORT=$report dotnet test "$repo/tests/Autoscaler.IntegrationTests" -c Release --no-build -nologo \
    --filter "FullyQualifiedName~Leadership.FailoverTests.On_a_${mode}_the_standby" >&2
done

echo
echo "| election | kills | fail-over min / median / max | retry | lease | goal (lease or retry, + one check) | duplicated actions |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
while IFS=$'\t' read -r mode n min median max retry lease goal duplicated; do
  printf '| %s | %s | %s / %s / %s ms | %s ms | %s ms | %s ms | %s |\n' "$mode" "$n" "$min" "$median" "$max" "$retry" "$lease" "$goal" "$duplicated"
done <"$report"
