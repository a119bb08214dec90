#include "tools/rwkv-cli/chat_loop.h"

#include "core/error.h"
#include "tools/rwkv-cli/console.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

namespace rwkv::cli {

namespace {

constexpr const char* kHelp = "commands: /help this list, /reset start over, /regenerate the last reply again,\n"
                              "/save NAME keep the state as a named state (rwkv-cli state load NAME), /quit end\n";

// The command word and its argument: "/save intro" → {"/save", "intro"}.
std::pair<std::string, std::string> splitCommand(const std::string& line)
{
    const size_t space = line.find(' ');
    if (space == std::string::npos) return {line, {}};
    const size_t start = line.find_first_not_of(' ', space);
    return {line.substr(0, space), start == std::string::npos ? std::string() : line.substr(start)};
}

// "/word" (letters only): meant as a command. "/usr/bin" or "/ 2" are messages.
bool isCommandWord(const std::string& word)
{
    return word.size() > 1 && word[0] == '/'
           && std::all_of(word.begin() + 1, word.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

} // namespace

int runChatLoop(const ChatActions& actions, const std::string& banner)
{
    const bool interactive = isTerminal(stdin);
    if (interactive) std::fprintf(stderr, "%s Type /help for commands; Ctrl-D ends.\n", banner.c_str());
    int status = 0;
    for (std::string line;;) {
        if (interactive) std::fprintf(stderr, "User: ");
        if (!std::getline(std::cin, line)) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const auto [command, argument] = splitCommand(line);
        try {
            if (command == "/quit") break;
            if (command == "/help") {
                std::fputs(kHelp, stderr);
            } else if (command == "/reset") {
                actions.reset();
                std::fprintf(stderr, "(started over)\n");
            } else if (command == "/regenerate") {
                if (interactive) std::fprintf(stderr, "Assistant: ");
                actions.regenerate();
            } else if (command == "/save") {
                if (argument.empty()) throw Error(ErrorCode::InvalidArgument, "/save needs a NAME");
                actions.save(argument);
            } else if (isCommandWord(command)) {
                throw Error(ErrorCode::InvalidArgument, "unknown command " + command + " (/help lists them)");
            } else {
                if (interactive) std::fprintf(stderr, "Assistant: ");
                actions.send(line);
            }
        } catch (const Error& e) {
            std::fflush(stdout);
            std::fprintf(stderr, "rwkv-cli: error: %s\n", e.what());
            status = 1;
        }
    }
    return status;
}

} // namespace rwkv::cli
