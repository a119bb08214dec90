#include "tools/rwkv-cli/store_setup.h"

#include "core/error.h"
#include "core/utf8_path.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace rwkv::cli {

std::unique_ptr<Store> openStore(const std::optional<std::string>& db)
{
    return std::make_unique<Store>(db ? pathFromUtf8(*db) : Store::defaultPath());
}

int64_t parseId(const std::string& text, const char* what)
{
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
        throw Error(ErrorCode::InvalidArgument, std::string(what) + " must be a positive number, got '" + text + "'");
    return id;
}

TransferModel transferModel(const LoadedModel& m) { return {m.model->config(), m.model->fingerprint(), m.path}; }

std::string formatTime(int64_t unixMillis)
{
    const std::time_t t = std::time_t(unixMillis / 1000);
    std::tm local{};
#ifdef _WIN32
    localtime_s(&local, &t);
#else
    localtime_r(&t, &local);
#endif
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &local);
    return text;
}

void writeStdout(std::string_view text)
{
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

} // namespace rwkv::cli
