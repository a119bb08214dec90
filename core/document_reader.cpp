#include "core/document_reader.h"

#include "core/error.h"
#include "core/monotonic_clock.h"
#include "core/store/snapshot_codec.h"
#include "core/utf8_path.h"

#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace rwkv {

namespace {

constexpr size_t kReadBytes = 1 << 16;
// A line longer than this is cut inside (see the header); bounds the memory of one piece.
constexpr size_t kMaxPieceBytes = 1 << 20;
constexpr std::string_view kDocumentStart = "Document: ";

bool isContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

} // namespace

struct DocumentPieces::Hasher {
    XXH3_state_t* state = XXH3_createState();
    Hasher() { XXH3_128bits_reset(state); }
    ~Hasher() { XXH3_freeState(state); }
};

DocumentPieces::DocumentPieces(const std::filesystem::path& path, const Tokenizer& tokenizer)
    : m_path(path), m_in(path, std::ios::binary), m_pairInToken(tokenizer.bytePairsInTokens()),
      m_hash(std::make_unique<Hasher>())
{
    // The reason, as a user can act on it: a missing file, a folder, no permission.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(ErrorCode::Io, "cannot read " + pathToUtf8(path) + ": it is a folder");
    if (!m_in) {
        const int err = errno;
        (void)std::filesystem::status(path, ec);
        throw Error(ErrorCode::Io, "cannot read " + pathToUtf8(path) + ": " + (ec ? ec.message() : std::string(std::strerror(err))));
    }
    m_pending = kDocumentStart;
}

DocumentPieces::~DocumentPieces() = default;

std::string DocumentPieces::contentHash() const
{
    const XXH128_hash_t h = XXH3_128bits_digest(m_hash->state);
    char text[33];
    std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                  static_cast<unsigned long long>(h.low64));
    return text;
}

void DocumentPieces::readBlock()
{
    char buffer[kReadBytes];
    m_in.read(buffer, sizeof buffer);
    const auto n = size_t(m_in.gcount());
    if (m_in.bad()) throw Error(ErrorCode::Io, "cannot read " + pathToUtf8(m_path) + ": " + std::strerror(errno));
    if (n < sizeof buffer) m_eof = true;
    XXH3_128bits_update(m_hash->state, buffer, n);
    size_t start = 0;
    // A UTF-8 byte order mark says how the file is encoded; it is not part of the text.
    if (m_fileBytes == 0 && n >= 3 && std::string_view(buffer, 3) == "\xEF\xBB\xBF") start = 3;
    appendNormalised(buffer + start, n - start, m_fileBytes + start);
    m_fileBytes += n;
}

void DocumentPieces::appendNormalised(const char* data, size_t size, uint64_t base)
{
    for (size_t i = 0; i < size; ++i) {
        const auto b = static_cast<unsigned char>(data[i]);
        const uint64_t offset = base + i;
        const auto invalid = [&]() {
            return Error(ErrorCode::BadFile, pathToUtf8(m_path) + " is not UTF-8 text (byte " + std::to_string(offset)
                                                 + " is invalid)");
        };
        if (m_need > 0) {
            if (b < m_low || b > m_high) throw invalid();
            --m_need;
            m_low = 0x80;
            m_high = 0xBF;
        } else if (b == 0) {
            throw Error(ErrorCode::BadFile, pathToUtf8(m_path) + " is not a text file (byte " + std::to_string(offset) + " is NUL)");
        } else if (b >= 0x80) {
            // Well-formed sequences (Unicode table 3-7): no overlongs, surrogates or > U+10FFFF.
            if (b >= 0xC2 && b <= 0xDF) m_need = 1;
            else if (b >= 0xE0 && b <= 0xEF) m_need = 2;
            else if (b >= 0xF0 && b <= 0xF4) m_need = 3;
            else throw invalid();
            if (b == 0xE0) m_low = 0xA0;
            if (b == 0xED) m_high = 0x9F;
            if (b == 0xF0) m_low = 0x90;
            if (b == 0xF4) m_high = 0x8F;
        }
        // CRLF → LF; a CR at the end of a block waits for the next byte.
        if (m_pendingCr) {
            m_pendingCr = false;
            if (b != '\n') m_pending.push_back('\r');
        }
        if (b == '\r')
            m_pendingCr = true;
        else
            m_pending.push_back(char(b));
    }
}

size_t DocumentPieces::findCut() const
{
    const auto safe = [&](size_t p) {
        return !m_pairInToken[static_cast<unsigned char>(m_pending[p - 1])].test(static_cast<unsigned char>(m_pending[p]));
    };
    // The last cut after a newline; the text after the cut must be known, so p < size.
    for (size_t p = m_pending.size(); p-- > 1;) {
        if (m_pending[p - 1] == '\n' && safe(p)) return p;
    }
    if (m_pending.size() < kMaxPieceBytes) return 0;
    for (size_t p = m_pending.size() - 1; p > kDocumentStart.size(); --p)
        if (!isContinuation(m_pending[p]) && safe(p)) return p;
    size_t p = m_pending.size() - 1;
    while (p > 0 && isContinuation(m_pending[p])) --p;
    return p;
}

std::optional<std::string> DocumentPieces::next()
{
    if (m_done) return std::nullopt;
    while (!m_eof) {
        readBlock();
        if (const size_t cut = findCut(); cut > 0) {
            std::string piece = m_pending.substr(0, cut);
            m_pending.erase(0, cut);
            return piece;
        }
    }
    if (m_need > 0) throw Error(ErrorCode::BadFile, pathToUtf8(m_path) + " is not UTF-8 text (it ends inside a character)");
    if (m_pendingCr) m_pending.push_back('\r');
    m_pendingCr = false;
    m_pending += "\n\n";
    m_done = true;
    return std::move(m_pending);
}

DocumentRead scanDocument(const std::filesystem::path& path, const Tokenizer& tokenizer)
{
    DocumentPieces pieces(path, tokenizer);
    DocumentRead out;
    while (const std::optional<std::string> piece = pieces.next()) out.tokens += int64_t(tokenizer.encode(*piece).size());
    out.fileBytes = pieces.fileBytes();
    out.contentHash = pieces.contentHash();
    return out;
}

DocumentRead readDocument(Model& model, const Tokenizer& tokenizer, const std::filesystem::path& path, State& state,
                          const DocumentRead& scan, int chunkTokens, const IngestProgressFn& progress,
                          std::stop_token cancel)
{
    if (chunkTokens <= 0) throw Error(ErrorCode::InvalidArgument, "the chunk size must be positive");
    DocumentPieces pieces(path, tokenizer);
    IngestProgress p;
    p.tokensTotal = scan.tokens;
    const int64_t t0 = nowNs();
    std::vector<int32_t> tokens;
    size_t used = 0;
    // Tokens of successive pieces are fed in fixed-size chunks: a chunk may span pieces.
    const auto feed = [&](size_t count) {
        if (cancel.stop_requested())
            throw Error(ErrorCode::Cancelled, "reading " + pathToUtf8(path.filename()) + " was cancelled; nothing was stored");
        model.forward(std::span<const int32_t>(tokens).subspan(used, count), state);
        used += count;
        p.tokensDone += int64_t(count);
        p.elapsedNs = nowNs() - t0;
        if (progress) progress(p);
    };
    const auto chunk = size_t(chunkTokens);
    while (const std::optional<std::string> piece = pieces.next()) {
        tokens.erase(tokens.begin(), tokens.begin() + std::ptrdiff_t(used));
        used = 0;
        const std::vector<int32_t> more = tokenizer.encode(*piece);
        tokens.insert(tokens.end(), more.begin(), more.end());
        while (tokens.size() - used >= chunk) feed(chunk);
    }
    if (tokens.size() > used) feed(tokens.size() - used);
    DocumentRead out;
    out.tokens = p.tokensDone;
    out.fileBytes = pieces.fileBytes();
    out.contentHash = pieces.contentHash();
    out.elapsedNs = nowNs() - t0;
    if (out.contentHash != scan.contentHash || out.tokens != scan.tokens)
        throw Error(ErrorCode::Io, pathToUtf8(path) + " changed while it was being read; read it again");
    return out;
}

} // namespace rwkv
