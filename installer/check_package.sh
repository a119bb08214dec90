#!/bin/sh
# Builds the .deb and .tar.gz with CPack into a temporary folder, checks what they contain, and
# runs the CLI from the unpacked tree (it must find its demo model and vocabulary there).
# Usage: check_package.sh BUILD_DIR VERSION QML_MODULES_LIST.
set -eu
build=$1
version=$2
qml_modules=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpack --config "$build/CPackConfig.cmake" -G "DEB;TGZ" -B "$work" >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log"; echo "check_package: cpack failed" >&2; exit 1; }
deb=$(ls "$work"/*.deb)
tgz=$(ls "$work"/*.tar.gz)

expect() {  # expect LISTING PATH...
  listing=$1; shift
  for path in "$@"; do
    grep -q -- "$path\$" "$listing" || { echo "check_package: $path missing from $(basename "$listing")" >&2; exit 1; }
  done
}
files="bin/rwkv-desktop bin/rwkv-cli share/rwkv-desktop/models/rwkv7-demo-18.7m-20261123.pth
  share/rwkv-desktop/vocab/rwkv_vocab_v20230424.txt share/rwkv-desktop/vocab/20B_tokenizer.json
  share/rwkv-desktop/catalog/models.json
  share/applications/rwkv-desktop.desktop share/icons/hicolor/scalable/apps/rwkv-desktop.svg"

dpkg-deb -c "$deb" | awk '{print $NF}' >"$work/deb.txt"
# shellcheck disable=SC2086
expect "$work/deb.txt" $(for f in $files; do echo "./usr/$f"; done)
dpkg-deb -f "$deb" Package Version Depends >"$work/control.txt"
grep -q "^Version: $version" "$work/control.txt" || { cat "$work/control.txt"; exit 1; }
# Every QML module package of the app's list, by exact name (a version may follow it).
sed -n 's/^Depends: //p' "$work/control.txt" | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' >"$work/depends.txt"
for p in $(awk '!/^#/ && NF { print $2 }' "$qml_modules"); do
  grep -qx -- "$p" "$work/depends.txt" || { echo "check_package: Depends lacks $p" >&2; exit 1; }
done

tar -tzf "$tgz" >"$work/tgz.txt"
# shellcheck disable=SC2086
expect "$work/tgz.txt" $(for f in $files; do echo "/$f"; done)

mkdir "$work/root"
dpkg-deb -x "$deb" "$work/root"
cli="$work/root/usr/bin/rwkv-cli"
"$cli" info | grep -q "RWKV-7" || { echo "check_package: the installed rwkv-cli does not find its demo model" >&2; exit 1; }
"$cli" chat --prompt "Hello!" --temperature 0 | grep -q "How can I help you today?" || {
  echo "check_package: the installed rwkv-cli does not chat" >&2; exit 1; }

"$cli" --version | grep -q "$version" || { echo "check_package: rwkv-cli --version does not say $version" >&2; exit 1; }
echo "check_package: $(basename "$deb") and $(basename "$tgz") are complete"
