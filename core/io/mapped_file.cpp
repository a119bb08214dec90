#include "core/io/mapped_file.h"

#include "core/error.h"
#include "core/utf8_path.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace rwkv {

namespace {

[[noreturn]] void throwIo(const std::filesystem::path& path, const std::string& what, const std::string& reason)
{
    throw Error(ErrorCode::Io, pathToUtf8(path) + ": " + what + ": " + reason);
}

#ifdef _WIN32
std::string lastWindowsError()
{
    const DWORD code = GetLastError();
    char buf[512] = {};
    const DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code,
                                   0, buf, sizeof(buf), nullptr);
    std::string msg(buf, n);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r' || msg.back() == '.')) msg.pop_back();
    return msg.empty() ? "error " + std::to_string(code) : msg;
}
#endif

} // namespace

MappedFile MappedFile::open(const std::filesystem::path& path)
{
    MappedFile file;
#ifdef _WIN32
    HANDLE handle = CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
    if (handle == INVALID_HANDLE_VALUE) throwIo(path, "cannot open", lastWindowsError());
    LARGE_INTEGER size{};
    if (!GetFileSizeEx(handle, &size)) {
        const std::string reason = lastWindowsError();
        CloseHandle(handle);
        throwIo(path, "cannot read size", reason);
    }
    if (size.QuadPart == 0) {
        CloseHandle(handle);
        return file;
    }
    HANDLE mapping = CreateFileMappingW(handle, nullptr, PAGE_READONLY, 0, 0, nullptr);
    if (!mapping) {
        const std::string reason = lastWindowsError();
        CloseHandle(handle);
        throwIo(path, "cannot map", reason);
    }
    void* view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    const std::string reason = view ? std::string() : lastWindowsError();
    // The view keeps the mapping and the file alive; the handles are not needed any more.
    CloseHandle(mapping);
    CloseHandle(handle);
    if (!view) throwIo(path, "cannot map", reason);
    file.m_data = static_cast<const std::byte*>(view);
    file.m_size = size_t(size.QuadPart);
#else
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throwIo(path, "cannot open", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throwIo(path, "cannot read size", std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throwIo(path, "cannot map", "not a regular file");
    }
    if (st.st_size == 0) {
        // mmap rejects a zero length; an empty file is simply an empty span.
        ::close(fd);
        return file;
    }
    void* addr = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    // The mapping holds its own reference to the file.
    ::close(fd);
    if (addr == MAP_FAILED && err == ENOMEM)
        throw Error(ErrorCode::OutOfMemory, pathToUtf8(path) + ": not enough memory to map the file ("
                                                + std::to_string(uint64_t(st.st_size) >> 20)
                                                + " MiB); close other programs and try again");
    if (addr == MAP_FAILED) throwIo(path, "cannot map", std::strerror(err));
    file.m_data = static_cast<const std::byte*>(addr);
    file.m_size = size_t(st.st_size);
#endif
    return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0))
{
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::dropPages(std::span<const std::byte> range) const noexcept
{
#ifndef _WIN32
    if (range.empty() || range.data() < m_data || range.data() + range.size() > m_data + m_size) return;
    const auto page = uintptr_t(::sysconf(_SC_PAGESIZE));
    const uintptr_t first = (uintptr_t(range.data()) + page - 1) / page * page;
    const uintptr_t end = (uintptr_t(range.data()) + range.size()) / page * page;
    // Advice only: a failure leaves the pages resident, which is what happens without it.
    if (end > first) ::madvise(reinterpret_cast<void*>(first), end - first, MADV_DONTNEED);
#else
    (void)range;
#endif
}

void MappedFile::release() noexcept
{
    if (!m_data) return;
#ifdef _WIN32
    UnmapViewOfFile(m_data);
#else
    ::munmap(const_cast<std::byte*>(m_data), m_size);
#endif
    m_data = nullptr;
    m_size = 0;
}

} // namespace rwkv
