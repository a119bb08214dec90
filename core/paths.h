#pragma once
// Where run-time files live. The build tree mirrors the install tree, so both are found
// relative to the running executable: <prefix>/bin/exe → <prefix>/share/rwkv-desktop.
#include <filesystem>

namespace rwkv {

// The running executable (<prefix>/bin/exe).
std::filesystem::path executablePath();
// <prefix>/share/rwkv-desktop of the running executable.
std::filesystem::path installDataDir();
// The bundled demo model (the default model).
std::filesystem::path defaultModelPath();
// The tokenizer vocabulary files (World, NeoX).
std::filesystem::path vocabDir();
// Per-user data: $XDG_DATA_HOME/rwkv-desktop (~/.local/share/rwkv-desktop); %APPDATA%\rwkv-desktop on Windows.
std::filesystem::path userDataDir();

} // namespace rwkv
