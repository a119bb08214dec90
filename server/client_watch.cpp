#include "server/client_watch.h"

#include <cerrno>
#include <charconv>
#include <filesystem>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

namespace rwkv::server {

namespace {

// The numeric host and port of a socket address, as httplib writes them.
bool sameAddress(const sockaddr_storage& address, socklen_t length, const std::string& host, int port)
{
    char name[NI_MAXHOST];
    char service[NI_MAXSERV];
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, name, sizeof name, service, sizeof service,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return false;
    return name == host && std::to_string(port) == service;
}

bool isConnection(int fd, const std::string& localAddr, int localPort, const std::string& remoteAddr, int remotePort)
{
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0
        || !sameAddress(address, length, remoteAddr, remotePort))
        return false;
    length = sizeof address;
    return getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0
           && sameAddress(address, length, localAddr, localPort);
}

} // namespace

ClientWatch::ClientWatch(const std::string& localAddr, int localPort, const std::string& remoteAddr, int remotePort)
{
    std::error_code error;
    for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        int fd = -1;
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
        if (isConnection(fd, localAddr, localPort, remoteAddr, remotePort)) {
            m_fd = fd;
            return;
        }
    }
}

bool ClientWatch::gone() const
{
    if (m_fd < 0) return false;
    pollfd p{m_fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false; // nothing to read: still connected
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return true;
    char byte;
    const ssize_t n = recv(m_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

} // namespace rwkv::server
