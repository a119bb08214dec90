#pragma once
// C stdio files named by std::filesystem::path on every platform: fopen(path.string()) would
// go through the ANSI code page on Windows and miss most non-ASCII names.
#include <cstdio>
#include <filesystem>
#include <string>

namespace rwkv {

// fopen by path (_wfopen on Windows). nullptr with errno set on failure.
std::FILE* openStdioFile(const std::filesystem::path& path, const char* mode);
// Forces data already flushed from `file`'s buffer onto the disk (fsync; _commit on Windows).
// Returns false with errno set on failure.
bool syncToDisk(std::FILE* file);
// What a user should read for a failed read or write with this errno: a full disk, a quota or
// a file-size limit is said plainly (they are the ones a user can act on), the rest by strerror.
std::string describeIoError(int err);

} // namespace rwkv
