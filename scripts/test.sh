#!/usr/bin/env bash
# Installs what the tests need, builds once, runs every test project, and ends with
# one line: "N passed, N failed" (", N skipped" when any were skipped).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_dotnet
# Real components the integration tests start (none are faked), and the browser the console's tests drive.
# npm (for the console's bundle) may come with a Node.js that is not Debian's: need_npm installs it only when absent.
ensure_debian_packages "${BROWSER_PACKAGES[@]}"
need_npm

configuration=${CONFIGURATION:-Debug}
log_dir=$(mktemp -d)
engine_pid=""
cleanup() {
  # A build that failed leaves the engine's preparation running: let it finish (killing apt-get or debootstrap midway
  # would leave the packages half-installed). Ctrl+C reaches it as well, since it is in this script's process group.
  [ -n "$engine_pid" ] && wait "$engine_pid" 2>/dev/null
  rm -rf "$log_dir"
}
trap cleanup EXIT

# The Compose stack in real containers (tests/containers/run.sh): podman and the images are prepared here, once, so
# that the test itself (Containers/ComposeStackTests) only starts, drives and stops the stack. The engine and the
# stand-in images (packages, debootstrap: mostly waiting on the network) are prepared beside the build; our own
# images after it. Where the engine cannot be prepared, that test is skipped and the reason is printed here and
# before the summary.
bash tests/containers/run.sh prepare --engine-only >"$log_dir/containers.log" 2>&1 &
engine_pid=$!

say "building ($configuration)"
if ! dotnet build Autoscaler.slnx -c "$configuration" -nologo -clp:ErrorsOnly -p:WarningLevel=0 >"$log_dir/build.log" 2>&1; then
  grep -E "error" "$log_dir/build.log" | sort -u | head -40
  echo "build failed; see the errors above"
  echo "0 passed, 1 failed"
  exit 1
fi

containers_note=""
say "preparing podman and the container images (tests/containers/run.sh prepare)"
wait "$engine_pid"
engine_status=$?
engine_pid=""
if [ "$engine_status" -eq 0 ]; then
  bash tests/containers/run.sh prepare >>"$log_dir/containers.log" 2>&1
else
  (exit "$engine_status")
fi
case $? in
  0) export AUTOSCALER_CONTAINERS_PREPARED=1 ;; # run.sh up (from the test) then checks instead of preparing again
  3) containers_note="$(grep '^containers unavailable:' "$log_dir/containers.log" | tail -1 | sed 's/^containers unavailable: //')"
     containers_note="the Compose stack test is skipped: ${containers_note:-see tests/containers/run.sh check}"
     echo "$containers_note" ;;
  *) tail -20 "$log_dir/containers.log"
     containers_note="the container images could not be built (see above); the Compose stack test will fail" ;;
esac

passed=0 failed=0 skipped=0 status=0
# One project at a time: the integration tests measure rates and latencies on a small machine.
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  say "testing $name"
  dotnet test "$project" -c "$configuration" --no-build -nologo --blame-hang-timeout 5m "$@" 2>&1 | tee "$log_dir/$name.log" \
    | grep -vE "warning NU1603" | grep -E "^\s*(Failed|Passed!|Failed!|Skipped) |Error Message|Assert|Exception|Stack Trace|at Autoscaler|^\s{2,}\S" | head -200
  code=${PIPESTATUS[0]}
  summary=$(grep -E "(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+" "$log_dir/$name.log" | tail -1)
  if [ -n "$summary" ]; then
    f=$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$summary")
    p=$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$summary")
    s=$(sed -E 's/.*Skipped: +([0-9]+),.*/\1/' <<<"$summary")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  elif [ "$code" -ne 0 ]; then
    echo "$name: the test run did not complete (exit $code)"
    failed=$((failed + 1))
  fi
  [ "$code" -ne 0 ] && status=1
done

[ "$failed" -gt 0 ] && status=1
[ -n "$containers_note" ] && echo "note: $containers_note"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
