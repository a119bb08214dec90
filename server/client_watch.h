#pragma once
// Whether the client of a request being served has closed its connection, so a reply nobody
// will read stops at the next step instead of running to max_tokens. cpp-httplib 0.11 hands
// handlers no socket: the accepted socket is found among the process's descriptors by its two
// addresses, which name one open TCP connection (httplib closes it only after the handler and
// its content provider return). Where that lookup fails, gone() stays false.
#include <string>

namespace rwkv::server {

class ClientWatch {
public:
    // The addresses as httplib's Request gives them (numeric host, port).
    ClientWatch(const std::string& localAddr, int localPort, const std::string& remoteAddr, int remotePort);

    // True once the peer has closed or reset the connection (a read would see its end).
    // Bytes the client sent after its request do not count as leaving.
    bool gone() const;

private:
    int m_fd = -1;
};

} // namespace rwkv::server
