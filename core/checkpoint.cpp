#include "core/checkpoint.h"

#include "core/checked_size.h"
#include "core/error.h"
#include "core/quantized_file.h"
#include "core/io/mapped_file.h"
#include "core/io/pickle_reader.h"
#include "core/io/safetensors_reader.h"
#include "core/io/zip_reader.h"
#include "core/utf8_path.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>

namespace rwkv {

struct Checkpoint::Impl {
    std::filesystem::path path;
    std::string label; // file name used in messages
    MappedFile file;
    std::vector<TensorView> tensors;
    std::map<std::string, size_t, std::less<>> byName;
    // Contiguous copies of strided tensors; moving the outer vector keeps the buffers in place.
    std::vector<std::vector<std::byte>> owned;
    mutable std::once_flag fingerprintOnce;
    mutable Fingerprint fingerprint{};
};

namespace {

[[noreturn]] void badFile(const std::string& label, const std::string& what)
{
    throw Error(ErrorCode::BadFile, label + ": " + what);
}

// Reports monotonic progress; the total is the file size throughout.
class Progress {
public:
    Progress(const ProgressFn& fn, uint64_t total) : m_fn(fn), m_total(total) { report(0); }
    void report(uint64_t done)
    {
        m_done = std::max(m_done, std::min(done, m_total));
        if (m_fn) m_fn(m_done, m_total);
    }

private:
    const ProgressFn& m_fn;
    uint64_t m_total;
    uint64_t m_done = 0;
};

bool isContiguous(const std::vector<int64_t>& shape, const std::vector<int64_t>& stride)
{
    int64_t expected = 1;
    for (size_t k = shape.size(); k-- > 0;) {
        // A dimension of size 1 is never stepped over, so its stride does not matter.
        if (shape[k] != 1 && stride[k] != expected) return false;
        expected *= shape[k];
    }
    return true;
}

// Gathers a strided tensor into row-major order. Bounds were checked by the caller.
std::vector<std::byte> gather(const std::byte* storage, size_t elementSize, const PickledTensor& t, uint64_t numel)
{
    std::vector<std::byte> out(numel * elementSize);
    std::vector<int64_t> index(t.shape.size(), 0);
    uint64_t source = t.storageOffset;
    for (uint64_t i = 0; i < numel; ++i) {
        std::memcpy(out.data() + i * elementSize, storage + source * elementSize, elementSize);
        for (size_t k = t.shape.size(); k-- > 0;) {
            if (++index[k] < t.shape[k]) {
                source += uint64_t(t.stride[k]);
                break;
            }
            source -= uint64_t(t.stride[k]) * uint64_t(t.shape[k] - 1);
            index[k] = 0;
        }
    }
    return out;
}

// Checks that `t` addresses only elements inside its storage, and returns its element count.
// All arithmetic is overflow-checked. The rules:
//  - the storage (its elements × the element size) lies inside its archive entry, so inside
//    the file;
//  - the shape's element count fits in int64 (elementCount);
//  - the storage offset lies inside the storage (one past its end for an empty tensor), and
//    so does the highest element touched, offset + sum((size_k - 1) * stride_k);
//  - the tensor has no more elements than its storage. Official checkpoints are contiguous;
//    only an overlapping view (stride 0, as torch's expand() makes) can have more, and
//    materialising one would turn a few bytes of file into gigabytes of memory. So a
//    tensor's bytes <= its storage's bytes <= the file, and every copy is bounded by the file.
uint64_t checkLayout(const PickledTensor& t, size_t elementSize, uint64_t entryBytes, const std::string& label)
{
    const std::string where = "tensor '" + t.name + "'";
    const std::string storage = "its storage '" + t.storageKey + "' (" + std::to_string(t.storageNumel) + " elements)";
    const auto storageBytes = checkedMul(t.storageNumel, elementSize);
    if (!storageBytes || *storageBytes > entryBytes)
        badFile(label, where + ": its storage '" + t.storageKey + "' of " + std::to_string(t.storageNumel) +
                           " elements runs past the archive entry (" + std::to_string(entryBytes) + " bytes)");
    const auto numel = elementCount(t.shape);
    if (!numel) badFile(label, where + " has a shape whose element count overflows");
    if (t.storageOffset > t.storageNumel) badFile(label, where + " starts past the end of " + storage);
    if (*numel == 0) return 0;

    std::optional<uint64_t> last = t.storageOffset;
    for (size_t k = 0; k < t.shape.size() && last; ++k) {
        const auto span = checkedMul(uint64_t(t.shape[k] - 1), uint64_t(t.stride[k]));
        last = span ? checkedAdd(*last, *span) : std::nullopt;
    }
    if (!last || *last >= t.storageNumel) badFile(label, where + " runs past " + storage);
    if (*numel > t.storageNumel)
        badFile(label, where + " has " + std::to_string(*numel) + " elements, more than " + storage +
                           " holds; overlapping (stride 0) views are not supported");
    return *numel;
}

void loadPth(Checkpoint::Impl& impl, Progress& progress)
{
    const std::string& label = impl.label;
    const ZipReader zip(impl.file.bytes(), label);
    const auto& entries = zip.entries();
    const auto pkl = std::find_if(entries.begin(), entries.end(), [](const ZipEntry& e) {
        return e.name == "data.pkl" || e.name.ends_with("/data.pkl");
    });
    if (pkl == entries.end()) badFile(label, "no data.pkl in the archive (not a torch.save checkpoint)");
    // All entries share the folder data.pkl is in; its name varies between writers.
    const std::string prefix = pkl->name.substr(0, pkl->name.size() - 8);

    if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
        const auto bytes = zip.contents(*order);
        const std::string_view value(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (value == "big") throw Error(ErrorCode::Unsupported, label + ": big-endian checkpoints are not supported");
        if (value != "little") badFile(label, "unknown byteorder entry");
    }

    const auto records = readTorchStateDict(zip.contents(*pkl), label);
    progress.report(pkl->dataOffset + pkl->size);
    // Copies of strided tensors, in total: each is bounded by its storage, and the sum by the
    // file, so many views of one storage cannot multiply memory either.
    uint64_t copied = 0;
    for (const PickledTensor& t : records) {
        const ZipEntry* entry = zip.find(prefix + "data/" + t.storageKey);
        if (!entry)
            badFile(label, "tensor '" + t.name + "': its storage '" + t.storageKey + "' is missing from the archive");
        const auto storage = zip.contents(*entry);
        const size_t elementSize = dtypeSize(t.dtype);
        const uint64_t numel = checkLayout(t, elementSize, storage.size(), label);
        // Both products are bounded by the storage's bytes, checked above.
        const uint64_t bytes = numel * elementSize;

        TensorView view;
        view.name = t.name;
        view.dtype = t.dtype;
        view.shape = t.shape;
        if (numel == 0) {
            view.bytes = {};
        } else if (isContiguous(t.shape, t.stride)) {
            view.bytes = storage.subspan(size_t(t.storageOffset * elementSize), size_t(bytes));
        } else {
            copied += bytes;
            if (copied > impl.file.bytes().size())
                badFile(label, "tensor '" + t.name + "': its strided tensors need more memory than the file holds");
            impl.owned.push_back(gather(storage.data(), elementSize, t, numel));
            view.bytes = std::span<const std::byte>(impl.owned.back());
        }
        impl.tensors.push_back(std::move(view));
        progress.report(entry->dataOffset + t.storageNumel * elementSize);
    }
}

void loadSafetensors(Checkpoint::Impl& impl, Progress& progress)
{
    const auto file = impl.file.bytes();
    for (const SafetensorsTensor& t : readSafetensorsHeader(file, impl.label)) {
        TensorView view;
        view.name = t.name;
        view.dtype = t.dtype;
        view.shape = t.shape;
        view.bytes = file.subspan(size_t(t.offset), size_t(t.size));
        impl.tensors.push_back(std::move(view));
        progress.report(t.offset + t.size);
    }
}

void appendU64(XXH3_state_t* state, uint64_t v)
{
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(v >> (8 * i));
    XXH3_128bits_update(state, le, sizeof le);
}

void appendText(XXH3_state_t* state, std::string_view s)
{
    appendU64(state, s.size());
    XXH3_128bits_update(state, s.data(), s.size());
}

} // namespace

int64_t TensorView::numel() const
{
    return std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<>());
}

std::string fingerprintHex(const Fingerprint& fp)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (uint8_t b : fp) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

Checkpoint Checkpoint::open(const std::filesystem::path& path, const ProgressFn& progressFn)
{
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->label = pathToUtf8(path.filename());
    impl->file = MappedFile::open(path);
    const auto bytes = impl->file.bytes();
    Progress progress(progressFn, bytes.size());

    static constexpr unsigned char kZipMagic[] = {'P', 'K', 3, 4};
    if (bytes.empty()) badFile(impl->label, "the file is empty");
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), kZipMagic, 4) == 0) {
        loadPth(*impl, progress);
    } else if (looksLikeSafetensors(bytes)) {
        loadSafetensors(*impl, progress);
    } else if (bytes[0] == std::byte{0x80}) {
        // Pre-1.6 torch.save wrote a bare pickle stream, which starts with the PROTO opcode.
        badFile(impl->label,
                "legacy torch.save format (PyTorch < 1.6) is not supported; re-save it with a newer PyTorch");
    } else {
        badFile(impl->label, "not a PyTorch .pth (zip) or safetensors file");
    }

    for (size_t i = 0; i < impl->tensors.size(); ++i) {
        if (!impl->byName.emplace(impl->tensors[i].name, i).second)
            badFile(impl->label, "duplicate tensor name '" + impl->tensors[i].name + "'");
    }
    progress.report(bytes.size());
    Checkpoint checkpoint(std::move(impl));
    checkQuantizedTensors(checkpoint);
    return checkpoint;
}

Checkpoint::Checkpoint(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;
Checkpoint::~Checkpoint() = default;

const std::filesystem::path& Checkpoint::path() const { return m_impl->path; }

const std::vector<TensorView>& Checkpoint::tensors() const { return m_impl->tensors; }

const TensorView* Checkpoint::find(std::string_view name) const
{
    const auto it = m_impl->byName.find(name);
    return it == m_impl->byName.end() ? nullptr : &m_impl->tensors[it->second];
}

const TensorView& Checkpoint::at(std::string_view name) const
{
    if (const TensorView* t = find(name)) return *t;
    throw Error(ErrorCode::BadFile, m_impl->label + ": missing tensor '" + std::string(name) + "'");
}

const Fingerprint& Checkpoint::fingerprint() const
{
    std::call_once(m_impl->fingerprintOnce, [this] {
        // Name order makes the value independent of the file format and of the tensor order.
        // Every field is length-prefixed (u64 little-endian) so no two different tensor sets
        // hash the same byte stream: name, dtype name ("bf16"), ndim and dims, size and bytes.
        std::vector<const TensorView*> sorted;
        for (const TensorView& t : m_impl->tensors) sorted.push_back(&t);
        std::sort(sorted.begin(), sorted.end(),
                  [](const TensorView* a, const TensorView* b) { return a->name < b->name; });

        XXH3_state_t* state = XXH3_createState();
        if (!state) throw Error(ErrorCode::OutOfMemory, "cannot allocate the fingerprint state");
        XXH3_128bits_reset(state);
        for (const TensorView* t : sorted) {
            appendText(state, t->name);
            appendText(state, dtypeName(t->dtype));
            appendU64(state, t->shape.size());
            for (int64_t d : t->shape) appendU64(state, uint64_t(d));
            appendU64(state, t->bytes.size());
            XXH3_128bits_update(state, t->bytes.data(), t->bytes.size());
        }
        XXH128_canonical_t canonical;
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state));
        XXH3_freeState(state);
        std::memcpy(m_impl->fingerprint.data(), canonical.digest, sizeof canonical.digest);
    });
    return m_impl->fingerprint;
}

} // namespace rwkv
