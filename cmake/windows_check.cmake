# RWKV_WINDOWS_CHECK (on in the ci preset): the mingw preset's build of core, the CPU backend and
# rwkv-cli.exe, made as a sub-build in build/windows, then tested under wine by CTest
# (tests/test_windows_cli.cpp, installer/windows-cli/check_installer.sh). A missing cross
# compiler, wine or makensis fails the configure: CI must not pass without the Windows proof.
include(ExternalProject)
include(${CMAKE_CURRENT_LIST_DIR}/wine.cmake)
find_program(RWKV_MINGW_CXX x86_64-w64-mingw32-g++-posix)
find_program(RWKV_MAKENSIS makensis)
if(NOT RWKV_MINGW_CXX OR NOT RWKV_WINE OR NOT RWKV_MAKENSIS)
  message(FATAL_ERROR "RWKV_WINDOWS_CHECK needs x86_64-w64-mingw32-g++-posix, wine and makensis: run tools/deps-debian.sh")
endif()

set(RWKV_WINDOWS_DIR ${CMAKE_BINARY_DIR}/windows)
set(RWKV_WINDOWS_CLI ${RWKV_WINDOWS_DIR}/bin/rwkv-cli.exe)
rwkv_wine_env(RWKV_WINE_ENV ${RWKV_WINDOWS_DIR}/wineprefix)
set(rwkv_launcher "")
if(CMAKE_CXX_COMPILER_LAUNCHER)
  set(rwkv_launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER})
endif()
ExternalProject_Add(rwkv_windows
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${RWKV_WINDOWS_DIR}
  CONFIGURE_COMMAND ${CMAKE_COMMAND} -S ${CMAKE_SOURCE_DIR} -B ${RWKV_WINDOWS_DIR} --preset mingw ${rwkv_launcher}
  BUILD_COMMAND ${CMAKE_COMMAND} --build ${RWKV_WINDOWS_DIR}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON
  USES_TERMINAL_BUILD ON)
