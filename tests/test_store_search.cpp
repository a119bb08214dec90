// Full-text search over a real SQLite store (core/store/search.h, schema 4): conversations by
// title and message text, documents by name, the matching line with its highlighted words;
// input that is FTS5 syntax or simply hostile never fails; the indexes follow renames and
// deletions (FTS5's own integrity check against the tables); a database made with schema 3
// has its existing rows indexed by the migration.
#include "core/checkpoint.h"
#include "core/store/search.h"
#include "core/store/store.h"
#include "helpers/kill_writer_state.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace rwkv;

namespace {

// A conversation with a system root (its prompt is not searched) and alternating user and
// assistant messages. Returns the conversation's id; `messageIds` gets the messages' ids.
int64_t addConversation(Store& store, const std::string& title, const std::vector<std::string>& texts,
                        std::vector<int64_t>* messageIds = nullptr)
{
    ConversationStore& c = store.conversations();
    const int64_t id = c.create(title, {});
    int64_t parent = c.addMessage(id, std::nullopt, MessageRole::System, "You are a pirate captain.");
    for (size_t i = 0; i < texts.size(); ++i) {
        parent = c.addMessage(id, parent, i % 2 == 0 ? MessageRole::User : MessageRole::Assistant, texts[i]);
        if (messageIds) messageIds->push_back(parent);
    }
    c.setCurrentMessage(id, parent);
    return id;
}

int64_t addDocument(Store& store, const std::string& name)
{
    const State state = test::killWriterState(name);
    store.snapshots().registerModel(state.weightsFingerprint(), "test-model", state.config());
    DocumentRecord d;
    d.name = name;
    d.contentHash = std::string(32, 'a');
    d.contentHash.replace(0, name.size() < 32 ? name.size() : 32, name.substr(0, 32));
    d.byteSize = 100;
    d.tokenCount = 20;
    d.modelFingerprint = fingerprintHex(state.weightsFingerprint());
    d.snapshotId = store.snapshots().save(state, {std::nullopt, std::nullopt});
    return store.documents().insert(d);
}

std::vector<SearchHit> find(Store& store, std::string_view typed) { return search(store.database(), typed); }

std::vector<int64_t> ids(const std::vector<SearchHit>& hits, SearchHit::Kind kind)
{
    std::vector<int64_t> out;
    for (const SearchHit& h : hits)
        if (h.kind == kind) out.push_back(h.id);
    return out;
}

std::vector<int64_t> conversationIds(const std::vector<SearchHit>& hits)
{
    return ids(hits, SearchHit::Kind::Conversation);
}

// The highlighted words of a hit, in order.
std::vector<std::string> highlighted(const SearchHit& hit)
{
    std::vector<std::string> out;
    for (const SearchHit::Range& r : hit.highlights) out.push_back(hit.snippet.substr(r.begin, r.end - r.begin));
    return out;
}

// FTS5's check of each index against its table: throws (SQLITE_CORRUPT) when they differ.
void verifyIndexesMatchTables(Store& store)
{
    for (const char* table : {"message_search", "conversation_search", "document_search"})
        store.database().exec(std::string("INSERT INTO ") + table + " (" + table + ", rank) VALUES ('integrity-check', 1)");
}

} // namespace

class TestStoreSearch : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_files = 0;

    std::string freshPath() { return m_dir.filePath(QStringLiteral("db%1.sqlite").arg(++m_files)).toStdString(); }

private slots:
    void queryQuotesEveryWordAsAPrefix()
    {
        QCOMPARE(ftsQuery("  \t\n "), std::string());
        QCOMPARE(ftsQuery("rwkv state"), std::string("\"rwkv\"* \"state\"*"));
        QCOMPARE(ftsQuery("say \"hi\" NEAR(a b)"), std::string("\"say\"* \"\"\"hi\"\"\"* \"NEAR(a\"* \"b)\"*"));
        std::string many;
        for (int i = 0; i < 40; ++i) many += "w ";
        std::string expected;
        for (int i = 0; i < kSearchMaxWords; ++i) expected += i == 0 ? "\"w\"*" : " \"w\"*";
        QCOMPARE(ftsQuery(many), expected);
        // A long word is cut at a character, never inside one: 100 × "é" is 200 bytes.
        std::string accents;
        for (int i = 0; i < 100; ++i) accents += "é";
        QCOMPARE(ftsQuery(accents), std::string("\"").append(accents, 0, 128).append("\"*"));
        const std::string oddCut = std::string("a").append(accents);  // 201 bytes: the cut lands inside an "é"
        QCOMPARE(ftsQuery(oddCut), std::string("\"").append(oddCut, 0, 127).append("\"*"));
    }

    void findsTitlesMessagesAndDocuments()
    {
        Store store(freshPath());
        std::vector<int64_t> holidayMessages, cookingMessages;
        const int64_t holiday = addConversation(store, "Holiday plans", {"Where should we go in spring?",
                                                                         "We could visit Lisbon in spring"},
                                                &holidayMessages);
        const int64_t cooking = addConversation(store, "Cooking",
                                                {"A recipe for tarte tatin\nwith caramelised apples\nserved warm",
                                                 "Preheat the oven."},
                                                &cookingMessages);
        const int64_t cafe = addConversation(store, "Café talk", {"Привет, мир! 日本語のテキスト"});
        const int64_t report = addDocument(store, "quarterly-report.pdf");

        // A title: no message, no snippet.
        std::vector<SearchHit> hits = find(store, "holi");
        QCOMPARE(conversationIds(hits), std::vector<int64_t>{holiday});
        QCOMPARE(hits[0].title, std::string("Holiday plans"));
        QVERIFY(!hits[0].messageId);
        QVERIFY(hits[0].snippet.empty());

        // Message text, whatever the case: the message and its line, the word highlighted.
        hits = find(store, "LISB");
        QCOMPARE(conversationIds(hits), std::vector<int64_t>{holiday});
        QCOMPARE(hits[0].messageId, std::optional<int64_t>(holidayMessages[1]));
        QCOMPARE(hits[0].snippet, std::string("We could visit Lisbon in spring"));
        QCOMPARE(highlighted(hits[0]), std::vector<std::string>{"Lisbon"});

        // Only the line that matched, of a message of three lines.
        hits = find(store, "caramel");
        QCOMPARE(conversationIds(hits), std::vector<int64_t>{cooking});
        QCOMPARE(hits[0].messageId, std::optional<int64_t>(cookingMessages[0]));
        QCOMPARE(hits[0].snippet, std::string("with caramelised apples"));
        QCOMPARE(highlighted(hits[0]), std::vector<std::string>{"caramelised"});

        // Every word is required, each as a prefix.
        QCOMPARE(conversationIds(find(store, "visit spr")), std::vector<int64_t>{holiday});
        QVERIFY(find(store, "lisbon tatin").empty());

        // Documents by name.
        hits = find(store, "quarterly");
        QCOMPARE(ids(hits, SearchHit::Kind::Document), std::vector<int64_t>{report});
        QCOMPARE(hits[0].title, std::string("quarterly-report.pdf"));
        QVERIFY(conversationIds(hits).empty());

        // Non-ASCII text: accents folded, Cyrillic case folded, a Japanese run by its start.
        QCOMPARE(conversationIds(find(store, "cafe")), std::vector<int64_t>{cafe});
        QCOMPARE(conversationIds(find(store, "ПРИВ")), std::vector<int64_t>{cafe});
        hits = find(store, "日本語");
        QCOMPARE(conversationIds(hits), std::vector<int64_t>{cafe});
        QCOMPARE(highlighted(hits[0]), std::vector<std::string>{"日本語のテキスト"});

        // The system prompt every conversation starts with is not searched.
        QVERIFY(find(store, "pirate").empty());
        verifyIndexesMatchTables(store);
    }

    void bestFirstAndLimited()
    {
        Store store(freshPath());
        const int64_t passing =
            addConversation(store, "One", {"Some long message that says many other things before it mentions goose once, "
                                           "and then it keeps going about weather, trains, and lunch for a while"});
        const int64_t focused = addConversation(store, "Two", {"goose goose goose"});
        const int64_t titled = addConversation(store, "Goose facts", {"nothing here"});
        QCOMPARE(conversationIds(find(store, "goose")), (std::vector<int64_t>{titled, focused, passing}));

        for (int i = 0; i < 60; ++i) addConversation(store, "Chat", {"tell me about ducks"});
        QCOMPARE(find(store, "ducks").size(), size_t(SearchOptions{}.limit));
        QCOMPARE(search(store.database(), "ducks", {7}).size(), size_t(7));
        QVERIFY(search(store.database(), "ducks", {0}).empty());
    }

    void hostileInputNeverFails()
    {
        Store store(freshPath());
        const int64_t near = addConversation(store, "Places", {"The station is nearby (left, then right)"});
        addConversation(store, "Other", {"a or b"});
        const std::string longWord(10'000, 'x');
        std::string longWords;
        for (int i = 0; i < 2'500; ++i) longWords += "abc ";
        const std::string nul("a\0b", 3);
        const std::vector<std::string> inputs = {
            "\"", "\"\"", "*", "**", "a*b", "NEAR(", "NEAR(a b)", "a OR", "OR", "AND", "NOT", "a AND", "-", "-a",
            "(", ")", "(a", "a)", "^", ":", "title:x", "{a b}:c", "+", "'", "\\", "%", "_", nul, "\xff\xfe\xfd",
            "\xe6\x97", "🦆", longWord, longWords, "near", "\x01\x02\x03"};
        for (const std::string& input : inputs) {
            try {
                search(store.database(), input);
            } catch (const std::exception& e) {
                QFAIL(std::string("search for a hostile string failed: ").append(e.what()).c_str());
            }
        }
        // Syntax is only text: NEAR( finds "nearby", -station finds it rather than excluding it.
        QCOMPARE(conversationIds(find(store, "NEAR(")), std::vector<int64_t>{near});
        QCOMPARE(conversationIds(find(store, "-station")), std::vector<int64_t>{near});
        QCOMPARE(conversationIds(find(store, "(left,")), std::vector<int64_t>{near});
        QVERIFY(find(store, longWord).empty());
        QVERIFY(find(store, "*").empty());
    }

    void indexesFollowRenamesAndDeletions()
    {
        Store store(freshPath());
        const int64_t kept = addConversation(store, "Kept", {"shared words here"});
        const int64_t gone = addConversation(store, "Gone soon", {"shared words and a zebra"});
        const int64_t document = addDocument(store, "zebra-notes.md");
        std::vector<int64_t> both = conversationIds(find(store, "shared"));
        std::sort(both.begin(), both.end());
        QCOMPARE(both, (std::vector<int64_t>{kept, gone}));

        store.conversations().setTitle(kept, "Renamed");
        QVERIFY(find(store, "kept").empty());
        QCOMPARE(conversationIds(find(store, "renamed")), std::vector<int64_t>{kept});

        // Deleting a conversation takes its messages (ON DELETE CASCADE) out of the index too.
        store.conversations().remove(gone);
        QVERIFY(conversationIds(find(store, "zebra")).empty());
        QCOMPARE(conversationIds(find(store, "shared")), std::vector<int64_t>{kept});
        QCOMPARE(ids(find(store, "zebra"), SearchHit::Kind::Document), std::vector<int64_t>{document});
        store.documents().remove(document);
        QVERIFY(find(store, "zebra").empty());

        // A message deleted on its own (the retention of issue 20 may prune) and an edited one.
        std::vector<int64_t> messages;
        const int64_t edited = addConversation(store, "Edits", {"first draft", "reply"}, &messages);
        store.database().prepare("UPDATE messages SET content = 'second version' WHERE id = ?1").bind(1, messages[0]).run();
        QVERIFY(find(store, "draft").empty());
        QCOMPARE(conversationIds(find(store, "version")), std::vector<int64_t>{edited});
        store.database().prepare("DELETE FROM messages WHERE id = ?1").bind(1, messages[1]).run();
        QVERIFY(find(store, "reply").empty());
        verifyIndexesMatchTables(store);
    }

    void migrationIndexesExistingRows()
    {
        const std::string path = freshPath();
        int64_t old = 0, document = 0;
        {
            DatabaseOptions schema3;
            schema3.schemaVersionLimit = 3;
            Store store(path, schema3);
            QCOMPARE(store.database().schemaVersion(), 3);
            // Rows as schema 3 holds them (today's ConversationStore writes schema 6's columns).
            store.database().exec("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'Before the index', 1, 1);"
                                  "INSERT INTO messages VALUES (1, 1, NULL, 'system', 'You are a pirate captain.', 1),"
                                  "  (2, 1, 1, 'user', 'an old message about otters', 1);"
                                  "UPDATE conversations SET current_message_id = 2;");
            old = 1;
            document = addDocument(store, "old-otter-guide.txt");
            Statement tables = store.database().prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_search'");
            QVERIFY(tables.step());
            QCOMPARE(tables.columnInt(0), int64_t(0));
        }
        Store store(path);
        QCOMPARE(store.database().schemaVersion(), Database::latestSchemaVersion());
        const std::vector<SearchHit> hits = find(store, "otter");
        QCOMPARE(conversationIds(hits), std::vector<int64_t>{old});
        QCOMPARE(ids(hits, SearchHit::Kind::Document), std::vector<int64_t>{document});
        QCOMPARE(conversationIds(find(store, "before")), std::vector<int64_t>{old});
        QVERIFY(find(store, "pirate").empty());
        verifyIndexesMatchTables(store);
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }
};

QTEST_GUILESS_MAIN(TestStoreSearch)
#include "test_store_search.moc"
