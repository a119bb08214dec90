#include "core/paths.h"

#include <cstdlib>
#include <string>
#include <system_error>

#ifdef _WIN32
#include <windows.h>
#endif

namespace rwkv {

std::filesystem::path executablePath()
{
#ifdef _WIN32
    // Paths may be longer than MAX_PATH; a full buffer means the name was cut, so grow it.
    std::wstring buf(MAX_PATH, L'\0');
    for (;;) {
        const DWORD n = GetModuleFileNameW(nullptr, buf.data(), DWORD(buf.size()));
        if (n < buf.size()) return std::filesystem::path(buf.substr(0, n));
        buf.resize(buf.size() * 2);
    }
#else
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/self/exe", ec);
#endif
}

std::filesystem::path installDataDir()
{
    return executablePath().parent_path().parent_path() / "share" / "rwkv-desktop";
}

std::filesystem::path defaultModelPath() { return installDataDir() / "models" / "rwkv7-demo-18.7m-20261123.pth"; }

std::filesystem::path vocabDir() { return installDataDir() / "vocab"; }

std::filesystem::path userDataDir()
{
#ifdef _WIN32
    // The wide variable: the narrow one is in the ANSI code page.
    if (const wchar_t* appData = _wgetenv(L"APPDATA"); appData && *appData)
        return std::filesystem::path(appData) / "rwkv-desktop";
    return "rwkv-desktop";
#else
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "rwkv-desktop";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home ? home : ".") / ".local" / "share" / "rwkv-desktop";
#endif
}

} // namespace rwkv
