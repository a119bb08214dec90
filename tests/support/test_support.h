#pragma once
// Paths shared by the test programs. Tests read only files inside the repository.
#include <cstdlib>
#include <filesystem>

namespace rwkv::test {

// tests/data in the source tree, or $RWKV_TEST_DATA_DIR (set by the Qt-free GPU runner, whose
// tree may have moved to another machine).
inline std::filesystem::path dataDir()
{
    const char* moved = std::getenv("RWKV_TEST_DATA_DIR");
    return moved && *moved ? std::filesystem::path(moved) : std::filesystem::path(RWKV_TEST_DATA_DIR);
}
// build/share/rwkv-desktop (vocab, demo model).
inline std::filesystem::path shareDir() { return RWKV_TEST_SHARE_DIR; }
// The bundled demo model and the World vocabulary, in shareDir().
inline std::filesystem::path demoModelPath() { return shareDir() / "models" / "rwkv7-demo-18.7m-20261123.pth"; }
inline std::filesystem::path worldVocabPath() { return shareDir() / "vocab" / "rwkv_vocab_v20230424.txt"; }
// build/bin (rwkv-cli).
inline std::filesystem::path binDir() { return RWKV_TEST_BIN_DIR; }

} // namespace rwkv::test
