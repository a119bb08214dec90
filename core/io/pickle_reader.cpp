#include "core/io/pickle_reader.h"

#include "core/error.h"

#include <bit>
#include <cstdio>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

// Why a hand-written interpreter: Python's pickle can import and call anything, and no C++
// library offers a safe subset. This one knows only the opcodes torch.save emits for a state
// dict and maps the few allowed globals to fixed behaviours, so nothing is ever executed.
// Values live in per-kind arenas and refer to each other by index: no recursion, no reference
// cycles, and memory grows at most linearly with the pickle size.

namespace rwkv {

namespace {

// Limits far above any real state dict (a 14B model's data.pkl is under 1 MiB).
constexpr size_t kMaxPickleSize = size_t(64) << 20;
constexpr size_t kMaxStack = size_t(1) << 20;
constexpr size_t kMaxObjects = size_t(1) << 22;
constexpr size_t kMaxDims = 64;
constexpr size_t kMaxGlobalName = 256;

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

const char* opcodeName(uint8_t op)
{
    switch (op) {
    case '0': return "POP"; case '1': return "POP_MARK"; case '2': return "DUP"; case 'F': return "FLOAT";
    case 'I': return "INT"; case 'L': return "LONG"; case 'P': return "PERSID"; case 'S': return "STRING";
    case 'T': return "BINSTRING"; case 'U': return "SHORT_BINSTRING"; case 'V': return "UNICODE";
    case 'd': return "DICT"; case 'g': return "GET"; case 'i': return "INST"; case 'l': return "LIST";
    case 'o': return "OBJ"; case 'p': return "PUT"; case 'B': return "BINBYTES"; case 'C': return "SHORT_BINBYTES";
    case 0x81: return "NEWOBJ"; case 0x82: return "EXT1"; case 0x83: return "EXT2"; case 0x84: return "EXT4";
    case 0x8b: return "LONG4"; case 0x8e: return "BINBYTES8"; case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS"; case 0x91: return "FROZENSET"; case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL"; case 0x96: return "BYTEARRAY8"; case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return "unknown";
    }
}

// Printable, bounded form of untrusted text for error messages.
std::string sanitize(std::string_view s)
{
    std::string out;
    for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > 80) out += "...";
    return out;
}

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

std::span<const std::byte> Interpreter::take(uint64_t n, const char* what)
{
    if (n > m_data.size() - m_pos) fail(std::string("pickle is truncated (in ") + what + ")");
    const auto s = m_data.subspan(m_pos, size_t(n));
    m_pos += size_t(n);
    return s;
}

uint64_t Interpreter::readLe(int n, const char* what)
{
    const auto b = take(uint64_t(n), what);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint64_t(b[size_t(i)]);
    return v;
}

std::string_view Interpreter::readLine()
{
    const size_t limit = std::min(m_data.size(), m_pos + kMaxGlobalName);
    for (size_t i = m_pos; i < limit; ++i) {
        if (m_data[i] == std::byte{'\n'}) {
            std::string_view line(reinterpret_cast<const char*>(m_data.data() + m_pos), i - m_pos);
            m_pos = i + 1;
            return line;
        }
    }
    fail("pickle GLOBAL name is truncated or too long");
}

void Interpreter::push(Value v)
{
    if (m_stack.size() >= kMaxStack) fail("pickle stack is too deep");
    m_stack.push_back(v);
}

Value& Interpreter::top()
{
    const size_t floor = m_marks.empty() ? 0 : m_marks.back();
    if (m_stack.size() <= floor) fail("pickle stack underflow at byte " + std::to_string(m_pos - 1));
    return m_stack.back();
}

std::vector<Value> Interpreter::popToMark()
{
    if (m_marks.empty()) fail("pickle MARK missing at byte " + std::to_string(m_pos - 1));
    const size_t mark = m_marks.back();
    m_marks.pop_back();
    std::vector<Value> items(m_stack.begin() + std::ptrdiff_t(mark), m_stack.end());
    m_stack.resize(mark);
    return items;
}

std::vector<int64_t> Interpreter::asDims(const Value& v, const char* what) const
{
    const auto& items = asTuple(v, what);
    if (items.size() > kMaxDims) fail(std::string("pickle: too many dimensions in ") + what);
    std::vector<int64_t> dims;
    for (const Value& item : items) {
        const int64_t d = asInt(item, what);
        if (d < 0) fail(std::string("pickle: negative value in ") + what);
        dims.push_back(d);
    }
    return dims;
}

void Interpreter::global()
{
    const std::string module(readLine());
    const std::string name(readLine());
    Value v{Kind::Global};
    if (module == "collections" && name == "OrderedDict") {
        v.num = int64_t(Callable::OrderedDict);
    } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
        v.num = int64_t(Callable::RebuildTensorV2);
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
        v.num = int64_t(Callable::RebuildParameter);
    } else if (module == "torch" && (name == "FloatStorage" || name == "HalfStorage" || name == "BFloat16Storage" ||
                                     name == "DoubleStorage")) {
        v.num = int64_t(Callable::StorageClass);
        v.dtype = name == "FloatStorage" ? DType::F32
                  : name == "HalfStorage" ? DType::F16
                  : name == "BFloat16Storage" ? DType::BF16 : DType::F64;
    } else if (module == "torch" && name.ends_with("Storage") && name.size() < 40) {
        throw Error(ErrorCode::Unsupported, m_label + ": tensor storage type 'torch." + sanitize(name) +
                                                "' is not supported (only float32, float16, bfloat16 and float64)");
    } else {
        fail("refused pickle global '" + sanitize(module) + "." + sanitize(name) +
             "' (only torch tensor rebuild is allowed)");
    }
    push(v);
}

void Interpreter::reduce()
{
    const Value args = pop();
    const Value callable = pop();
    if (callable.kind != Kind::Global) fail("refused pickle REDUCE on a value that is not an allowed callable");
    const auto& items = asTuple(args, "REDUCE arguments");
    switch (Callable(callable.num)) {
    case Callable::OrderedDict:
        if (!items.empty()) fail("refused pickle call OrderedDict with arguments");
        push(makeDict());
        return;
    case Callable::RebuildTensorV2:
        push(rebuildTensor(items));
        return;
    case Callable::RebuildParameter:
        // _rebuild_parameter(tensor, requires_grad, hooks) only wraps the tensor.
        if (items.size() != 3 || items[0].kind != Kind::Tensor) fail("pickle: malformed _rebuild_parameter call");
        push(items[0]);
        return;
    case Callable::StorageClass:
        break;
    }
    fail("refused pickle call of a torch storage class");
}

Value Interpreter::rebuildTensor(const std::vector<Value>& args)
{
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])
    if (args.size() != 6 && args.size() != 7) fail("pickle: malformed _rebuild_tensor_v2 call");
    if (args[0].kind != Kind::Storage) fail("pickle: _rebuild_tensor_v2 without a storage");
    const Storage& storage = m_storages[args[0].ref];
    PickledTensor t;
    t.storageKey = storage.key;
    t.dtype = storage.dtype;
    t.storageNumel = storage.numel;
    const int64_t offset = asInt(args[1], "storage offset");
    if (offset < 0) fail("pickle: negative storage offset");
    t.storageOffset = uint64_t(offset);
    t.shape = asDims(args[2], "tensor size");
    t.stride = asDims(args[3], "tensor stride");
    if (t.shape.size() != t.stride.size()) fail("pickle: tensor size and stride differ in length");
    m_tensors.push_back(std::move(t));
    return Value{Kind::Tensor, 0, count(m_tensors.size())};
}

void Interpreter::persistentId()
{
    // torch's persistent id: ('storage', torch.XStorage, key, location, numel)
    const auto& pid = asTuple(pop(), "persistent id");
    if (pid.size() != 5 || pid[0].kind != Kind::String || m_strings[pid[0].ref] != "storage")
        fail("pickle: persistent id is not a torch storage");
    if (pid[1].kind != Kind::Global || Callable(pid[1].num) != Callable::StorageClass)
        fail("pickle: persistent id without a storage type");
    const int64_t numel = asInt(pid[4], "storage size");
    if (numel < 0) fail("pickle: negative storage size");
    m_storages.push_back(Storage{asString(pid[2], "storage key"), pid[1].dtype, uint64_t(numel)});
    push(Value{Kind::Storage, 0, count(m_storages.size())});
}

std::vector<PickledTensor> Interpreter::finish(const Value& root) const
{
    if (root.kind != Kind::Dict) fail("pickle does not hold a state dict (a dict of tensors)");
    std::vector<PickledTensor> out;
    std::unordered_set<std::string> seen;
    for (const auto& [key, value] : m_dicts[root.ref]) {
        const std::string& name = asString(key, "state dict key");
        if (value.kind != Kind::Tensor) fail("state dict entry '" + sanitize(name) + "' is not a tensor");
        if (!seen.insert(name).second) fail("duplicate tensor name '" + sanitize(name) + "'");
        out.push_back(m_tensors[value.ref]);
        out.back().name = name;
    }
    return out;
}

std::vector<PickledTensor> Interpreter::run()
{
    if (m_data.size() > kMaxPickleSize) fail("pickle is too large");
    while (true) {
        const size_t at = m_pos;
        const auto op = uint8_t(take(1, "opcode")[0]);
        switch (op) {
        case 0x80: // PROTO
            if (readLe(1, "PROTO") > 5) fail("unsupported pickle protocol");
            break;
        case 0x95: take(8, "FRAME"); break; // FRAME: a size hint only
        case 'c': global(); break;
        case '}': push(makeDict()); break;
        case ')': push(makeSeq(Kind::Tuple, {})); break;
        case ']': push(makeSeq(Kind::List, {})); break;
        case '(':
            if (m_marks.size() >= kMaxStack) fail("pickle has too many marks");
            m_marks.push_back(m_stack.size());
            break;
        case 't': push(makeSeq(Kind::Tuple, popToMark())); break;
        case 0x85: case 0x86: case 0x87: { // TUPLE1..3
            std::vector<Value> items(op - 0x84u);
            for (size_t i = items.size(); i-- > 0;) items[i] = pop();
            push(makeSeq(Kind::Tuple, std::move(items)));
            break;
        }
        case 'q': m_memo[readLe(1, "BINPUT")] = top(); break;
        case 'r': m_memo[readLe(4, "LONG_BINPUT")] = top(); break;
        case 0x94: m_memo[m_memo.size()] = top(); break; // MEMOIZE
        case 'h': case 'j': {
            const uint64_t index = readLe(op == 'h' ? 1 : 4, "BINGET");
            const auto it = m_memo.find(index);
            if (it == m_memo.end()) fail("pickle memo index " + std::to_string(index) + " is not defined");
            push(it->second);
            break;
        }
        case 'J': push(Value{Kind::Int, int64_t(int32_t(uint32_t(readLe(4, "BININT"))))}); break;
        case 'K': push(Value{Kind::Int, int64_t(readLe(1, "BININT1"))}); break;
        case 'M': push(Value{Kind::Int, int64_t(readLe(2, "BININT2"))}); break;
        case 0x8a: { // LONG1: little-endian two's complement of n bytes
            const auto n = int(readLe(1, "LONG1"));
            if (n > 8) fail("pickle integer is too large");
            uint64_t v = readLe(n, "LONG1");
            if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1u) v |= ~uint64_t(0) << (8 * n);
            push(Value{Kind::Int, int64_t(v)});
            break;
        }
        case 'G': { // BINFLOAT: big-endian double
            const auto b = take(8, "BINFLOAT");
            uint64_t bits = 0;
            for (std::byte x : b) bits = (bits << 8) | uint64_t(x);
            push(Value{Kind::Float, int64_t(bits)});
            break;
        }
        case 'X': case 0x8c: case 0x8d: { // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
            const uint64_t n = readLe(op == 0x8c ? 1 : op == 'X' ? 4 : 8, "string length");
            const auto s = take(n, "string");
            push(makeString({reinterpret_cast<const char*>(s.data()), s.size()}));
            break;
        }
        case 0x88: push(Value{Kind::Bool, 1}); break;
        case 0x89: push(Value{Kind::Bool, 0}); break;
        case 'N': push(Value{Kind::None}); break;
        case '0': pop(); break;
        case '1': popToMark(); break;
        case 'R': reduce(); break;
        case 'b': { // BUILD: only metadata (_metadata of an OrderedDict); ignored
            pop();
            const Kind k = top().kind;
            if (k != Kind::Dict && k != Kind::Tensor) fail("refused pickle BUILD on a non-dict object");
            break;
        }
        case 'Q': persistentId(); break;
        case 's': case 'u': { // SETITEM, SETITEMS
            std::vector<Value> items;
            if (op == 's') {
                const Value v = pop();
                items = {pop(), v};
            } else {
                items = popToMark();
            }
            const Value dict = top();
            if (dict.kind != Kind::Dict || items.size() % 2) fail("pickle SETITEMS on a non-dict object");
            for (size_t i = 0; i < items.size(); i += 2) m_dicts[dict.ref].emplace_back(items[i], items[i + 1]);
            break;
        }
        case 'a': case 'e': { // APPEND, APPENDS
            std::vector<Value> items = op == 'a' ? std::vector<Value>{pop()} : popToMark();
            const Value list = top();
            if (list.kind != Kind::List) fail("pickle APPEND on a non-list object");
            m_seqs[list.ref].insert(m_seqs[list.ref].end(), items.begin(), items.end());
            break;
        }
        case '.': return finish(pop());
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            fail(std::string("unsupported pickle opcode ") + opcodeName(op) + " (" + hex + ") at byte " +
                 std::to_string(at) + " (only what a torch state dict needs is allowed)");
        }
        }
    }
}

} // namespace

std::vector<PickledTensor> readTorchStateDict(std::span<const std::byte> pickle, const std::string& label)
{
    return Interpreter(pickle, label).run();
}

} // namespace rwkv
