#include "core/utf8_path.h"

namespace rwkv {

// char8_t strings convert through UTF-8 (UTF-16 on Windows) whatever the locale or code page.
std::filesystem::path pathFromUtf8(std::string_view utf8)
{
    return std::filesystem::path(std::u8string(utf8.begin(), utf8.end()));
}

std::string pathToUtf8(const std::filesystem::path& path)
{
    const std::u8string text = path.u8string();
    return std::string(text.begin(), text.end());
}

} // namespace rwkv
