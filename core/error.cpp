#include "core/error.h"

namespace rwkv {

const char* errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::BadFile: return "bad-file";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::InvalidArgument: return "invalid-argument";
    case ErrorCode::Io: return "io";
    case ErrorCode::OutOfMemory: return "out-of-memory";
    case ErrorCode::DeviceLost: return "device-lost";
    case ErrorCode::IncompatibleState: return "incompatible-state";
    case ErrorCode::Database: return "database";
    case ErrorCode::Cancelled: return "cancelled";
    }
    return "unknown";
}

} // namespace rwkv
