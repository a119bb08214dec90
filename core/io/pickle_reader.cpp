#include "core/io/pickle_reader.h"

#include "core/io/pickle_machine.h"

#include <bit>
#include <cstdio>

namespace rwkv {

namespace pickle {

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

} // namespace pickle

std::vector<PickledTensor> readTorchStateDict(std::span<const std::byte> pickle, const std::string& label)
{
    return pickle::Interpreter(pickle, label).run();
}

} // namespace rwkv
