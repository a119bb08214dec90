#include "core/io/stdio_file.h"

#include <cerrno>
#include <cstring>
#include <string>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace rwkv {

std::FILE* openStdioFile(const std::filesystem::path& path, const char* mode)
{
#ifdef _WIN32
    const std::string narrow(mode);
    const std::wstring wideMode(narrow.begin(), narrow.end()); // modes are ASCII
    return _wfopen(path.c_str(), wideMode.c_str());
#else
    return std::fopen(path.c_str(), mode);
#endif
}

bool syncToDisk(std::FILE* file)
{
#ifdef _WIN32
    return _commit(_fileno(file)) == 0;
#else
    return ::fsync(fileno(file)) == 0;
#endif
}

std::string describeIoError(int err)
{
    const bool full = err == ENOSPC || err == EFBIG
#ifdef EDQUOT
                      || err == EDQUOT
#endif
        ;
    if (full) return "the disk is full or the file reached a size limit (" + std::string(std::strerror(err)) + ")";
    return std::strerror(err);
}

} // namespace rwkv
