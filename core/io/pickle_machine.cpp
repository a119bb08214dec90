#include "core/io/pickle_machine.h"

namespace rwkv::pickle {

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

std::string sanitize(std::string_view s)
{
    std::string out;
    for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > 80) out += "...";
    return out;
}

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

} // namespace rwkv::pickle
