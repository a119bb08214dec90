#!/bin/sh
# Builds here what runs on the rented NVIDIA machine (docs/gpu-run.md), which has the CUDA
# toolkit but no Qt and none of our Debian packages: rwkv-cli, the CUDA plugin (sm_90) and
# gpu-parity (the GPU tests without Qt), Release, into build-gpu/, then gathers them into
# .gpu/ (ignored) with the shared libraries they need beside them:
#   .gpu/bin/        rwkv-cli, gpu-parity (RUNPATH $ORIGIN/../lib)
#   .gpu/lib/        librwkv_cuda.so and every library ldd finds that is not the C/C++ runtime
#                    or cuBLAS (0.5 GB: the machine has it, tools/gpu-remote.sh finds it);
#                    libvulkan.so.1 is Debian's loader
#   .gpu/lib/fallback/  the C++ runtime and GL dispatch libraries, used there only if missing
#   .gpu/share/rwkv-desktop/vocab/  the World vocabulary (rwkv-cli loads it for 65536-token models)
# Usage: tools/gpu-bundle.sh [build-dir]   (run from the repository root)
set -eu
build=${1:-build-gpu}
bundle=.gpu
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache"
# No Qt (no app, no Qt tests), no ICU (NeoX), no SQLite/zstd (store) and no server: fewer
# libraries to bring along. $ORIGIN/../lib finds .gpu/lib from .gpu/bin.
# shellcheck disable=SC2086,SC2016
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRWKV_CUDA_ARCHITECTURES=90 \
  -DRWKV_BUILD_APP=OFF -DRWKV_BUILD_TESTS=OFF -DRWKV_BUILD_GPU_RUNNER=ON -DRWKV_WITH_NEOX=OFF \
  -DRWKV_WITH_STORE=OFF -DRWKV_BUILD_SERVER=OFF '-DCMAKE_BUILD_RPATH=$ORIGIN/../lib' $launcher >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target rwkv-cli gpu-parity rwkv_cuda
[ -f "$build/lib/librwkv_cuda.so" ] || { echo "gpu-bundle: the CUDA plugin was not built (no nvcc?)" >&2; exit 1; }

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib/fallback" "$bundle/share/rwkv-desktop/vocab"
cp "$build/bin/rwkv-cli" "$build/bin/gpu-parity" "$bundle/bin/"
cp "$build/lib/librwkv_cuda.so" "$bundle/lib/"
cp resources/vocab/rwkv_vocab_v20230424.txt "$bundle/share/rwkv-desktop/vocab/"

# The libraries ldd resolves, gathered until no new one appears. The C and C++ runtimes are
# the machine's own (ours need glibc 2.34 and GLIBCXX 3.4.30: Ubuntu 22.04 and later).
base='^(linux-vdso|ld-linux|libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|libcublas|libcublasLt)\.'
todo="$bundle/bin/rwkv-cli $bundle/bin/gpu-parity $bundle/lib/librwkv_cuda.so"
while [ -n "$todo" ]; do
  next=""
  for f in $todo; do
    for lib in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// {print $1 "=" $3}'); do
      name=${lib%%=*} path=${lib#*=}
      echo "$name" | grep -Eq "$base" && continue
      [ -e "$bundle/lib/$name" ] && continue
      cp -L "$path" "$bundle/lib/$name"
      next="$next $bundle/lib/$name"
    done
  done
  todo=$next
done
# Used there only where the machine lacks them (tools/gpu-remote.sh): the C++ runtime, and
# the GL dispatch libraries that NVIDIA's Vulkan driver (libGLX_nvidia) links to.
for name in libstdc++.so.6 libgcc_s.so.1 libGLdispatch.so.0 libGLX.so.0; do
  path=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ {print $NF; exit}')
  [ -n "$path" ] && cp -L "$path" "$bundle/lib/fallback/$name"
done
[ -e "$bundle/lib/libvulkan.so.1" ] || { echo "gpu-bundle: no Vulkan loader was linked (libvulkan-dev missing?)" >&2; exit 1; }
strip --strip-unneeded "$bundle"/bin/* "$bundle"/lib/*.so* 2>/dev/null || true
du -sh "$bundle"
ls -l "$bundle/bin" "$bundle/lib" "$bundle/lib/fallback"
