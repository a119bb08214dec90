// The torch side of the pickle machine: the only globals it accepts (OrderedDict, the tensor
// and parameter rebuilds, the float storage classes), the calls they allow, torch's
// persistent ids for storages, and the state dict they make.
#include "core/io/pickle_machine.h"

#include <unordered_set>

namespace rwkv::pickle {

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

} // namespace rwkv::pickle
