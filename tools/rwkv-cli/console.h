#pragma once
// The process's command line and console: the one place in rwkv-cli with OS calls.
#include <cstdio>
#include <string>
#include <vector>

namespace rwkv::cli {

// The command line as UTF-8. On Windows main()'s argv is in the ANSI code page, so the
// arguments are read again from the wide (UTF-16) command line; elsewhere argv is used as is.
class Utf8CommandLine {
public:
    Utf8CommandLine(int argc, char** argv);
    Utf8CommandLine(const Utf8CommandLine&) = delete; // argv() points into m_args
    Utf8CommandLine& operator=(const Utf8CommandLine&) = delete;
    int argc() const { return int(m_args.size()); }
    // NUL-terminated strings as main() receives them, valid while this object lives.
    char** argv() { return m_argv.data(); }

private:
    std::vector<std::string> m_args;
    std::vector<char*> m_argv;
};

// Makes the console speak UTF-8 and the output streams write "\n" unchanged, as on Linux
// (Windows: console code pages to UTF-8, stdout/stderr in binary mode, ANSI escapes on for the
// progress line). No-op elsewhere.
void setUpConsole();

// Whether `stream` is an interactive terminal (for prompts and progress lines).
bool isTerminal(std::FILE* stream);

} // namespace rwkv::cli
