#pragma once
// The pickle machine behind readTorchStateDict (core/io/pickle_reader.h), internal to core/io:
// its limits, values and arenas, and the Interpreter whose parts live in three files:
// pickle_machine.cpp (bytes, stack, marks), pickle_torch.cpp (the allowed torch globals and
// the tensors they rebuild) and pickle_reader.cpp (the opcode loop).
//
// Why a hand-written interpreter: Python's pickle can import and call anything, and no C++
// library offers a safe subset. This one knows only the opcodes torch.save emits for a state
// dict and maps the few allowed globals to fixed behaviours, so nothing is ever executed.
// Values live in per-kind arenas and refer to each other by index: no recursion, no reference
// cycles, and memory grows at most linearly with the pickle size.
#include "core/error.h"
#include "core/io/pickle_reader.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rwkv::pickle {

// Limits far above any real state dict (a 14B model's data.pkl is under 1 MiB).
inline constexpr size_t kMaxPickleSize = size_t(64) << 20;
inline constexpr size_t kMaxStack = size_t(1) << 20;
inline constexpr size_t kMaxObjects = size_t(1) << 22;
inline constexpr size_t kMaxDims = 64;
inline constexpr size_t kMaxGlobalName = 256;

enum class Kind : uint8_t { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };
enum class Callable : uint8_t { OrderedDict, RebuildTensorV2, RebuildParameter, StorageClass };

struct Value {
    Kind kind = Kind::None;
    int64_t num = 0;      // Bool/Int value, Float bits, Global's Callable
    uint32_t ref = 0;     // index into the arena of its kind
    DType dtype = DType::F32; // storage class of a Global
};

struct Storage {
    std::string key;
    DType dtype;
    uint64_t numel;
};

// The name of opcode `op` for error messages ("STACK_GLOBAL"; "unknown").
const char* opcodeName(uint8_t op);
// Printable, bounded form of untrusted text for error messages.
std::string sanitize(std::string_view s);

class Interpreter {
public:
    Interpreter(std::span<const std::byte> data, const std::string& label) : m_data(data), m_label(label) {}
    std::vector<PickledTensor> run();

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(ErrorCode::BadFile, m_label + ": " + what);
    }
    std::span<const std::byte> take(uint64_t n, const char* what);
    uint64_t readLe(int n, const char* what);
    std::string_view readLine();

    void push(Value v);
    Value& top();
    Value pop()
    {
        const Value v = top();
        m_stack.pop_back();
        return v;
    }
    std::vector<Value> popToMark();

    // Every created object counts against kMaxObjects.
    uint32_t count(size_t arenaSize)
    {
        if (++m_objects > kMaxObjects) fail("pickle creates too many objects");
        return uint32_t(arenaSize - 1);
    }
    Value makeString(std::string_view s)
    {
        m_strings.emplace_back(s);
        return {Kind::String, 0, count(m_strings.size())};
    }
    Value makeSeq(Kind kind, std::vector<Value> items)
    {
        m_seqs.push_back(std::move(items));
        return {kind, 0, count(m_seqs.size())};
    }
    Value makeDict() { m_dicts.emplace_back(); return {Kind::Dict, 0, count(m_dicts.size())}; }

    void expect(const Value& v, Kind kind, const char* what) const
    {
        if (v.kind != kind) fail(std::string("pickle: unexpected value type for ") + what);
    }
    int64_t asInt(const Value& v, const char* what) const
    {
        expect(v, Kind::Int, what);
        return v.num;
    }
    const std::string& asString(const Value& v, const char* what) const
    {
        expect(v, Kind::String, what);
        return m_strings[v.ref];
    }
    const std::vector<Value>& asTuple(const Value& v, const char* what) const
    {
        expect(v, Kind::Tuple, what);
        return m_seqs[v.ref];
    }
    std::vector<int64_t> asDims(const Value& v, const char* what) const;

    void global();
    void reduce();
    Value rebuildTensor(const std::vector<Value>& args);
    void persistentId();
    std::vector<PickledTensor> finish(const Value& root) const;

    std::span<const std::byte> m_data;
    const std::string& m_label;
    size_t m_pos = 0;
    size_t m_objects = 0;
    std::vector<Value> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint64_t, Value> m_memo;
    std::vector<std::string> m_strings;
    std::vector<std::vector<Value>> m_seqs;
    std::vector<std::vector<std::pair<Value, Value>>> m_dicts;
    std::vector<Storage> m_storages;
    std::vector<PickledTensor> m_tensors;
};


} // namespace rwkv::pickle
