#!/usr/bin/env bash
# Shared by the scripts: messages, and installing what is missing (Debian: apt-get; macOS: Homebrew).

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$1" >&2; exit "${2:-1}"; }

need_dotnet() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required: see https://learn.microsoft.com/dotnet/core/install/linux (Debian: packages.microsoft.com, package dotnet-sdk-10.0)" 2
}

# Debian packages the project uses at run time and in tests; extended as issues need more.
# fonts-dejavu-core: the text in the simulator's charts (Skia draws no text without a font file).
# docker-compose (1.29): the tests validate the Compose file with `docker-compose config`, which needs no engine.
# tzdata: the time zones of policy schedule windows (.NET reads /usr/share/zoneinfo); slim images lack it.
# The container test's own (podman, runc, netavark, aardvark-dns, debootstrap) are installed by
# tests/containers/engine.sh, only where that test can run (Linux, root).
DEBIAN_PACKAGES=(curl prometheus prometheus-alertmanager ansible-core fonts-dejavu-core docker-compose tzdata)
# The console's browser tests (scripts/test.sh) and bench/console drive Debian's Chromium through its driver; never a
# downloaded browser. Not in the list above, so that scripts/start.sh does not install a browser to run the stack.
BROWSER_PACKAGES=(chromium chromium-driver)

# npm builds the web console (src/Autoscaler.Scaler/Console/web: uPlot from package-lock.json) during dotnet build.
need_npm() {
  command -v npm >/dev/null 2>&1 && return 0
  if command -v brew >/dev/null 2>&1; then
    say "installing node (npm) with Homebrew"
    brew install node || die "could not install node; install it with: brew install node" 2
  else
    ensure_debian_packages nodejs npm
  fi
}

ensure_debian_packages() {
  local missing=() pkg
  for pkg in "${DEBIAN_PACKAGES[@]}" "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if command -v apt-get >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "installing ${missing[*]}"
    $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "could not install ${missing[*]}; install them with: apt-get install ${missing[*]}" 2
  elif command -v brew >/dev/null 2>&1; then
    # Homebrew names Debian's prometheus-alertmanager plainly, and ships ansible-core as part of ansible.
    missing=("${missing[@]/#prometheus-alertmanager/alertmanager}")
    missing=("${missing[@]/#ansible-core/ansible}")
    # macOS has fonts of its own for the charts.
    local kept=() m
    # Homebrew has no chromium-driver formula: the browser tests name what to install when they find no driver.
    for m in "${missing[@]}"; do case "$m" in fonts-dejavu-core | chromium | chromium-driver) ;; *) kept+=("$m") ;; esac; done
    [ ${#kept[@]} -eq 0 ] && return 0
    missing=("${kept[@]}")
    say "installing ${missing[*]} with Homebrew"
    brew install "${missing[@]}" || die "could not install ${missing[*]}; install them with: brew install ${missing[*]}" 2
  else
    die "please install: ${missing[*]}" 2
  fi
}
