#pragma once
// C stdio files named by std::filesystem::path on every platform: fopen(path.string()) would
// go through the ANSI code page on Windows and miss most non-ASCII names.
#include <cstdio>
#include <filesystem>

namespace rwkv {

// fopen by path (_wfopen on Windows). nullptr with errno set on failure.
std::FILE* openStdioFile(const std::filesystem::path& path, const char* mode);
// Forces data already flushed from `file`'s buffer onto the disk (fsync; _commit on Windows).
// Returns false with errno set on failure.
bool syncToDisk(std::FILE* file);

} // namespace rwkv
