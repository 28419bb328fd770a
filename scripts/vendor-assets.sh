#!/usr/bin/env bash
# Re-create web/static/vendor/ from the npm registry with `npm pack` (pinned versions).
# The vendored files are committed, so the app works offline without running this script;
# run it only to upgrade (change a version below, run, review the diff, update VENDOR.md).
# `npm pack` checks each tarball against the registry's sha512 integrity.
set -euo pipefail

LEAFLET=1.9.4
BOOTSTRAP=5.3.9
ECHARTS=6.1.0
LEAFLET_HEAT=0.2.0

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/web/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# unpack NAME@VERSION → prints the directory holding the package's files
unpack() {
    local spec="$1" dir="$tmp/$(echo "$1" | tr '/@' '__')"
    mkdir -p "$dir"
    local tgz
    tgz="$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)"
    tar -xzf "$tmp/$tgz" -C "$dir"
    echo "$dir/package"
}

rm -rf "$dest/leaflet" "$dest/bootstrap" "$dest/echarts" "$dest/leaflet-heat"

pkg="$(unpack "leaflet@$LEAFLET")"
mkdir -p "$dest/leaflet/images"
cp "$pkg/dist/leaflet.js" "$pkg/dist/leaflet.css" "$pkg/LICENSE" "$dest/leaflet/"
cp "$pkg"/dist/images/*.png "$dest/leaflet/images/"

pkg="$(unpack "bootstrap@$BOOTSTRAP")"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js"
cp "$pkg/dist/css/bootstrap.min.css" "$dest/bootstrap/css/"
cp "$pkg/dist/js/bootstrap.bundle.min.js" "$dest/bootstrap/js/"
cp "$pkg/LICENSE" "$dest/bootstrap/"

pkg="$(unpack "echarts@$ECHARTS")"
mkdir -p "$dest/echarts/licenses"
cp "$pkg/dist/echarts.min.js" "$pkg/LICENSE" "$pkg/NOTICE" "$dest/echarts/"
cp "$pkg/licenses/LICENSE-d3" "$dest/echarts/licenses/"

pkg="$(unpack "leaflet.heat@$LEAFLET_HEAT")"
mkdir -p "$dest/leaflet-heat"
cp "$pkg/dist/leaflet-heat.js" "$pkg/LICENSE" "$dest/leaflet-heat/"

echo "vendored leaflet@$LEAFLET bootstrap@$BOOTSTRAP echarts@$ECHARTS leaflet.heat@$LEAFLET_HEAT into $dest"
