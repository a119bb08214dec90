#pragma once
// The SHA-256 of a file, through OpenSSL's libcrypto (the download check of `pull`).
#include <filesystem>
#include <string>

namespace rwkv::cli {

// 64 lower-case hex digits. Throws Error(Io) when the file cannot be read.
std::string fileSha256(const std::filesystem::path& file);

} // namespace rwkv::cli
