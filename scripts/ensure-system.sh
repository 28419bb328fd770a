#!/usr/bin/env bash
# Install what the platform needs from Debian (PostGIS; Chromium for the browser test with
# `--with-browser`) when missing, start PostgreSQL when it is down and size it for gridgov
# (scripts/tune-postgres.sh). Quick when all is there.
set -euo pipefail

want=(postgresql-15-postgis-3 fonts-wqy-microhei)  # the font: Chinese labels on the demo photos
[ "${1:-}" = "--with-browser" ] && want+=(chromium chromium-driver)

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "starting PostgreSQL 15"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO pg_ctlcluster --skip-systemctl-redirect 15 main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
"$(dirname "$0")/tune-postgres.sh"
