#pragma once
// The SHA-256 of a file, through OpenSSL's libcrypto (the download check of pullModel).
#include <atomic>
#include <filesystem>
#include <string>

namespace rwkv {

// 64 lower-case hex digits. Throws Error(Io) when the file cannot be read, Error(Cancelled) when
// `interrupted` is set (checked between 1 MiB reads: a big model takes seconds).
std::string fileSha256(const std::filesystem::path& file, const std::atomic<bool>* interrupted = nullptr);

} // namespace rwkv
