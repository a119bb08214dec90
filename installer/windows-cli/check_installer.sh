#!/bin/sh
# Makes the Windows installer with CPack's NSIS generator, checks its name and that it is a
# Windows program, installs it silently under wine into a temporary folder, runs the installed
# rwkv-cli.exe on its bundled demo model and uninstalls it.
# Usage: check_installer.sh WINDOWS_BUILD_DIR VERSION WINE (WINEPREFIX etc. in the environment).
set -eu
build=$1
version=$2
wine=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpack --config "$build/CPackConfig.cmake" -G NSIS -B "$work" >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log"; echo "check_installer: cpack failed" >&2; exit 1; }
installer="$work/rwkv-cli-$version-win64.exe"
[ -f "$installer" ] || { ls "$work"; echo "check_installer: $installer was not made" >&2; exit 1; }
[ "$(head -c 2 "$installer")" = "MZ" ] || { echo "check_installer: $installer is not a Windows program" >&2; exit 1; }

# NSIS silent install: /S, and /D= (last, backslashes) chooses the folder; wine maps Z: to /.
target="Z:$(printf '%s' "$work/installed" | tr / '\\')"
"$wine" "$installer" /S "/D=$target" || { echo "check_installer: the installer failed under wine" >&2; exit 1; }
for f in bin/rwkv-cli.exe share/rwkv-desktop/models/rwkv7-demo-18.7m-20261123.pth share/rwkv-desktop/vocab/rwkv_vocab_v20230424.txt; do
  [ -f "$work/installed/$f" ] || { echo "check_installer: $f was not installed" >&2; exit 1; }
done
out=$("$wine" "$work/installed/bin/rwkv-cli.exe" chat --prompt "Hello!" --temperature 0)
[ "$out" = "Hello! How can I help you today?" ] || {
  echo "check_installer: the installed rwkv-cli.exe answered '$out'" >&2; exit 1; }
# Uninstall (in place: _?= keeps NSIS from copying the uninstaller away and returning at once),
# which also leaves the wine prefix's registry as it was.
"$wine" "$work/installed/Uninstall.exe" /S "_?=$target"
[ ! -e "$work/installed/bin/rwkv-cli.exe" ] || { echo "check_installer: the uninstaller left rwkv-cli.exe" >&2; exit 1; }
echo "check_installer: $(basename "$installer") ($(wc -c <"$installer") bytes) installs, runs and uninstalls"
