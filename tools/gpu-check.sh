#!/bin/sh
# The GPU checks of the CUDA backend, for a machine with an NVIDIA GPU and the CUDA toolkit:
# builds what is missing, runs the CUDA tests (a missing GPU fails them here instead of
# skipping), then rwkv-cli bench on random RWKV-7 checkpoints of the 0.1B, 1.5B and (with
# --7b) 7.2B shapes. Results go to $OUT if set, else BUILD/gpu-check. Needs the build packages
# (tools/deps-debian.sh) and the CUDA toolkit (nvcc); without Qt 6 Test only the benchmarks run.
# Usage: tools/gpu-check.sh [--7b] [build-dir]
set -eu
big=0
[ "${1:-}" = "--7b" ] && { big=1; shift; }
build=${1:-build}
out=${OUT:-$build/gpu-check}
tmp=${TMPDIR:-/tmp}/rwkv-gpu-check
mkdir -p "$out" "$tmp"
tests="test_cuda_kernels test_cuda_model test_no_cuda"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRWKV_BUILD_APP=OFF \
    || { tests=""; cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRWKV_BUILD_APP=OFF -DRWKV_BUILD_TESTS=OFF; }
fi
[ -n "$tests" ] || echo "tests not built (see the configure output): benchmarks only" | tee "$out/tests-missing.txt"
# shellcheck disable=SC2086
cmake --build "$build" --target rwkv-cli rwkv_cuda $tests -j"$(nproc)"
cli="$build/bin/rwkv-cli"
nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed" >"$out/nvidia-smi.txt"
"$cli" devices | tee "$out/devices.txt"

status=0
[ -n "$tests" ] || status=1
for t in $tests; do
  if RWKV_REQUIRE_CUDA=1 "$build/tests/$t" >"$out/$t.txt" 2>&1; then r=pass; else r=FAIL; status=1; fi
  echo "$t: $r ($(grep '^Totals' "$out/$t.txt" || echo 'no totals'))"
done

bench() { # layers width prompt-tokens gen-tokens
  f="$tmp/x070-l$1-c$2.st"
  [ -f "$f" ] || "$cli" make-random --arch x070 --layers "$1" --width "$2" --vocab 65536 --out "$f" >/dev/null
  for prec in fp16 bf16; do
    if "$cli" bench --model "$f" --strategy "cuda $prec" --prompt-tokens "$3" --gen-tokens "$4" --repetitions 2 \
      >"$tmp/run.txt" 2>&1; then
      grep -E '^\| [^m-]|^device memory' "$tmp/run.txt" | tee -a "$out/bench.txt"
    else
      status=1; echo "FAILED: bench $f cuda $prec" | tee -a "$out/bench.txt"; cat "$tmp/run.txt" >>"$out/bench.txt"
    fi
  done
}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep "^cuda:0" "$out/devices.txt" 2>/dev/null)" >>"$out/bench.txt"
bench 12 768 2048 256
bench 24 2048 2048 128
[ "$big" = 1 ] && bench 32 4096 1024 64
exit $status
