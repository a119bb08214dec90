#!/bin/sh
# Makes the working tree fit the device tool's 64 MiB (docs/gpu-run.md) and puts it back.
# What travels is every tracked file and every untracked file git does not ignore, plus the
# carried paths; the demo model (resources/models/*.pth, 37 MB) is most of it and the GPU run
# does not need it.
#   fit      untrack the demo model (git rm --cached) and ignore it (.git/info/exclude); a
#            watchdog restores it after 30 minutes (longer than any device call) should
#            `restore` never run. Commit nothing while fitted: the model shows as deleted.
#   restore  track it again exactly as in HEAD and drop the ignore line; safe to repeat.
#   size [PATH...]  the MiB that would travel, with PATH... carried; fails at 64 MiB or more.
# Usage: tools/gpu-tree.sh fit|restore|size [PATH...]   (from the repository root)
set -eu
exclude=$(git rev-parse --git-path info/exclude)
marker=$(git rev-parse --git-path rwkv-gpu-fit)
models='resources/models/*.pth'
line='/resources/models/*.pth'

restore() {
  [ -f "$marker" ] || return 0
  # shellcheck disable=SC2046
  git reset -q HEAD -- $(cat "$marker")
  if [ -f "$exclude" ]; then
    grep -vxF "$line" "$exclude" >"$exclude.tmp" || true
    mv "$exclude.tmp" "$exclude"
  fi
  rm -f "$marker" "$marker.id"
  echo "gpu-tree: the demo model is tracked again"
}

size() {
  tree=$({ git ls-files -z; git ls-files -z --others --exclude-standard; } |
    xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}')
  carried=0
  for p in "$@"; do carried=$((carried + $(du -sb "$p" | cut -f1))); done
  total=$((tree + carried))
  echo "gpu-tree: $((tree >> 20)) MiB of tree + $((carried >> 20)) MiB carried = $((total >> 20)) MiB (limit 64)"
  [ "$total" -lt $((64 << 20)) ]
}

case "${1:-}" in
fit)
  [ -f "$marker" ] && { echo "gpu-tree: already fitted"; exit 0; }
  files=$(git ls-files -- "$models")
  [ -n "$files" ] || { echo "gpu-tree: no tracked demo model" >&2; exit 1; }
  # Interrupted half-way, the tree goes back as it was.
  trap 'restore; exit 1' INT TERM HUP
  echo "$files" >"$marker"
  # shellcheck disable=SC2086
  git rm -q --cached -- $files
  echo "$line" >>"$exclude"
  trap - INT TERM HUP
  # The watchdog restores only the fit that started it (its id), never a later one.
  id="$$-$(date +%s)"
  echo "$id" >"$marker.id"
  here=$PWD
  (cd / && nohup setsid sh -c "sleep 1800; cd '$here' && [ \"\$(cat '$marker.id' 2>/dev/null)\" = '$id' ] \
    && sh tools/gpu-tree.sh restore" >/dev/null 2>&1 &)
  echo "gpu-tree: the demo model is untracked and ignored until 'tools/gpu-tree.sh restore' (or 30 minutes)"
  ;;
restore) restore ;;
size) shift; size "$@" ;;
*) echo "usage: tools/gpu-tree.sh fit|restore|size [PATH...]" >&2; exit 2 ;;
esac
