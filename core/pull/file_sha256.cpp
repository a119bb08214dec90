#include "core/pull/file_sha256.h"

#include "core/error.h"
#include "core/io/stdio_file.h"
#include "core/utf8_path.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace rwkv {

std::string fileSha256(const std::filesystem::path& file, const std::atomic<bool>* interrupted)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(openStdioFile(file, "rb"), &std::fclose);
    if (!f) throw Error(ErrorCode::Io, "cannot open " + pathToUtf8(file) + ": " + std::strerror(errno));
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw Error(ErrorCode::OutOfMemory, "SHA-256 unavailable");
    std::vector<unsigned char> buf(size_t(1) << 20);
    for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0;) {
        if (interrupted && interrupted->load())
            throw Error(ErrorCode::Cancelled, "interrupted while checking " + pathToUtf8(file) + "; it is checked again next time");
        EVP_DigestUpdate(ctx.get(), buf.data(), n);
    }
    if (std::ferror(f.get())) throw Error(ErrorCode::Io, "cannot read " + pathToUtf8(file) + ": " + std::strerror(errno));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        char two[3];
        std::snprintf(two, sizeof two, "%02x", digest[i]);
        hex += two;
    }
    return hex;
}

} // namespace rwkv
