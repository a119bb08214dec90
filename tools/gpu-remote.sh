#!/bin/bash
# Runs ON the rented NVIDIA machine (docs/gpu-run.md), from the repository root, with the
# bundle of tools/gpu-bundle.sh carried as .gpu: prints nvidia-smi, measures the device-to-device
# copy bandwidth (PyTorch, which the machine has), runs gpu-parity on CUDA and on Vulkan (through
# the loader in .gpu/lib), then rwkv-cli bench for CUDA fp16/bf16/int8/q4 and Vulkan fp16 on random
# RWKV-7 checkpoints of the 0.1B, 1.5B and 7.2B shapes made there, and packs every log into
# $OUT/gpu-logs.tar.gz. A summary goes to stdout. Steps past the time budget are skipped and
# say so. A missing CUDA or Vulkan device fails the parity step unless RWKV_REQUIRE_CUDA=0 or
# RWKV_REQUIRE_VULKAN=0 is set (a rehearsal on a machine without an NVIDIA GPU).
# Usage: tools/gpu-remote.sh [--quick] [--budget SECONDS]
#   --quick   tiny shapes and token counts (a rehearsal on lavapipe)
set -u
quick=0 budget=270
while [ $# -gt 0 ]; do
  case $1 in
  --quick) quick=1 ;;
  --budget) budget=$2; shift ;;
  *) echo "usage: tools/gpu-remote.sh [--quick] [--budget SECONDS]" >&2; exit 2 ;;
  esac
  shift
done
start=$(date +%s)
root=$PWD g=$PWD/.gpu
out=${OUT:-$root/gpu-out}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rwkv-gpu.XXXXXX")
logs=$tmp/gpu-logs
mkdir -p "$logs" "$out"
cli=$g/bin/rwkv-cli parity=$g/bin/gpu-parity
export RWKV_REQUIRE_CUDA=${RWKV_REQUIRE_CUDA:-1} RWKV_REQUIRE_VULKAN=${RWKV_REQUIRE_VULKAN:-1}
status=0
say() { echo "$*" | tee -a "$logs/summary.txt"; }
# Packed after every step: a run stopped at the device tool's limit still brings its logs back.
pack() { tar -czf "$out/gpu-logs.tar.gz" -C "$tmp" gpu-logs; }
left() { echo $((budget - ($(date +%s) - start))); }

ldcache() { PATH=$PATH:/sbin:/usr/sbin ldconfig -p; }

# --- libraries: cuBLAS from the machine (CUDA toolkit or PyTorch's wheels), the bundle's
# fallbacks for what the machine lacks, and NVIDIA's Vulkan driver.
cublas=$(ldcache | awk '$1 == "libcublas.so.13" {print $NF; exit}')
[ -n "$cublas" ] || cublas=$(find /usr/local/cuda*/lib64 /usr/local/cuda*/targets/x86_64-linux/lib /opt /usr/lib \
  -name libcublas.so.13 2>/dev/null | head -n 1)
libpath=$g/lib
[ -n "$cublas" ] && libpath=$libpath:$(dirname "$cublas")
# A fallback is used where the machine lacks the library, or all of them where ldd finds a
# library or a symbol version missing (an older C++ runtime).
mkdir -p "$tmp/fallback"
all=0
LD_LIBRARY_PATH=$libpath ldd "$cli" "$parity" "$g/lib/librwkv_cuda.so" 2>&1 | grep 'not found' | grep -qv libcublas && all=1
for f in "$g"/lib/fallback/*; do
  [ -e "$f" ] || continue
  if [ "$all" = 1 ] || ! ldcache | grep -q "^[[:space:]]*$(basename "$f") "; then ln -s "$f" "$tmp/fallback/"; fi
done
[ -n "$(ls "$tmp/fallback")" ] && libpath=$libpath:$tmp/fallback
[ -d /usr/local/nvidia/lib64 ] && libpath=$libpath:/usr/local/nvidia/lib64
export LD_LIBRARY_PATH=$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
# The loader does not look in the driver's folder; the driver is the one we want there anyway.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$nvidia_icd" ]; then
  export VK_DRIVER_FILES=$nvidia_icd
fi

{
  date -u; uname -a; grep PRETTY_NAME /etc/os-release; nproc; free -g; df -h "$tmp"
  echo "cuBLAS: ${cublas:-not found}"; echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"; echo "fallbacks used: $(find "$tmp/fallback" -mindepth 1 -printf '%f ')"
  for f in "$cli" "$parity" "$g/lib/librwkv_cuda.so"; do echo "== ldd $f"; ldd "$f"; done
} >"$logs/environment.txt" 2>&1
nvidia-smi >"$logs/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed" >>"$logs/nvidia-smi.txt"
say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv,noheader 2>&1 \
  || echo 'none (nvidia-smi failed or is missing)')"
VK_LOADER_DEBUG=error,warn "$cli" devices >"$logs/devices.txt" 2>&1
say "$(grep -E '^(cuda|vulkan):' "$logs/devices.txt")"
grep -q '^cuda:0 *available' "$logs/devices.txt" && have_cuda=1 || have_cuda=0
pack

# --- random checkpoints, made in the background while the parity tests run (those are not
# timed); fp16 so "cuda fp16" and "vulkan fp16" load them without converting. In memory
# (/dev/shm) where it has room for the 18 GB: the writer's fsync then costs nothing.
if [ "$quick" = 1 ]; then shapes="2x256 4x512"; else shapes="12x768 24x2048 32x4096"; fi
ck=$tmp
if [ "$(df --output=avail -B1G /dev/shm 2>/dev/null | tail -n 1)" -ge 24 ] 2>/dev/null; then
  ck=$(mktemp -d /dev/shm/rwkv-gpu.XXXXXX)
fi
echo "checkpoints in $ck" >>"$logs/environment.txt"
(
  "$cli" make-random --arch x070 --layers 2 --width 256 --vocab 65536 --dtype fp16 --out "$ck/chunk.st"
  for s in $shapes; do
    "$cli" make-random --arch x070 --layers "${s%x*}" --width "${s#*x}" --vocab 65536 --dtype fp16 --out "$ck/x070-$s.st"
  done
) >"$logs/make-random.txt" 2>&1 &
maker=$!
made() { grep -q "^wrote $ck/$1:" "$logs/make-random.txt"; }

# --- device-to-device copy bandwidth (GB/s counting bytes read and written).
gbs=0
if [ "$have_cuda" = 1 ]; then
  timeout 30 python3 - >"$logs/bandwidth.txt" 2>&1 <<'EOF'
import torch
n = 4 << 30
a = torch.empty(n, dtype=torch.uint8, device="cuda"); b = torch.empty_like(a)
for _ in range(3): b.copy_(a)
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
torch.cuda.synchronize(); s.record()
for _ in range(20): b.copy_(a)
e.record(); e.synchronize()
ms = s.elapsed_time(e) / 20
print(f"device-to-device copy: {2 * n / ms / 1e6:.0f} GB/s ({2 * n / 1e9:.1f} GB read and written in {ms:.3f} ms) on {torch.cuda.get_device_name()}")
EOF
  gbs=$(grep -o 'copy: [0-9]*' "$logs/bandwidth.txt" | grep -o '[0-9]*$' || echo 0)
  say "$(tail -n 1 "$logs/bandwidth.txt")"
else
  say "bandwidth: skipped, no CUDA device"
fi

# --- parity tests (a 2-layer random checkpoint for the chunking test).
while ! made chunk.st && kill -0 "$maker" 2>/dev/null; do sleep 1; done
for kind in cuda vulkan; do
  timeout 100 "$parity" "$kind" --model "$ck/chunk.st" --data "$root/tests/data" >"$logs/parity-$kind.txt" 2>&1 \
    || { rc=$?; status=1; echo "exit status $rc" >>"$logs/parity-$kind.txt"; }
  say "parity $kind: $(grep '^Totals' "$logs/parity-$kind.txt" || echo 'no totals (crashed or timed out)')"
  grep -E '^(FAIL|SKIP)' "$logs/parity-$kind.txt" | head -n 15 | tee -a "$logs/summary.txt"
  pack
done

# --- a real allocation failure (issue 15): another process holds all but 256 MiB of the GPU,
# then loading the 0.1B shape (≈ 380 MB of fp16 weights) must end in the core's error, printed
# as one "rwkv-cli: error:" line with exit status 1: no abort, no hang.
oom() { # strategy
  name="oom-${1// /-}"
  while ! made x070-${shapes%% *}.st && kill -0 "$maker" 2>/dev/null; do sleep 1; done
  python3 -c 'import torch, sys, time
free, total = torch.cuda.mem_get_info()
held = torch.empty(free - (256 << 20), dtype=torch.uint8, device="cuda")
print(f"holding {held.numel() >> 20} MiB of {total >> 20} MiB", flush=True)
time.sleep(60)' >"$logs/$name.txt" 2>&1 &
  holder=$!
  for _ in $(seq 30); do grep -q '^holding' "$logs/$name.txt" && break; sleep 1; done
  timeout 40 "$cli" generate --model "$ck/x070-${shapes%% *}.st" --strategy "$1" --prompt hi --max-tokens 1 \
    >>"$logs/$name.txt" 2>"$tmp/oom-err.txt"
  rc=$?
  kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
  cat "$tmp/oom-err.txt" >>"$logs/$name.txt"
  if [ "$rc" = 0 ]; then
    say "$name: the load succeeded all the same (the driver found memory elsewhere): nothing to check"
  elif [ "$rc" = 1 ] && grep -q '^rwkv-cli: error: .*memory' "$tmp/oom-err.txt"; then
    say "$name: pass ($(grep -m1 '^rwkv-cli: error' "$tmp/oom-err.txt"))"
  else
    status=1; say "$name: FAIL (exit $rc; $(head -c 300 "$tmp/oom-err.txt"))"
  fi
  pack
}
if [ "$have_cuda" = 1 ]; then oom "cuda fp16"; oom "vulkan fp16"; else say "oom: skipped, no CUDA device"; fi

# --- benchmarks, smallest shape first, each as soon as its checkpoint is written (the larger
# ones are still being written: disk and a few seconds of CPU, not the GPU); each bench
# limited, the rest skipped past the budget.
if [ "$quick" = 1 ]; then tokens="32 8 1"; else tokens=""; fi
for s in $shapes; do
  case $s in 12x768) t="2048 256 3" ;; 24x2048) t="2048 128 2" ;; *) t="1024 64 2" ;; esac
  read -r pp tg reps <<<"${tokens:-$t}"
  for strategy in "cuda fp16" "cuda bf16" "vulkan fp16" "cuda int8" "cuda q4"; do
    name="bench-$s-${strategy// /-}"
    if [ "${strategy%% *}" = cuda ] && [ "$have_cuda" = 0 ]; then say "$name: skipped, no CUDA device"; continue; fi
    if [ "$(left)" -lt 20 ]; then say "$name: skipped, time budget spent"; continue; fi
    while ! made "x070-$s.st" && kill -0 "$maker" 2>/dev/null && [ "$(left)" -gt 20 ]; do sleep 1; done
    if ! made "x070-$s.st"; then status=1; say "$name: no checkpoint (make-random.txt)"; continue; fi
    lim=$(left); [ "$lim" -gt 90 ] && lim=90
    if timeout "$lim" "$cli" bench --model "$ck/x070-$s.st" --strategy "$strategy" --prompt-tokens "$pp" \
      --gen-tokens "$tg" --repetitions "$reps" --device-gbs "$gbs" >"$logs/$name.txt" 2>&1; then
      grep -E '^\| x070' "$logs/$name.txt" | tee -a "$logs/summary.txt"
      grep '^device memory' "$logs/$name.txt" | tee -a "$logs/summary.txt"
    else
      rc=$?; status=1; say "$name: FAILED (exit $rc; 124: timed out), see $name.txt"; tail -n 3 "$logs/$name.txt"
    fi
  done
  rm -f "$ck/x070-$s.st"
  pack
done

kill "$maker" 2>/dev/null
say "total $(($(date +%s) - start)) s, status $status"
pack
rm -rf "$tmp" "$ck"
exit $status
