#include "core/io/atomic_file.h"

#include "core/error.h"
#include "core/io/stdio_file.h"
#include "core/utf8_path.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace rwkv {

AtomicFileWriter::AtomicFileWriter(std::filesystem::path path) : m_path(std::move(path))
{
    std::error_code ec;
    if (std::filesystem::exists(m_path, ec))
        throw Error(ErrorCode::InvalidArgument, pathToUtf8(m_path) + " exists; give another file name or remove it first");
    m_partial = m_path;
    m_partial += ".partial";
    m_file = openStdioFile(m_partial, "wb");
    if (!m_file) throw Error(ErrorCode::Io, pathToUtf8(m_path) + ": cannot create: " + std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter()
{
    if (m_file) std::fclose(m_file);
    if (!m_committed) {
        std::error_code ignored;
        std::filesystem::remove(m_partial, ignored);
    }
}

void AtomicFileWriter::fail(const char* what, int err)
{
    if (m_file) std::fclose(m_file);
    m_file = nullptr;
    std::error_code ignored;
    std::filesystem::remove(m_partial, ignored);
    throw Error(ErrorCode::Io, pathToUtf8(m_path) + ": " + what + ": " + std::strerror(err));
}

void AtomicFileWriter::write(std::span<const std::byte> bytes)
{
    if (!m_file) throw Error(ErrorCode::Io, pathToUtf8(m_path) + ": written after a failure");
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), m_file) != bytes.size()) fail("cannot write", errno);
}

void AtomicFileWriter::write(std::string_view text) { write(std::as_bytes(std::span(text.data(), text.size()))); }

void AtomicFileWriter::commit()
{
    if (!m_file) throw Error(ErrorCode::Io, pathToUtf8(m_path) + ": committed after a failure");
    // A full disk often shows only when buffered data is flushed, so every step is checked.
    if (std::fflush(m_file) != 0 || !syncToDisk(m_file)) fail("cannot write", errno);
    const int closed = std::fclose(m_file);
    m_file = nullptr;
    if (closed != 0) fail("cannot write", errno);
    std::error_code ec;
    std::filesystem::rename(m_partial, m_path, ec);
    if (ec) fail("cannot rename the finished file into place", ec.value());
    m_committed = true;
}

} // namespace rwkv
