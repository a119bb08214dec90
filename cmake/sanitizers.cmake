# Sanitizer and fuzzing instrumentation for the whole build (the `fuzz` preset, docs/fuzzing.md).
# RWKV_SANITIZE: ASan + UBSan on every target, and any report ends the program
# (-fno-sanitize-recover=all), so a test or a fuzz run fails on it instead of printing and going on.
# RWKV_FUZZ: also libFuzzer's coverage instrumentation (clang only) and the targets of tests/fuzz.
option(RWKV_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(RWKV_FUZZ "Build the libFuzzer targets of tests/fuzz (clang; implies RWKV_SANITIZE)" OFF)
# RWKV_TSAN: ThreadSanitizer instead (it cannot be combined with ASan), for the concurrency test.
option(RWKV_TSAN "Build everything with ThreadSanitizer" OFF)
if(RWKV_TSAN AND RWKV_SANITIZE)
  message(FATAL_ERROR "RWKV_TSAN and RWKV_SANITIZE (or RWKV_FUZZ) exclude each other")
endif()
if(RWKV_TSAN)
  add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=thread> $<$<COMPILE_LANGUAGE:C,CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=thread)
endif()
if(RWKV_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "RWKV_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  set(RWKV_SANITIZE ON)
endif()
if(RWKV_SANITIZE)
  set(RWKV_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${RWKV_SANITIZER_FLAGS}>")
  add_link_options(${RWKV_SANITIZER_FLAGS})
endif()
if(RWKV_FUZZ)
  # Coverage feedback in every library; the fuzz targets link libFuzzer's main themselves.
  add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>)
endif()
