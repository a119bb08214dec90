#pragma once
// Paths shared by the test programs. Tests read only files inside the repository.
#include <filesystem>

namespace rwkv::test {

// tests/data in the source tree.
inline std::filesystem::path dataDir() { return RWKV_TEST_DATA_DIR; }
// build/share/rwkv-desktop (vocab, demo model).
inline std::filesystem::path shareDir() { return RWKV_TEST_SHARE_DIR; }
// The bundled demo model and the World vocabulary, in shareDir().
inline std::filesystem::path demoModelPath() { return shareDir() / "models" / "rwkv7-demo-18.7m-20261123.pth"; }
inline std::filesystem::path worldVocabPath() { return shareDir() / "vocab" / "rwkv_vocab_v20230424.txt"; }
// build/bin (rwkv-cli).
inline std::filesystem::path binDir() { return RWKV_TEST_BIN_DIR; }

} // namespace rwkv::test
