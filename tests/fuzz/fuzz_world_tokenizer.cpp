// The World tokenizer and the streaming UTF-8 decoder: any bytes encode to ids of the vocabulary
// that decode to exactly those bytes (World encodes every byte); the decoder, fed the bytes in
// two pieces split where the input says, gives valid UTF-8, and the bytes unchanged when they
// were valid UTF-8.
#include "fuzz_harness.h"

#include "core/tokenizer/utf8_stream_decoder.h"
#include "core/tokenizer/world_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    static const auto tokenizer = WorldTokenizer::load(fuzz::vocabDir() / "rwkv_vocab_v20230424.txt");
    if (size == 0) return 0;
    const std::string_view text = fuzz::asText(data + 1, size - 1);

    const std::vector<int32_t> ids = tokenizer->encode(text);
    for (const int32_t id : ids) fuzz::require(id > 0 && size_t(id) < tokenizer->vocabSize(), "an id outside the vocabulary");
    fuzz::require(tokenizer->decode(ids) == text, "decode(encode(bytes)) is not the bytes");

    Utf8StreamDecoder decoder;
    const size_t cut = data[0] % (text.size() + 1);
    const std::string out = decoder.push(text.substr(0, cut)) + decoder.push(text.substr(cut)) + decoder.flush();
    fuzz::require(fuzz::isValidUtf8(out), "the stream decoder gave invalid UTF-8");
    if (fuzz::isValidUtf8(text)) fuzz::require(out == text, "the stream decoder changed valid UTF-8");
    return 0;
}
