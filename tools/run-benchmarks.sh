#!/bin/sh
# Runs the CPU benchmarks recorded in BENCHMARKS.md: the demo model, random RWKV-7 checkpoints
# of the 0.1B and 1.5B shapes, and every generation at the 0.1B shape.
# Usage: tools/run-benchmarks.sh [build-dir] [scratch-dir]   (random models go to scratch-dir)
set -eu
build=${1:-build}
tmp=${2:-/tmp/rwkv-bench}
cli="$build/bin/rwkv-cli"
mkdir -p "$tmp"

make_model() { # arch layers width file
  [ -f "$4" ] || "$cli" make-random --arch "$1" --layers "$2" --width "$3" --vocab 65536 --out "$4" >/dev/null
}
bench() { "$cli" bench "$@" | grep -E '^\| [^m-]|^machine'; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for prec in fp32 bf16; do bench --strategy "cpu $prec"; done
for arch in x070 x060 x052 x040; do
  make_model "$arch" 12 768 "$tmp/$arch-l12-c768.st"
  for prec in fp32 bf16; do bench --model "$tmp/$arch-l12-c768.st" --strategy "cpu $prec" --repetitions 2; done
done
make_model x070 24 2048 "$tmp/x070-l24-c2048.st"
for prec in fp32 bf16; do
  bench --model "$tmp/x070-l24-c2048.st" --strategy "cpu $prec" --prompt-tokens 128 --gen-tokens 32 --repetitions 1
done
