#pragma once
// rwkv-cli chat's conversation read line by line (a terminal or a pipe), shared by the plain
// and the stored chat: each line is a message, except the commands /help, /reset,
// /regenerate, /save NAME and /quit. Empty lines are skipped; the end of input ends.
#include <functional>
#include <string>

namespace rwkv::cli {

struct ChatActions {
    std::function<void(const std::string& message)> send;  // one turn, the reply streamed to stdout
    std::function<void()> regenerate;                      // the last reply again, in its place
    std::function<void()> reset;                           // start over (stored: a new conversation)
    std::function<void(const std::string& name)> save;     // the state now, as a named state
};

// Runs until end of input or /quit. A failed line (rwkv::Error) is reported on stderr as
// "rwkv-cli: error: …" and the chat goes on. Returns 0, or 1 when some line failed.
// `banner` is printed first on an interactive terminal.
int runChatLoop(const ChatActions& actions, const std::string& banner);

} // namespace rwkv::cli
