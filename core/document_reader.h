#pragma once
// Reads a UTF-8 text or Markdown file into a state as documentPrompt(text) — "Document: "
// + text (CRLF → LF, a leading BOM dropped) + "\n\n" — with memory independent of the
// file's size: the file is streamed and tokenized piece by piece.
//
// Why the pieces give the same tokens as the whole text: the World tokenizer is a greedy
// longest match, so cutting between bytes a and b changes nothing when no vocabulary token
// contains "ab" (no token can straddle the cut, so greedy matching reaches the cut exactly
// and restarts there). Pieces end after a '\n' followed by such a byte (in World: any byte
// but '\t', '\r', ' ' and '\n'); for NeoX the same cut is also a pre-tokenizer boundary.
// Only a line longer than 1 MiB without such a cut is split elsewhere: at another safe pair
// if there is one, else at a character boundary, where tokens may differ from the whole
// text's (the text read is still exactly the file's).
#include "core/model.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

namespace rwkv {

// The prompt text of a document file in independently tokenizable pieces.
class DocumentPieces {
public:
    // Opens the file (Error(Io) if it cannot be read).
    DocumentPieces(const std::filesystem::path& path, const Tokenizer& tokenizer);
    DocumentPieces(const DocumentPieces&) = delete;
    DocumentPieces& operator=(const DocumentPieces&) = delete;
    ~DocumentPieces();

    // The next piece, or nullopt after the last ("\n\n"-terminated) one. Throws
    // Error(BadFile) naming the byte offset when the file is not UTF-8 text.
    std::optional<std::string> next();
    // XXH3-128 of the raw file bytes, 32 hex digits; complete once next() returned nullopt.
    std::string contentHash() const;
    uint64_t fileBytes() const { return m_fileBytes; }

private:
    void readBlock();
    // base: file offset of data[0], for error messages.
    void appendNormalised(const char* data, size_t size, uint64_t base);
    size_t findCut() const;

    std::filesystem::path m_path;
    std::ifstream m_in;
    const Tokenizer::BytePairs& m_pairInToken; // [a][b]: some token contains byte a then b
    std::string m_pending;   // normalised text not yet returned
    bool m_pendingCr = false;
    bool m_eof = false, m_done = false;
    uint64_t m_fileBytes = 0;
    // UTF-8 validation across blocks: continuation bytes still expected and their range.
    int m_need = 0;
    unsigned char m_low = 0x80, m_high = 0xBF;
    struct Hasher;
    std::unique_ptr<Hasher> m_hash;
};

struct IngestProgress {
    int64_t tokensDone = 0;
    int64_t tokensTotal = 0;
    int64_t elapsedNs = 0;   // since feeding started

    double tokensPerSecond() const { return elapsedNs > 0 ? double(tokensDone) * 1e9 / double(elapsedNs) : 0.0; }
    // Seconds left at the rate so far; 0 before the first chunk.
    double etaSeconds() const
    {
        const double rate = tokensPerSecond();
        return rate > 0 ? double(tokensTotal - tokensDone) / rate : 0.0;
    }
};
using IngestProgressFn = std::function<void(const IngestProgress&)>;

struct DocumentRead {
    int64_t tokens = 0;       // tokens fed
    uint64_t fileBytes = 0;
    std::string contentHash;  // XXH3-128 of the file bytes
    int64_t elapsedNs = 0;    // feeding only
};

// Counts the tokens of the document prompt and hashes the file (one streaming pass).
DocumentRead scanDocument(const std::filesystem::path& path, const Tokenizer& tokenizer);

// Feeds the document prompt into `state` in chunks of chunkTokens, reporting progress after
// each chunk (tokensTotal from `scan`). Throws Error(Cancelled) when cancelled between chunks
// (the state is then partly advanced and should be discarded).
DocumentRead readDocument(Model& model, const Tokenizer& tokenizer, const std::filesystem::path& path, State& state,
                          const DocumentRead& scan, int chunkTokens = 512, const IngestProgressFn& progress = {},
                          std::stop_token cancel = {});

} // namespace rwkv
