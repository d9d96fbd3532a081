#!/bin/sh
# Entry point of Grafana in the Compose stack: sets the admin password, then starts Grafana as its image would.
#
# Grafana sets the admin password only when it creates its database, so the password of the first start is the
# one that counts. It is GRAFANA_ADMIN_PASSWORD when set then, or else one generated here; either way it is
# kept in the data volume (readable by Grafana's user only) and reused on later starts. Never admin/admin.
# To change it later: docker compose ... exec grafana grafana cli admin reset-admin-password NEW
#
# GRAFANA_ADMIN_PASSWORD_FILE names a file holding the password instead (its first line), so the password stays out
# of the environment; an empty file counts as not given (the Compose file mounts an empty one when none is named).
set -eu

given_as=GRAFANA_ADMIN_PASSWORD
if [ -n "${GRAFANA_ADMIN_PASSWORD_FILE:-}" ]; then
  if [ ! -r "$GRAFANA_ADMIN_PASSWORD_FILE" ]; then
    echo "autoscaler: cannot read GRAFANA_ADMIN_PASSWORD_FILE=$GRAFANA_ADMIN_PASSWORD_FILE" >&2
    exit 2
  fi
  from_file=$(head -n 1 "$GRAFANA_ADMIN_PASSWORD_FILE" | tr -d '\r')
  if [ -n "$from_file" ]; then
    if [ -n "${GRAFANA_ADMIN_PASSWORD:-}" ]; then
      echo "autoscaler: GRAFANA_ADMIN_PASSWORD and GRAFANA_ADMIN_PASSWORD_FILE are both set; give the password one way only" >&2
      exit 2
    fi
    GRAFANA_ADMIN_PASSWORD=$from_file
    given_as=GRAFANA_ADMIN_PASSWORD_FILE
  fi
fi

data=${GF_PATHS_DATA:-/var/lib/grafana}
kept="$data/.autoscaler-admin-password"
run=${GRAFANA_RUN:-/run.sh}

if [ -s "$kept" ]; then
  password=$(cat "$kept")
  if [ -n "${GRAFANA_ADMIN_PASSWORD:-}" ] && [ "$GRAFANA_ADMIN_PASSWORD" != "$password" ]; then
    echo "autoscaler: $given_as is ignored: Grafana keeps the admin password of its first start" \
      "(change it with: grafana cli admin reset-admin-password NEW)" >&2
  fi
else
  if [ -n "${GRAFANA_ADMIN_PASSWORD:-}" ]; then
    password=$GRAFANA_ADMIN_PASSWORD
  else
    password=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c 1-24)
    echo "autoscaler: Grafana admin password (generated; set GRAFANA_ADMIN_PASSWORD before the first start to choose one): $password"
  fi
  if [ "$password" = admin ] || [ ${#password} -lt 8 ]; then
    echo "autoscaler: refusing a Grafana admin password that is 'admin' or shorter than 8 characters; set $given_as to a better one" >&2
    exit 2
  fi
  (umask 077 && printf '%s\n' "$password" > "$kept")
fi

export GF_SECURITY_ADMIN_PASSWORD="$password"
exec "$run" "$@"
