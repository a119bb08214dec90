// Hostile .rwkvx files: a state of another model (by fingerprint, and forged to claim the
// loaded one), truncated files, flipped bits, huge declared sizes, a wrong magic or version,
// a description that lies. Each is refused with a clear Error, without a crash, without any
// allocation above 64 MiB (AllocationCap) and without a new row in the database; a failure
// inside the import's transaction (a full database) leaves no row either.
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/store/transfer.h"
#include "core/store/transfer_file.h"
#include "core/tokenizer/world_tokenizer.h"
#include "helpers/kill_writer_state.h"
#include "support/allocation_cap.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <iterator>

using namespace rwkv;

namespace {

using Bytes = std::vector<std::byte>;

Bytes readAll(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return Bytes(reinterpret_cast<const std::byte*>(s.data()), reinterpret_cast<const std::byte*>(s.data()) + s.size());
}

uint64_t getLe(const Bytes& b, size_t at, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(std::to_integer<uint8_t>(b[at + size_t(i)])) << (8 * i);
    return v;
}

void putLe(Bytes& b, size_t at, uint64_t v, int n)
{
    for (int i = 0; i < n; ++i) b[at + size_t(i)] = std::byte(uint8_t(v >> (8 * i)));
}

// A changed file with a valid whole-file checksum again, so the reader's later checks are reached.
Bytes reseal(Bytes b)
{
    const std::string sum = checksumHex(std::span(b).first(b.size() - 32));
    std::memcpy(b.data() + b.size() - 32, sum.data(), 32);
    return b;
}

std::string description(const Bytes& b) { return std::string(reinterpret_cast<const char*>(b.data()) + 32, getLe(b, 16, 8)); }

// The file with another description (its length field follows), resealed.
Bytes withDescription(const Bytes& b, const std::string& text)
{
    const size_t oldEnd = 32 + getLe(b, 16, 8);
    Bytes out(b.begin(), b.begin() + 32);
    putLe(out, 16, text.size(), 8);
    out.insert(out.end(), reinterpret_cast<const std::byte*>(text.data()), reinterpret_cast<const std::byte*>(text.data()) + text.size());
    out.insert(out.end(), b.begin() + std::ptrdiff_t(oldEnd), b.end());
    return reseal(out);
}

// Every `from` in the text replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to)
{
    if (text.find(from) == std::string::npos) qFatal("'%s' is not in the description", from.c_str());
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

} // namespace

class TestTransferHostile : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::filesystem::path m_modelPath;
    QTemporaryDir m_dir;
    Bytes m_state, m_conversation, m_otherState;  // valid files
    std::unique_ptr<Store> m_target;              // the database imports must leave alone
    int m_files = 0;

    std::filesystem::path file(const std::string& name) const { return std::filesystem::path(m_dir.path().toStdString()) / name; }
    TransferModel loaded() const { return {m_model->config(), m_model->fingerprint(), m_modelPath}; }

    std::string rows(Store& store)
    {
        Statement s = store.database().prepare(
            "SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages), (SELECT count(*) FROM snapshots), "
            "(SELECT count(*) FROM models), (SELECT count(*) FROM conversation_settings)");
        s.step();
        std::string out;
        for (int i = 0; i < 5; ++i) out += std::to_string(s.columnInt(i)) + " ";
        return out;
    }

    // Imports `bytes` as `kind` into the target and expects the refusal, and nothing written.
    void expectRefused(const Bytes& bytes, TransferKind kind, ErrorCode code, const std::string& mention,
                       const TransferModel* model = nullptr)
    {
        const std::filesystem::path path = file("hostile-" + std::to_string(++m_files) + ".rwkvx");
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        const std::string before = rows(*m_target);
        test::AllocationCap cap(size_t(64) << 20);
        try {
            if (kind == TransferKind::State)
                importNamedState(*m_target, path, model ? *model : loaded(), std::nullopt, true);
            else
                importConversation(*m_target, path, model ? *model : loaded());
            QFAIL(("imported: " + mention).c_str());
        } catch (const Error& e) {
            QVERIFY2(e.code() == code, e.what());
            QVERIFY2(std::string(e.what()).find(mention) != std::string::npos, e.what());
        } catch (const std::bad_alloc&) {
            QFAIL(("allocated what the file claims: " + mention).c_str());
        }
        QCOMPARE(cap.refused(), size_t(0));
        QCOMPARE(rows(*m_target), before);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_device = createDevice("cpu");
        m_modelPath = test::demoModelPath();
        m_model = Model::load(Checkpoint::open(m_modelPath), *m_device, DType::F32);
        const auto tokenizer = WorldTokenizer::load(test::worldVocabPath());
        Store source(file("source.sqlite"));
        ChatSession session(source, *m_model, *tokenizer, m_modelPath);
        const int64_t id = session.start(m_model->newState(), "Sums", {});
        GenerationOptions greedy;
        greedy.maxTokens = 20;
        greedy.sampling.temperature = 0;
        session.send("What is 7 + 5?", greedy);
        source.snapshots().save(session.restore(session.currentMessageId()), {std::nullopt, std::string("sums")});
        // A state of another model: other weights (fingerprint a0a1a2…) and another shape.
        source.snapshots().registerModel(test::killWriterFingerprint(), "other-model.pth", test::killWriterConfig());
        source.snapshots().save(test::killWriterState("other"), {std::nullopt, std::string("other")});
        exportNamedState(source, "sums", file("state.rwkvx"));
        exportNamedState(source, "other", file("other.rwkvx"));
        exportConversation(source, id, file("conversation.rwkvx"));
        m_state = readAll(file("state.rwkvx"));
        m_otherState = readAll(file("other.rwkvx"));
        m_conversation = readAll(file("conversation.rwkvx"));
        // The target already holds a conversation and a state, so "no new row" is not "empty".
        m_target = std::make_unique<Store>(file("target.sqlite"));
        importConversation(*m_target, file("conversation.rwkvx"), loaded());
        importNamedState(*m_target, file("state.rwkvx"), loaded(), std::nullopt, false);
        QCOMPARE(rows(*m_target), std::string("1 3 3 1 1 "));
    }

    void statesOfAnotherModel()
    {
        expectRefused(m_otherState, TransferKind::State, ErrorCode::IncompatibleState,
                      "its state was saved with other weights (other-model.pth, fingerprint a0a1a2a3a4a5…) than the loaded model");
        TransferModel other = loaded();
        other.weights[0] ^= 1;
        expectRefused(m_conversation, TransferKind::Conversation, ErrorCode::IncompatibleState,
                      "its states were saved with other weights (rwkv7-demo-18.7m-20261123.pth", &other);
        expectRefused(m_state, TransferKind::State, ErrorCode::IncompatibleState, "saved with other weights", &other);
        // A description that claims the loaded weights does not pass: the state's own header
        // (shape, fingerprint) is checked by the snapshot codec as in a restore.
        const std::string mine = fingerprintHex(m_model->fingerprint());
        expectRefused(withDescription(m_otherState, replaced(description(m_otherState), fingerprintHex(test::killWriterFingerprint()), mine)),
                      TransferKind::State, ErrorCode::IncompatibleState, "state snapshot was made for another model shape");
        const std::string forged = replaced(description(m_conversation), mine, fingerprintHex(other.weights));
        expectRefused(withDescription(m_conversation, forged), TransferKind::Conversation, ErrorCode::IncompatibleState,
                      "state snapshot was made with other weights", &other);
    }

    void truncatedFiles()
    {
        for (const size_t keep : {size_t(0), size_t(5), size_t(31), size_t(63), m_conversation.size() / 2, m_conversation.size() - 1}) {
            const Bytes cut(m_conversation.begin(), m_conversation.begin() + std::ptrdiff_t(keep));
            expectRefused(cut, TransferKind::Conversation, ErrorCode::BadFile,
                          keep < 8 ? "not an RWKV Desktop transfer file" : "damaged or truncated");
        }
    }

    void flippedBits()
    {
        for (const size_t at : {size_t(12), size_t(20), size_t(40), m_state.size() / 2, m_state.size() - 40, m_state.size() - 1}) {
            Bytes flipped = m_state;
            flipped[at] ^= std::byte{0x10};
            expectRefused(flipped, TransferKind::State, ErrorCode::BadFile, "checksum mismatch");
        }
    }

    void hugeDeclaredSizes()
    {
        Bytes b = m_conversation;
        putLe(b, 16, uint64_t(1) << 62, 8);
        expectRefused(reseal(b), TransferKind::Conversation, ErrorCode::BadFile, "its description claims 4611686018427387904 bytes");
        b = m_conversation;
        putLe(b, 24, 0xFFFFFFFFu, 4);
        expectRefused(reseal(b), TransferKind::Conversation, ErrorCode::BadFile, "it claims 4294967295 states");
        const size_t section = 32 + getLe(m_state, 16, 8);
        b = m_state;
        putLe(b, section, ~uint64_t(0), 8);
        expectRefused(reseal(b), TransferKind::State, ErrorCode::BadFile, "state 0 claims 18446744073709551615 bytes");
        b = m_state;
        putLe(b, section + 8, uint64_t(1) << 40, 8); // the uncompressed size: the codec's claim check
        expectRefused(reseal(b), TransferKind::State, ErrorCode::BadFile, "is damaged (wrong size)");
    }

    void wrongMagicOrVersion()
    {
        Bytes b = m_state;
        b[7] = std::byte{'X'};
        expectRefused(b, TransferKind::State, ErrorCode::BadFile, "not an RWKV Desktop transfer file (.rwkvx)");
        b = m_state;
        putLe(b, 8, 2, 4);
        expectRefused(reseal(b), TransferKind::State, ErrorCode::Unsupported, "transfer format version 2, this build reads version 1");
        expectRefused(m_state, TransferKind::Conversation, ErrorCode::InvalidArgument, "holds a state, not a conversation");
    }

    void lyingDescriptions()
    {
        const std::string d = description(m_conversation);
        expectRefused(withDescription(m_conversation, "{\"kind\": \"conversation\", "), TransferKind::Conversation,
                      ErrorCode::BadFile, "the description is not valid JSON");
        // The first user message claims the last message as its parent: links must point back.
        expectRefused(withDescription(m_conversation, replaced(d, "\"parent\": 1", "\"parent\": 3")), TransferKind::Conversation,
                      ErrorCode::BadFile, "a parent that does not come before it");
        expectRefused(withDescription(m_conversation, replaced(d, "\"section\": 1", "\"section\": 7")), TransferKind::Conversation,
                      ErrorCode::BadFile, "names state section 7");
        expectRefused(withDescription(m_conversation, replaced(d, "\"role\": \"user\"", "\"role\": \"robot\"")),
                      TransferKind::Conversation, ErrorCode::BadFile, "an unknown role");
        expectRefused(withDescription(m_conversation, replaced(d, "\"current_message\": 3", "\"current_message\": 9")),
                      TransferKind::Conversation, ErrorCode::BadFile, "continues from a message it does not hold");
        expectRefused(withDescription(m_state, replaced(description(m_state), "\"name\": \"sums\"", "\"name\": 5")),
                      TransferKind::State, ErrorCode::BadFile, "has a bad 'name' in the file (text)");
    }

    // The database refuses to grow mid-import: the transaction rolls back every row it made.
    void failureInsideTheTransactionLeavesNoRow()
    {
        Store full(file("target.sqlite"));
        Statement pages = full.database().prepare("PRAGMA page_count");
        pages.step();
        full.database().exec("PRAGMA max_page_count = " + std::to_string(pages.columnInt(0)));
        const std::string before = rows(full);
        try {
            importConversation(full, file("conversation.rwkvx"), loaded());
            QFAIL("imported into a full database");
        } catch (const Error& e) {
            QVERIFY2(e.code() == ErrorCode::Database, e.what());
        }
        QCOMPARE(rows(full), before);
        QCOMPARE(full.integrityCheck(), std::string("ok"));
    }
};

QTEST_GUILESS_MAIN(TestTransferHostile)
#include "test_transfer_hostile.moc"
