# Header-only use of Debian's nlohmann-json3-dev, libxxhash-dev and libhwy-dev in a cross build,
# where Debian has no target packages of them. Their headers are copied into the build tree:
# adding /usr/include itself would shadow the target's own C library headers. The targets get
# the names the native build's find_package/pkg-config give them, so the libraries' CMakeLists
# read the same in both builds.
set(RWKV_HOST_INCLUDE_DIR /usr/include CACHE PATH "Host folder holding nlohmann/, hwy/ and xxhash.h")
set(rwkv_host_headers ${CMAKE_BINARY_DIR}/host-headers)
foreach(item nlohmann hwy xxhash.h)
  if(NOT EXISTS ${RWKV_HOST_INCLUDE_DIR}/${item})
    message(FATAL_ERROR "${RWKV_HOST_INCLUDE_DIR}/${item} is missing: run tools/deps-debian.sh")
  endif()
  file(COPY ${RWKV_HOST_INCLUDE_DIR}/${item} DESTINATION ${rwkv_host_headers})
endforeach()

add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${rwkv_host_headers})
# XXH_INLINE_ALL: the whole of xxHash is compiled from the header; no libxxhash to link.
add_library(PkgConfig::XXHASH INTERFACE IMPORTED)
set_target_properties(PkgConfig::XXHASH PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${rwkv_host_headers}
  INTERFACE_COMPILE_DEFINITIONS XXH_INLINE_ALL)
# Highway without libhwy: only with RWKV_CPU_RUNTIME_DISPATCH=OFF (compile-time targets).
add_library(PkgConfig::HWY INTERFACE IMPORTED)
set_target_properties(PkgConfig::HWY PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${rwkv_host_headers})
