// The SQLite store without a model: migrations (and the upgrade of a database made with the
// first schema), bit-exact snapshots, and every failure a user can meet — a corrupted blob,
// a newer schema, a read-only database, a full disk, a locked database — each with a clear
// error and nothing already stored lost.
#include "core/error.h"
#include "core/store/migrations.h"
#include "core/store/search.h"
#include "core/store/store.h"
#include "helpers/kill_writer_state.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

using namespace rwkv;
using rwkv::test::countRows;
using rwkv::test::expectError;

namespace {

State sampleState(const std::string& name)
{
    State s = test::killWriterState(name);
    // Values a float format must keep exactly: signed zero, subnormals, infinities, NaN payloads.
    s.data()[0] = -0.0f;
    s.data()[1] = std::numeric_limits<float>::denorm_min();
    s.data()[2] = std::numeric_limits<float>::infinity();
    s.data()[3] = -std::numeric_limits<float>::infinity();
    uint32_t nanBits = 0x7fc01234u;
    std::memcpy(&s.data()[4], &nanBits, 4);
    return s;
}

bool sameBits(const State& a, const State& b)
{
    return a.data().size() == b.data().size() && std::memcmp(a.data().data(), b.data().data(), a.data().size() * 4) == 0;
}

QByteArray fileHash(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// "s0", "s1", ... (appending avoids GCC 12's false -Wrestrict on "literal" + std::string).
std::string snapshotName(int i)
{
    std::string name = "s";
    name.append(std::to_string(i));
    return name;
}

std::string withNumber(std::string text, int64_t n)
{
    text.append(std::to_string(n));
    return text;
}

// A store with the kill-writer model registered and `n` named snapshots "s0".."s{n-1}".
void fill(Store& store, int n)
{
    const State model = test::killWriterState("model");
    store.snapshots().registerModel(model.weightsFingerprint(), "test-model", model.config());
    for (int i = 0; i < n; ++i) store.snapshots().save(sampleState(snapshotName(i)), {std::nullopt, snapshotName(i)});
}

void verifyAllIntact(Store& store, int n)
{
    QCOMPARE(store.integrityCheck(), std::string("ok"));
    QCOMPARE(countRows(store.database(), "snapshots"), int64_t(n));
    for (int i = 0; i < n; ++i) {
        const std::string name = snapshotName(i);
        const auto info = store.snapshots().named(name);
        QVERIFY(info.has_value());
        const State loaded = store.snapshots().load(info->id, test::killWriterConfig(), test::killWriterFingerprint());
        QVERIFY(sameBits(loaded, sampleState(name)));
    }
}

} // namespace

class TestStore : public QObject {
    Q_OBJECT

private slots:
    void migrationsAreNumberedWithoutGaps()
    {
        const auto migrations = embeddedMigrations();
        QVERIFY(migrations.size() >= 2);
        for (size_t i = 0; i < migrations.size(); ++i) QCOMPARE(migrations[i].version, int(i + 1));
        QCOMPARE(Database::latestSchemaVersion(), migrations.back().version);
    }

    void newDatabaseHasLatestSchema()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/nested/folder/db.sqlite").toStdString());
        Database& db = store.database();
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
        Statement mode = db.prepare("PRAGMA journal_mode");
        QVERIFY(mode.step());
        QCOMPARE(mode.columnText(0), std::string("wal"));
        Statement keys = db.prepare("PRAGMA foreign_keys");
        QVERIFY(keys.step());
        QCOMPARE(keys.columnInt(0), int64_t(1));
        for (const char* table : {"models", "conversations", "messages", "conversation_settings", "snapshots", "documents"})
            QCOMPARE(countRows(db, table), int64_t(0));
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    void firstSchemaFixtureIsUpgraded()
    {
        QTemporaryDir dir;
        const QString path = dir.path() + "/v1.sqlite";
        QVERIFY(QFile::copy(QString::fromStdString((test::dataDir() / "store/schema-v1.sqlite").string()), path));
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        {
            DatabaseOptions firstOnly;
            firstOnly.schemaVersionLimit = 1;
            Database db = Database::open(path.toStdString(), firstOnly);
            QCOMPARE(db.schemaVersion(), 1);
            Statement index = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_parent'");
            index.step();
            QCOMPARE(index.columnInt(0), int64_t(0));
        }
        Store store(path.toStdString());
        QCOMPARE(store.database().schemaVersion(), Database::latestSchemaVersion());
        Statement index = store.database().prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'messages_by_parent'");
        index.step();
        QCOMPARE(index.columnInt(0), int64_t(1));
        // Everything written with schema 1 is still there and verifies.
        const std::vector<ConversationInfo> conversations = store.conversations().list();
        QCOMPARE(conversations.size(), size_t(1));
        QCOMPARE(conversations[0].title, std::string("made with schema 1"));
        QVERIFY(conversations[0].currentMessageId.has_value());
        const MessageRecord root = store.conversations().message(*conversations[0].currentMessageId);
        QCOMPARE(root.role, MessageRole::System);
        QCOMPARE(store.snapshots().forMessage(root.id).size(), size_t(1));
        QVERIFY(store.conversations().settings(conversations[0].id).samplingJson.find("\"temperature\":0.0") != std::string::npos);
        const auto zero = store.snapshots().named("zero");
        QVERIFY(zero.has_value());
        const std::vector<std::byte> raw = store.snapshots().loadBytes(zero->id);
        QCOMPARE(int64_t(raw.size()), zero->byteSize);
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    // Schema 6 rebuilds the messages table (a new role): ids, links, states, the current
    // message and the search index all survive, and foreign keys hold on the new table.
    void messagesSurviveTheSchemaSixRebuild()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/v5.sqlite").toStdString();
        {
            DatabaseOptions five;
            five.schemaVersionLimit = 5;
            Database db = Database::open(path, five);
            db.exec("INSERT INTO models VALUES ('00112233445566778899aabbccddeeff', 'm.pth', 'x070', 2, 64, 1, 64, 65536, 1, 1);"
                    "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (7, 'old chat', 1, 1);"
                    "INSERT INTO messages VALUES (10, 7, NULL, 'system', '', 1), (11, 7, 10, 'user', 'hello there', 2),"
                    "  (12, 7, 11, 'assistant', 'general kenobi', 3);"
                    "UPDATE conversations SET current_message_id = 12;"
                    "INSERT INTO snapshots (message_id, model_fingerprint, format_version, byte_size, checksum, data, created_at)"
                    "  VALUES (10, '00112233445566778899aabbccddeeff', 1, 1, 'x', x'00', 1),"
                    "         (12, '00112233445566778899aabbccddeeff', 1, 1, 'y', x'00', 1);");
        }
        Store store(path);
        QCOMPARE(store.database().schemaVersion(), Database::latestSchemaVersion());
        ConversationStore& c = store.conversations();
        QCOMPARE(*c.get(7).currentMessageId, int64_t(12));
        std::vector<std::string> roles;
        for (const MessageRecord& m : c.pathTo(12)) roles.push_back(std::string(messageRoleName(m.role)) + ":" + m.content);
        QCOMPARE(roles, (std::vector<std::string>{"system:", "user:hello there", "assistant:general kenobi"}));
        QCOMPARE(store.snapshots().forMessage(12).size(), size_t(1));
        QCOMPARE(search(store.database(), "kenobi").size(), size_t(1));
        Statement keys = store.database().prepare("PRAGMA foreign_keys");
        QVERIFY(keys.step());
        QCOMPARE(keys.columnInt(0), int64_t(1));

        const int64_t doc = c.addMessage(7, 12, MessageRole::Document, "notes.md", 0, 321);
        QCOMPARE(c.message(doc).tokenCount, std::optional<int64_t>(321));
        QCOMPARE(c.get(7).messageCount, int64_t(3));
        QCOMPARE(search(store.database(), "notes").size(), size_t(1));
        const Error orphan = expectError([&] { c.addMessage(7, 999, MessageRole::User, "no parent"); });
        QCOMPARE(orphan.code(), ErrorCode::Database);
        c.remove(7); // cascades to the messages and their states
        QCOMPARE(countRows(store.database(), "messages"), int64_t(0));
        QCOMPARE(countRows(store.database(), "snapshots"), int64_t(0));
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    void snapshotRoundTripIsBitIdentical()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/db.sqlite").toStdString();
        const State original = sampleState("round trip");
        int64_t id = 0;
        {
            Store store(path);
            fill(store, 0);
            id = store.snapshots().save(original, {std::nullopt, std::string("rt")});
        }
        Store store(path);
        const SnapshotInfo info = *store.snapshots().info(id);
        QCOMPARE(info.name, std::string("rt"));
        QCOMPARE(info.byteSize, int64_t(original.serialize().size()));
        QCOMPARE(info.formatVersion, kSnapshotFormatVersion);
        QCOMPARE(info.checksum, checksumHex(original.serialize()));
        const State loaded = store.snapshots().load(id, original.config(), original.weightsFingerprint());
        QVERIFY(sameBits(loaded, original));
        QVERIFY(loaded.serialize() == original.serialize());
    }

    void snapshotForOtherWeightsIsRefused()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        fill(store, 1);
        Fingerprint other = test::killWriterFingerprint();
        other[0] ^= 1;
        const Error e = expectError([&] { store.snapshots().load(1, test::killWriterConfig(), other); });
        QCOMPARE(e.code(), ErrorCode::IncompatibleState);
        QVERIFY2(std::string(e.what()).find("other weights") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("test-model") != std::string::npos, e.what());
    }

    void corruptedBlobIsDetected_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::newRow("flipped byte") << "flip";
        QTest::newRow("truncated") << "truncate";
        QTest::newRow("wrong checksum") << "checksum";
        QTest::newRow("wrong size") << "size";
    }

    void corruptedBlobIsDetected()
    {
        QFETCH(QString, damage);
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        fill(store, 2);
        const int64_t id = store.snapshots().named("s1")->id;
        std::vector<std::byte> blob;
        {
            Statement s = store.database().prepare("SELECT data FROM snapshots WHERE id = ?1");
            s.bind(1, id);
            QVERIFY(s.step());
            const auto bytes = s.columnBlob(0);
            blob.assign(bytes.begin(), bytes.end());
        }
        if (damage == "flip") blob[blob.size() / 2] ^= std::byte{0x10};
        if (damage == "truncate") blob.resize(blob.size() - 100);
        if (damage == "flip" || damage == "truncate")
            store.database().prepare("UPDATE snapshots SET data = ?2 WHERE id = ?1").bind(1, id).bindBlob(2, blob).run();
        if (damage == "checksum")
            store.database().prepare("UPDATE snapshots SET checksum = '0123456789abcdef0123456789abcdef' WHERE id = ?1").bind(1, id).run();
        if (damage == "size")
            store.database().prepare("UPDATE snapshots SET byte_size = byte_size - 4 WHERE id = ?1").bind(1, id).run();
        const Error e = expectError([&] { store.snapshots().load(id, test::killWriterConfig(), test::killWriterFingerprint()); });
        QCOMPARE(e.code(), ErrorCode::Database);
        QVERIFY2(std::string(e.what()).find(withNumber("snapshot ", id).append(" is damaged")) != std::string::npos, e.what());
        // The other snapshot is unaffected.
        const State other = store.snapshots().load(store.snapshots().named("s0")->id, test::killWriterConfig(),
                                                   test::killWriterFingerprint());
        QVERIFY(sameBits(other, sampleState("s0")));
    }

    void newerSchemaIsRefusedUntouched()
    {
        QTemporaryDir dir;
        const QString path = dir.path() + "/newer.sqlite";
        {
            Store store(path.toStdString());
            fill(store, 1);
            store.database().exec("PRAGMA journal_mode = DELETE");
            store.database().exec(withNumber("PRAGMA user_version = ", Database::latestSchemaVersion() + 1));
        }
        const QByteArray before = fileHash(path);
        const Error e = expectError([&] { Store store(path.toStdString()); });
        QCOMPARE(e.code(), ErrorCode::Database);
        QVERIFY2(std::string(e.what()).find("newer") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("untouched") != std::string::npos, e.what());
        QCOMPARE(fileHash(path), before);
        QVERIFY(!QFile::exists(path + "-wal"));
    }

    void readOnlyDatabaseRefusesWritesAndKeepsData()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/db.sqlite").toStdString();
        {
            Store store(path);
            fill(store, 3);
        }
        {
            DatabaseOptions readOnly;
            readOnly.readOnly = true;
            Store store(path, readOnly);
            verifyAllIntact(store, 3);
            const Error e = expectError([&] { store.snapshots().save(sampleState("new"), {std::nullopt, std::string("new")}); });
            QCOMPARE(e.code(), ErrorCode::Database);
            QVERIFY2(std::string(e.what()).find("read-only") != std::string::npos, e.what());
            const Error e2 = expectError([&] { store.conversations().create("x", {}); });
            QVERIFY2(std::string(e2.what()).find("read-only") != std::string::npos, e2.what());
        }
        Store store(path);
        verifyAllIntact(store, 3);
    }

    void fullDiskLosesNothing()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/db.sqlite").toStdString();
        Store store(path);
        fill(store, 3);
        Statement pages = store.database().prepare("PRAGMA page_count");
        pages.step();
        const int64_t used = pages.columnInt(0);
        pages.reset();
        // Room for a few pages more, far less than a 270 KB snapshot needs.
        store.database().exec(withNumber("PRAGMA max_page_count = ", used + 4));
        const Error e = expectError([&] { store.snapshots().save(sampleState("s3"), {std::nullopt, std::string("s3")}); });
        QCOMPARE(e.code(), ErrorCode::Database);
        QVERIFY2(std::string(e.what()).find("disk is full") != std::string::npos, e.what());
        QVERIFY(!store.database().inTransaction());
        verifyAllIntact(store, 3);
        // A chat turn (messages + snapshot in one transaction) fails whole, leaving no message behind.
        const int64_t conversation = store.conversations().create("full", {});
        const Error turn = expectError([&] {
            const EncodedSnapshot encoded = store.snapshots().codec().encode(sampleState("turn"));
            Transaction tx(store.database());
            const int64_t m = store.conversations().addMessage(conversation, std::nullopt, MessageRole::Assistant, "reply");
            store.snapshots().insert(encoded, test::killWriterFingerprint(), {m, std::nullopt});
            tx.commit();
        });
        QCOMPARE(turn.code(), ErrorCode::Database);
        QCOMPARE(store.conversations().messages(conversation).size(), size_t(0));
        // With space again, writing works.
        store.database().exec("PRAGMA max_page_count = 1073741823");
        store.snapshots().save(sampleState("s3"), {std::nullopt, std::string("s3")});
        verifyAllIntact(store, 4);
    }

    void lockedDatabaseFailsAfterBusyTimeout()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/db.sqlite").toStdString();
        DatabaseOptions impatient;
        impatient.busyTimeoutMs = 300;
        Store store(path, impatient);
        fill(store, 2);
        Database other = Database::open(path);
        other.exec("BEGIN IMMEDIATE");
        other.exec("INSERT INTO conversations (title, created_at, updated_at) VALUES ('other', 0, 0)");
        const auto t0 = std::chrono::steady_clock::now();
        const Error e = expectError([&] { store.snapshots().save(sampleState("s2"), {std::nullopt, std::string("s2")}); });
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        QCOMPARE(e.code(), ErrorCode::Database);
        QVERIFY2(std::string(e.what()).find("locked by another program") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("300 ms") != std::string::npos, e.what());
        QVERIFY(waited.count() >= 250);
        // Reading still works while the other connection writes (WAL).
        verifyAllIntact(store, 2);
        other.exec("COMMIT");
        store.snapshots().save(sampleState("s2"), {std::nullopt, std::string("s2")});
        verifyAllIntact(store, 3);
        QCOMPARE(countRows(store.database(), "conversations"), int64_t(1));
    }

    void conversationTreeAndCascade()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        fill(store, 0);
        ConversationStore& c = store.conversations();
        const int64_t id = c.create("tree", {"be brief", R"({"temperature":0.5})"});
        const int64_t root = c.addMessage(id, std::nullopt, MessageRole::System, "be brief");
        const int64_t u1 = c.addMessage(id, root, MessageRole::User, "hi");
        const int64_t a1 = c.addMessage(id, u1, MessageRole::Assistant, " hello");
        const int64_t u2 = c.addMessage(id, a1, MessageRole::User, "more");
        const int64_t a2 = c.addMessage(id, u2, MessageRole::Assistant, " sure");
        const int64_t u2b = c.addMessage(id, a1, MessageRole::User, "other");
        for (const int64_t m : {root, a1, a2}) store.snapshots().save(sampleState(std::to_string(m)), {m, std::nullopt});
        c.setCurrentMessage(id, a2);

        std::vector<int64_t> path;
        for (const MessageRecord& m : c.pathTo(a2)) path.push_back(m.id);
        QCOMPARE(path, (std::vector<int64_t>{root, u1, a1, u2, a2}));
        QCOMPARE(c.children(a1).size(), size_t(2));
        QCOMPARE(c.children(a1)[1].id, u2b);
        QCOMPARE(c.settings(id).systemPrompt, std::string("be brief"));
        QCOMPARE(*c.get(id).currentMessageId, a2);
        QCOMPARE(c.get(id).messageCount, int64_t(5)); // the system root is not counted
        const Error missing = expectError([&] { c.get(99); });
        QCOMPARE(missing.code(), ErrorCode::InvalidArgument);

        c.remove(id);
        QCOMPARE(countRows(store.database(), "messages"), int64_t(0));
        QCOMPARE(countRows(store.database(), "snapshots"), int64_t(0));
        QCOMPARE(countRows(store.database(), "conversation_settings"), int64_t(0));
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    void documentRemovalTakesItsSnapshot()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        fill(store, 1);
        Transaction tx(store.database());
        DocumentRecord d;
        d.name = "notes.md";
        d.contentHash = checksumHex(sampleState("doc").serialize());
        d.byteSize = 10;
        d.tokenCount = 5;
        d.modelFingerprint = fingerprintHex(test::killWriterFingerprint());
        d.snapshotId = store.snapshots().save(sampleState("doc"), {});
        d.id = store.documents().insert(d);
        tx.commit();
        QCOMPARE(store.documents().findByName("notes.md")->id, d.id);
        // A document's snapshot cannot be deleted from under it.
        const Error e = expectError([&] { store.snapshots().remove(d.snapshotId); });
        QCOMPARE(e.code(), ErrorCode::Database);
        store.documents().remove(d.id);
        QCOMPARE(countRows(store.database(), "documents"), int64_t(0));
        QCOMPARE(countRows(store.database(), "snapshots"), int64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
