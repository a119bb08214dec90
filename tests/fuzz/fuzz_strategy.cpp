// The strategy grammar ("cuda fp16 *10 -> cpu fp32"): any text is refused with an Error or
// parsed into stages whose canonical text parses back to the same stages.
#include "fuzz_harness.h"

#include "core/strategy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    const std::string_view text = fuzz::asText(data, size);
    Strategy strategy;
    if (fuzz::refused([&] { strategy = parseStrategy(text); })) return 0;
    fuzz::require(!strategy.stages.empty(), "a strategy without stages");
    for (const StrategyStage& s : strategy.stages)
        fuzz::require(s.layers == -1 || s.layers > 0, "a stage with a layer count that is neither positive nor 'the rest'");
    Strategy again;
    fuzz::require(!fuzz::refused([&] { again = parseStrategy(strategy.text()); }), "the canonical text is refused");
    fuzz::require(again.text() == strategy.text(), "the canonical text parses to other stages");
    return 0;
}
