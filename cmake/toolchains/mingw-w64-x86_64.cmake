# Cross build for 64-bit Windows with Debian's mingw-w64 (posix threads: std::thread and
# std::mutex on winpthreads). Used by the `mingw` preset; see README "Windows build".
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(RWKV_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${RWKV_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${RWKV_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${RWKV_MINGW_TRIPLE}-windres)

# Libraries and headers of the target only; programs (pkg-config, makensis) of the host.
set(CMAKE_FIND_ROOT_PATH /usr/${RWKV_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# libstdc++, libgcc and winpthread linked in: the .exe runs on a clean Windows with no DLLs beside it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# CTest runs the .exe files under wine (cmake/wine.cmake), with a prefix in the build tree.
include(${CMAKE_CURRENT_LIST_DIR}/../wine.cmake)
if(RWKV_WINE)
  rwkv_wine_env(rwkv_env ${CMAKE_BINARY_DIR}/wineprefix)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_COMMAND} -E env ${rwkv_env} ${RWKV_WINE})
endif()
