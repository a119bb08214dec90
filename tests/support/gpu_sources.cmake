# The shared GPU test bodies (support/check.h), compiled twice: into rwkv_test_support with
# RWKV_CHECKS_QT for the Qt Test programs and into rwkv_gpu_checks for the Qt-free runner.
set(RWKV_GPU_CHECK_SOURCES
  check.cpp gpu_device.cpp gpu_tolerances.cpp device_compare.cpp reference_case.cpp dequantized_model.cpp
  device_kernel_tests.cpp device_kernel_extras.cpp device_model_tests.cpp device_model_batched.cpp)
list(TRANSFORM RWKV_GPU_CHECK_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/tests/support/)
set(RWKV_TEST_PATH_DEFINITIONS
  RWKV_TEST_DATA_DIR="${CMAKE_SOURCE_DIR}/tests/data"
  RWKV_TEST_SHARE_DIR="${RWKV_SHARE_DIR}"
  RWKV_TEST_BIN_DIR="${CMAKE_BINARY_DIR}/bin")
