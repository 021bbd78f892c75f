#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build libcontainerkit and run its
# tests and demo.  Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config g++
  libsqlite3-dev liblmdb-dev libyajl-dev libarchive-dev libssl-dev libcurl4-openssl-dev libyaml-dev
  libseccomp-dev
  abigail-tools python3 sqlite3 lmdb-utils hyperfine doxygen libxml2-utils
  apache2-utils curl
  crun runc uidmap passwd busybox-static catatonit docker-registry skopeo podman openssl zstd xz-utils
  netavark aardvark-dns iptables iproute2 slirp4netns
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root (or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
