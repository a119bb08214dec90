#pragma once
// The one error type for recoverable failures (design.md property 8). Programmer errors assert.
#include <stdexcept>
#include <string>

namespace rwkv {

enum class ErrorCode {
    BadFile,             // truncated, malformed or malicious input file
    Unsupported,         // valid file, but an architecture/dtype/feature we do not handle
    InvalidArgument,     // bad option or value from the user
    Io,                  // the OS refused a read or write
    OutOfMemory,
    DeviceLost,
    IncompatibleState,   // a state or snapshot made for other weights or another shape
    Database,
    Cancelled,
};

// Short stable name of a code, e.g. "bad-file"; used in CLI output and logs.
const char* errorCodeName(ErrorCode code);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    ErrorCode code() const { return m_code; }

private:
    ErrorCode m_code;
};

} // namespace rwkv
