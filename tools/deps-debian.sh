#!/bin/sh
# Installs the Debian 12 packages RWKV Desktop needs to build and test, if any are missing.
# Runs apt-get as root (directly, or through sudo when available).
set -eu
# The QML modules' packages come from the app's one list of them (also the .deb's Depends).
qml_packages=$(awk '!/^#/ && NF { print $2 }' "$(dirname "$0")/../ui/qml-modules.txt" | sort -u)
packages="$qml_packages g++ cmake ninja-build pkg-config git ca-certificates
  qt6-base-dev libhwy-dev nlohmann-json3-dev libxxhash-dev libzstd-dev libsqlite3-dev libicu-dev
  qt6-declarative-dev libpoppler-qt6-dev fonts-dejavu-core
  clang-14 libclang-rt-14-dev
  dpkg-dev file xvfb xauth libcpp-httplib-dev libcurl4-openssl-dev libssl-dev
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools
  g++-mingw-w64-x86-64-posix wine wine64 nsis"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# test_serve drives the API server with the openai npm package: node and npm from Debian
# only where they are missing (a preinstalled Node.js, e.g. nodesource's, brings npm along
# and conflicts with Debian's npm package).
command -v node >/dev/null || missing="$missing nodejs"
command -v npm >/dev/null || missing="$missing npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "deps-debian.sh: need root to install:$missing" >&2; exit 1
fi
echo "deps-debian.sh: installing$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
