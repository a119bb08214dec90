#pragma once
// A new file written whole or not at all: bytes go to PATH.partial, which becomes PATH only
// when commit() has flushed it to the disk; a writer destroyed before that removes the partial
// file. It never replaces an existing PATH, so an export cannot overwrite a user's file.
#include <cstdio>
#include <filesystem>
#include <span>
#include <string_view>

namespace rwkv {

class AtomicFileWriter {
public:
    // Throws Error(InvalidArgument) when `path` exists, Error(Io) when the partial file cannot be made.
    explicit AtomicFileWriter(std::filesystem::path path);
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
    ~AtomicFileWriter();

    // Throws Error(Io) naming the file and the OS reason (a full disk, say).
    void write(std::span<const std::byte> bytes);
    void write(std::string_view text);
    // Flushes, syncs and renames into place. Throws Error(Io); then nothing is left behind.
    void commit();

    const std::filesystem::path& path() const { return m_path; }

private:
    [[noreturn]] void fail(const char* what, int err);

    std::filesystem::path m_path, m_partial;
    std::FILE* m_file = nullptr;
    bool m_committed = false;
};

} // namespace rwkv
