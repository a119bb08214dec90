#pragma once
// UTF-8 text <-> std::filesystem::path, the same on every platform. Strings in this project
// are UTF-8, but path(std::string) and path::string() use the ANSI code page on Windows (mingw,
// MSVC), which cannot hold most non-ASCII names; every conversion goes through these two.
#include <filesystem>
#include <string>
#include <string_view>

namespace rwkv {

// The path named by UTF-8 text (a command-line argument, a JSON value, a database column).
std::filesystem::path pathFromUtf8(std::string_view utf8);
// The path as UTF-8, for messages, JSON and storage.
std::string pathToUtf8(const std::filesystem::path& path);

} // namespace rwkv
