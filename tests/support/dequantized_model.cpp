#include "support/dequantized_model.h"

#include "core/io/safetensors_writer.h"
#include "core/quantize.h"
#include "support/weight_decode.h"

#include <cstring>
#include <vector>

namespace rwkv::test {

void writeDequantizedModel(const Checkpoint& ck, DType type, const std::string& file)
{
    std::vector<NamedTensor> tensors;
    for (const TensorView& t : ck.tensors()) {
        NamedTensor n{t.name, t.dtype, t.shape, {t.bytes.begin(), t.bytes.end()}};
        const std::string leaf = t.name.substr(t.name.rfind('.') + 1);
        const bool quantized = t.shape.size() == 2 && t.name.ends_with(".weight") && t.name != "emb.weight";
        const bool factor = (t.shape.size() == 2 && leaf.size() == 2 && std::string("wavg").find(leaf[0]) != std::string::npos
                             && (leaf[1] == '1' || leaf[1] == '2'))
                            || leaf == "time_maa_w1" || leaf == "time_maa_w2" || leaf == "time_decay_w1"
                            || leaf == "time_decay_w2";
        if (quantized || factor) {
            std::vector<float> w(size_t(t.numel()));
            convertToFloat(t.bytes.data(), t.dtype, w.size(), w.data());
            const std::vector<std::byte> q = !quantized                ? std::vector<std::byte>()
                                             : type == DType::Q4 ? quantizeQ4(w, t.shape[1])
                                                                 : quantizeQ8(w, t.shape[1]);
            for (size_t i = 0; i < w.size(); ++i)
                w[i] = quantized ? float(decodeQuantized(type == DType::Q4, q, w.size(), i))
                                 : float(decodeF16(floatToF16(w[i])));
            n.dtype = DType::F32;
            n.bytes.resize(w.size() * 4);
            std::memcpy(n.bytes.data(), w.data(), n.bytes.size());
        }
        tensors.push_back(std::move(n));
    }
    writeSafetensors(file, tensors);
}

} // namespace rwkv::test
