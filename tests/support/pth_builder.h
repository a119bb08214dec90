#pragma once
// Builds torch.save-shaped .pth files in memory for loader tests: a pickle writer for the
// opcodes a state dict uses, tensor-rebuild records with any shape, stride and offset (hostile
// ones included), and the zip archive around them.
#include "support/zip_builder.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace rwkv::test::pth {

// Writes the opcodes of a pickle; only what the tests need.
class PickleWriter {
public:
    PickleWriter& op(uint8_t code) { m_out += char(code); return *this; }
    PickleWriter& proto() { return op(0x80).op(2); }
    PickleWriter& global(const std::string& module, const std::string& name)
    {
        m_out += 'c' + module + '\n' + name + '\n';
        return *this;
    }
    PickleWriter& str(const std::string& s)
    {
        op('X');
        le(s.size(), 4);
        m_out += s;
        return *this;
    }
    PickleWriter& integer(int64_t v)
    {
        if (v >= 0 && v < 256) return op('K').le(uint64_t(v), 1);
        if (v >= 0 && v < 65536) return op('M').le(uint64_t(v), 2);
        return op(0x8a).le(8, 1).le(uint64_t(v), 8);
    }
    PickleWriter& shortStr(const std::string& s)
    {
        op(0x8c).le(s.size(), 1);
        m_out += s;
        return *this;
    }
    PickleWriter& dims(const std::vector<int64_t>& values)
    {
        mark();
        for (int64_t v : values) integer(v);
        return tuple();
    }
    PickleWriter& mark() { return op('('); }
    PickleWriter& tuple() { return op('t'); }
    PickleWriter& emptyTuple() { return op(')'); }
    PickleWriter& reduce() { return op('R'); }
    PickleWriter& stop() { return op('.'); }
    PickleWriter& le(uint64_t v, int bytes)
    {
        for (int i = 0; i < bytes; ++i) m_out += char((v >> (8 * i)) & 0xff);
        return *this;
    }
    const std::string& bytes() const { return m_out; }

private:
    std::string m_out;
};

struct FakeTensor {
    std::string name;
    std::string storageKey;
    int64_t storageNumel = 0;
    int64_t offset = 0;
    std::vector<int64_t> shape;
    std::vector<int64_t> stride;
    std::string storageClass = "FloatStorage";
};

// The tensor-rebuild expression torch.save writes for one tensor.
inline void writeTensor(PickleWriter& w, const FakeTensor& t)
{
    w.global("torch._utils", "_rebuild_tensor_v2").mark();
    w.mark().str("storage").global("torch", t.storageClass).str(t.storageKey).str("cpu").integer(t.storageNumel);
    w.tuple().op('Q');
    w.integer(t.offset).dims(t.shape).dims(t.stride).op(0x89);
    w.global("collections", "OrderedDict").emptyTuple().reduce();
    w.tuple().reduce();
}

inline std::string stateDictPickle(const std::vector<FakeTensor>& tensors)
{
    PickleWriter w;
    w.proto().global("collections", "OrderedDict").emptyTuple().reduce().op('q').le(0, 1).mark();
    for (const FakeTensor& t : tensors) {
        w.str(t.name);
        writeTensor(w, t);
    }
    return w.op('u').stop().bytes();
}

inline std::string floats(std::initializer_list<float> values)
{
    std::string out;
    for (float v : values) out.append(reinterpret_cast<const char*>(&v), 4);
    return out;
}

// A torch.save-shaped archive around `pickle` with the given storages.
inline std::string pthArchive(const std::string& pickle, const std::vector<std::pair<std::string, std::string>>& storages,
                              const ZipBuildOptions& options = {}, const std::string& byteorder = "little")
{
    std::vector<ZipBuildEntry> entries{{"model/data.pkl", pickle}, {"model/byteorder", byteorder}};
    for (const auto& [key, data] : storages) entries.push_back({"model/data/" + key, data});
    entries.push_back({"model/version", "3\n"});
    return rwkv::test::buildZip(entries, options);
}

} // namespace rwkv::test::pth
