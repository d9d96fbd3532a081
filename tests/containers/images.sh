#!/usr/bin/env bash
# Local stand-ins for the images the project's Dockerfile and Compose file name, since no registry is reachable
# here. Each is assembled from a Debian root made by debootstrap plus what is already on this machine (the .NET
# runtime of the SDK, Debian's prometheus and alertmanager binaries), and tagged with the exact name the
# Dockerfile's FROM or the Compose file's `image:` uses (read from those files, so a version bump follows).
#
# Cached: every image carries a label with a stamp of what it was made from (its recipe and its inputs), and is
# rebuilt only when that stamp changes. An image of the same name without the label (a real one, pulled by the
# user) is used as it is and never overwritten. Sourced by run.sh after engine.sh and scripts/lib.sh.

IMAGES_BASE=localhost/autoscaler-ci/debian:bookworm
IMAGES_LABEL=autoscaler.ci.stamp
IMAGES_MIRROR=${AUTOSCALER_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# A short digest of everything an image is made from: its recipe text and whatever the command prints.
images_stamp() { # RECIPE [COMMAND...]
  {
    printf '%s\n' "$1"
    shift
    [ $# -eq 0 ] || "$@"
  } | sha256sum | cut -c1-16
}

# 0: NAME is there with STAMP. 1: missing or stale, build it. 2: a real image of that name (no label): keep it.
images_state() { # NAME STAMP
  local label
  podman image exists "$1" 2>/dev/null || return 1
  label=$(podman image inspect --format "{{index .Labels \"$IMAGES_LABEL\"}}" "$1" 2>/dev/null)
  [ -n "$label" ] || return 2
  [ "$label" = "$2" ]
}

# Debian 12 (minbase) with what the images and their health checks use: curl and wget (health checks),
# ca-certificates and libicu72 (.NET), tzdata, and passwd for the non-root users.
images_base() {
  local packages=ca-certificates,curl,wget,libicu72,tzdata,passwd stamp root status
  stamp=$(images_stamp "debootstrap minbase bookworm $packages $IMAGES_MIRROR")
  images_state "$IMAGES_BASE" "$stamp" && { say "base image cached ($IMAGES_BASE)"; return 0; }
  root=$(mktemp -d /var/tmp/autoscaler-rootfs.XXXXXX)
  say "assembling the Debian base image with debootstrap (about a minute, once per machine)"
  if ! debootstrap --variant=minbase --include="$packages" bookworm "$root" "$IMAGES_MIRROR" >"$ENGINE_STATE/debootstrap.log" 2>&1; then
    tail -5 "$ENGINE_STATE/debootstrap.log" >&2
    rm -rf "$root"
    IMAGES_ERROR="debootstrap could not assemble Debian bookworm from $IMAGES_MIRROR (see $ENGINE_STATE/debootstrap.log)"
    return 1
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | podman import -q --change "LABEL $IMAGES_LABEL=$stamp" --change 'CMD ["/bin/bash"]' - "$IMAGES_BASE" >/dev/null
  status=$?
  rm -rf "$root"
  [ $status -eq 0 ] || IMAGES_ERROR="podman import of the Debian root failed"
  return $status
}

# FROM the base + a context directory + a Containerfile body, tagged NAME, with the stamp as a label.
images_build() { # NAME STAMP CONTEXT CONTAINERFILE_BODY
  local name=$1 stamp=$2 context=$3 body=$4
  printf 'FROM %s\n%s\nLABEL %s=%s\n' "$IMAGES_BASE" "$body" "$IMAGES_LABEL" "$stamp" >"$context/Containerfile"
  if ! podman build --pull=never --force-rm -q -t "$name" -f "$context/Containerfile" "$context" >"$ENGINE_STATE/build.log" 2>&1; then
    tail -20 "$ENGINE_STATE/build.log" >&2
    return 1
  fi
}

# Skips NAME when it is current (or a real image); otherwise runs the rest of the arguments to build it.
images_ensure() { # NAME STAMP BUILDER...
  local name=$1 stamp=$2 state
  images_state "$name" "$stamp"
  state=$?
  case $state in
    0) say "image cached ($name)"; return 0 ;;
    2) say "using the existing image $name (not a stand-in)"; return 0 ;;
  esac
  say "building the stand-in for $name"
  shift 2
  "$@"
}

# mcr.microsoft.com/dotnet/aspnet:TAG as the Dockerfile's runtime stage expects it: dotnet in /usr/share/dotnet,
# the non-root user "app" with uid 1654 and APP_UID set; the runtime is this machine's (the SDK's shared folder).
images_aspnet() { # NAME
  local dotnet_root stamp
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  IMAGES_BODY='COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --create-home app
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true'
  stamp=$(images_stamp "$IMAGES_BASE $IMAGES_BODY" ls "$dotnet_root/shared/Microsoft.AspNetCore.App" "$dotnet_root/shared/Microsoft.NETCore.App")
  images_ensure "$1" "$stamp" images_aspnet_build "$1" "$stamp" "$dotnet_root"
}

images_aspnet_build() { # NAME STAMP DOTNET_ROOT
  local context status
  context=$(mktemp -d)
  mkdir -p "$context/dotnet/shared"
  cp -a "$3/dotnet" "$3/host" "$context/dotnet/"
  cp -a "$3/shared/Microsoft.NETCore.App" "$3/shared/Microsoft.AspNetCore.App" "$context/dotnet/shared/"
  images_build "$1" "$2" "$context" "$IMAGES_BODY"
  status=$?
  rm -rf "$context"
  return $status
}

# docker:TAG-cli, of which the Dockerfile copies two files: the Docker CLI and the Compose v2 plugin. Neither
# exists as a Debian package (bookworm has docker.io 20.10 and the Python docker-compose 1.29), so the stand-in's
# files say so when run; the test's scaler uses docker-compose 1.29 instead (tests/containers/scaler.Containerfile).
images_docker_cli() { # NAME
  local stamp
  IMAGES_BODY='RUN mkdir -p /usr/local/libexec/docker/cli-plugins \
    && for f in /usr/local/bin/docker /usr/local/libexec/docker/cli-plugins/docker-compose; do \
         printf "#!/bin/sh\necho \"%s: a stand-in of the autoscaler container tests, not the real program\" >&2\nexit 127\n" "$f" >"$f" && chmod 755 "$f"; \
       done'
  stamp=$(images_stamp "$IMAGES_BASE $IMAGES_BODY")
  images_ensure "$1" "$stamp" images_body_build "$1" "$stamp"
}

images_body_build() { # NAME STAMP
  local context status
  context=$(mktemp -d)
  images_build "$1" "$2" "$context" "$IMAGES_BODY"
  status=$?
  rm -rf "$context"
  return $status
}

# prom/prometheus:TAG or prom/alertmanager:TAG: Debian's binary (a Go program linked against libc alone) at the
# official image's entry point, with the files Debian's build reads at run time (alertmanager's default.tmpl,
# Prometheus's web assets, under /usr/share/prometheus), run as nobody from its data directory, as the official
# image does.
images_go_binary() { # NAME SOURCE_BINARY ENTRYPOINT DATA_DIR SHARE_DIR
  local stamp
  IMAGES_BODY="COPY binary $3
COPY share/ $5/
RUN mkdir -p $4 && chown 65534:65534 $4
USER 65534
WORKDIR $4
ENTRYPOINT [\"$3\"]"
  stamp=$(images_stamp "$IMAGES_BASE $IMAGES_BODY" sh -c 'sha256sum "$1" && find "$2" -type f -exec sha256sum {} +' - "$2" "$5")
  images_ensure "$1" "$stamp" images_go_binary_build "$1" "$stamp" "$2" "$5"
}

images_go_binary_build() { # NAME STAMP SOURCE_BINARY SHARE_DIR
  local context status
  context=$(mktemp -d)
  cp "$3" "$context/binary"
  cp -a "$4" "$context/share"
  images_build "$1" "$2" "$context" "$IMAGES_BODY"
  status=$?
  rm -rf "$context"
  return $status
}

# An image name as the repository's files spell it (the first match of SED_EXPRESSION in FILE); fails when none.
images_name_from() { # FILE SED_EXPRESSION
  local name
  name=$(sed -n "$2" "$REPO/$1" | head -1)
  [ -n "$name" ] && printf '%s\n' "$name"
}

# Every stand-in the Dockerfile (--target prebuilt) and the Compose stack (without Grafana) need.
images_prepare() {
  local aspnet cli prometheus alertmanager
  aspnet=$(images_name_from Dockerfile 's/^FROM \(mcr\.microsoft\.com\/dotnet\/aspnet:[^ ]*\).*/\1/p') \
    || { IMAGES_ERROR="the Dockerfile names no mcr.microsoft.com/dotnet/aspnet image"; return 1; }
  cli=$(images_name_from Dockerfile 's/^FROM \(docker:[^ ]*\) AS docker-cli.*/\1/p') \
    || { IMAGES_ERROR="the Dockerfile has no docker-cli stage FROM docker:TAG"; return 1; }
  prometheus=$(images_name_from deploy/compose/docker-compose.yml 's/^ *image: *\(prom\/prometheus:[^ ]*\).*/\1/p') \
    || { IMAGES_ERROR="the Compose file names no prom/prometheus image"; return 1; }
  alertmanager=$(images_name_from deploy/compose/docker-compose.yml 's/^ *image: *\(prom\/alertmanager:[^ ]*\).*/\1/p') \
    || { IMAGES_ERROR="the Compose file names no prom/alertmanager image"; return 1; }
  # Short names as Docker reads them: docker.io, and library/ for official images.
  [[ $cli == */* ]] || cli="docker.io/library/$cli"
  images_aspnet "$aspnet" || return 1
  images_docker_cli "$cli" || return 1
  images_go_binary "docker.io/$prometheus" "$(command -v prometheus)" /bin/prometheus /prometheus /usr/share/prometheus/web || return 1
  images_go_binary "docker.io/$alertmanager" "$(command -v prometheus-alertmanager)" /bin/alertmanager /alertmanager /usr/share/prometheus/alertmanager || return 1
}
