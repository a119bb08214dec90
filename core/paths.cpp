#include "core/paths.h"

#include <cstdlib>
#include <system_error>

#ifdef _WIN32
#include <windows.h>
#endif

namespace rwkv {

namespace {

std::filesystem::path executablePath()
{
#ifdef _WIN32
    wchar_t buf[MAX_PATH];
    const DWORD n = GetModuleFileNameW(nullptr, buf, MAX_PATH);
    return std::filesystem::path(std::wstring(buf, n));
#else
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/self/exe", ec);
#endif
}

} // namespace

std::filesystem::path installDataDir()
{
    return executablePath().parent_path().parent_path() / "share" / "rwkv-desktop";
}

std::filesystem::path defaultModelPath() { return installDataDir() / "models" / "rwkv7-demo-18.7m-20261123.pth"; }

std::filesystem::path vocabDir() { return installDataDir() / "vocab"; }

std::filesystem::path userDataDir()
{
#ifdef _WIN32
    if (const char* appData = std::getenv("APPDATA")) return std::filesystem::path(appData) / "rwkv-desktop";
    return "rwkv-desktop";
#else
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "rwkv-desktop";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home ? home : ".") / ".local" / "share" / "rwkv-desktop";
#endif
}

} // namespace rwkv
