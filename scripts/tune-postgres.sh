#!/usr/bin/env bash
# Size the local PostgreSQL 15 for gridgov on this machine (ALTER SYSTEM, then reload, or
# restart once when shared_buffers changes). Debian's defaults (128 MB of shared buffers, 1 GB
# of WAL between checkpoints, and on these machines autovacuum off) make a bulk import
# checkpoint every few seconds and let dead rows pile up. Quick and silent when all is set.
# GRIDGOV_TUNE_POSTGRES=0 skips it (a shared or managed server is sized by its owner).
set -euo pipefail

[ "${GRIDGOV_TUNE_POSTGRES:-1}" = "0" ] && exit 0
PSQL=(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -Atq)

mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
buffers_mb=$(( mem_mb / 4 > 8192 ? 8192 : mem_mb / 4 ))   # a quarter of RAM, at most 8 GB
cache_mb=$(( mem_mb / 2 ))

declare -A want=(
  [shared_buffers]="${buffers_mb}MB"
  [effective_cache_size]="${cache_mb}MB"
  [maintenance_work_mem]="1GB"
  [max_wal_size]="8GB"
  [min_wal_size]="1GB"
  [checkpoint_timeout]="15min"
  [wal_compression]="lz4"
  [autovacuum]="on"
  [random_page_cost]="1.1"
  [effective_io_concurrency]="200"
)

changed=0
for name in "${!want[@]}"; do
  value="${want[$name]}"
  if [[ "$value" =~ ^[0-9]+(MB|GB)$ ]]; then   # sizes: compare in bytes ('8192MB' is '8GB')
    test="pg_size_bytes(current_setting('$name')) = pg_size_bytes('$value')"
  else
    test="current_setting('$name') = '$value'"
  fi
  same=$("${PSQL[@]}" -c "SELECT $test")
  if [ "$same" != "t" ]; then
    "${PSQL[@]}" -c "ALTER SYSTEM SET $name = '$value'"
    changed=1
  fi
done
[ "$changed" = "1" ] || exit 0

"${PSQL[@]}" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
if [ "$("${PSQL[@]}" -c "SELECT count(*) FROM pg_settings WHERE pending_restart")" != "0" ]; then
  echo "restarting PostgreSQL 15 for its new memory settings"
  auto="$("${PSQL[@]}" -c "SHOW data_directory")/postgresql.auto.conf"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  started() { for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && return 0; sleep 1; done; return 1; }
  if ! { $SUDO pg_ctlcluster --skip-systemctl-redirect 15 main restart && started; }; then
    # the machine could not give it the memory: start again with the size it had
    echo "PostgreSQL did not start with shared_buffers ${buffers_mb}MB; keeping the previous size"
    $SUDO sed -i '/^shared_buffers/d' "$auto"
    $SUDO pg_ctlcluster --skip-systemctl-redirect 15 main start
    started
    exit 0
  fi
fi
echo "PostgreSQL sized for gridgov: shared_buffers ${buffers_mb}MB, max_wal_size 8GB, autovacuum on"
