#!/bin/sh
# Runs one fuzz target: its committed corpus first, then fuzzing for SECONDS (docs/fuzzing.md).
#   tests/fuzz/run.sh BUILD_DIR NAME SECONDS [more libFuzzer options]
# New inputs go to BUILD_DIR/fuzz/corpus/NAME, crashes to BUILD_DIR/fuzz/artifacts/; the
# committed corpus is only read. Exits non-zero on a crash, leak, timeout or broken property.
set -eu
build=$1 name=$2 seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
case $name in
  checkpoint|zip|pickle|safetensors|transfer) max_len=262144 ;;
  document) max_len=65536 ;;
  *) max_len=8192 ;;
esac
dict=""
[ -f "$here/dict/$name.dict" ] && dict="-dict=$here/dict/$name.dict"
mkdir -p "$build/fuzz/corpus/$name" "$build/fuzz/artifacts"
# shellcheck disable=SC2086
exec "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
  -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$build/fuzz/artifacts/$name-" $dict "$@" \
  "$build/fuzz/corpus/$name" "$here/corpus/$name"
