// rwkv-cli's store commands as a user runs them (real processes, the demo model, a database
// in a temporary folder): chat --db resumes without replaying, conv show/branch/rm, named
// states, export and import of conversations and states, documents ingested once and asked, and one clear line on stderr for every error.
#include "core/prompt_format.h"
#include "core/store/database.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/cli_run.h"
#include "support/test_support.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>

namespace {

using rwkv::test::verifyCleanError;
using Run = rwkv::test::CliRun;

Run cli(const QStringList& args, const QByteArray& input = {})
{
    return rwkv::test::runCli(QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()), args, input);
}

nlohmann::json json(const Run& r) { return nlohmann::json::parse(r.out.toStdString()); }

} // namespace

class TestCliStore : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString db() const { return m_dir.path() + "/store.sqlite"; }

private slots:
    void chatResumesWithoutReplay()
    {
        const Run straight = cli({"chat", "--temperature", "0"}, "What is 7 + 5?\nThank you!\n");
        QCOMPARE(straight.exitCode, 0);

        const Run first = cli({"chat", "--db", db(), "--prompt", "What is 7 + 5?", "--temperature", "0"});
        QCOMPARE(first.exitCode, 0);
        QVERIFY2(first.err.endsWith("conversation 1\n"), first.err.constData());
        // The second process restores the saved state and feeds only the new turn.
        const Run second = cli({"chat", "--db", db(), "--conversation", "1", "--prompt", "Thank you!", "--stats"});
        QCOMPARE(second.exitCode, 0);
        QCOMPARE(first.out + second.out, straight.out);
        const auto tokenizer = rwkv::WorldTokenizer::load(rwkv::test::worldVocabPath());
        const auto promptTokens = tokenizer->encode(rwkv::chatPrompt("Thank you!")).size();
        QVERIFY2(second.err.contains("\nprompt " + QByteArray::number(qulonglong(promptTokens)) + " tokens, restore "),
                 second.err.constData());
    }

    void convListShowBranchRm()
    {
        const Run list = cli({"conv", "list", "--db", db(), "--json"});
        QCOMPARE(list.exitCode, 0);
        QCOMPARE(json(list).size(), size_t(1));
        QCOMPARE(json(list)[0].at("title").get<std::string>(), std::string("What is 7 + 5?"));
        QCOMPARE(json(list)[0].at("messages").get<int>(), 4); // two questions, two replies
        QVERIFY(cli({"conv", "list", "--db", db()}).out.contains(" 4 messages "));

        const nlohmann::json shown = json(cli({"conv", "show", "1", "--db", db(), "--json"}));
        const nlohmann::json& messages = shown.at("messages");
        QCOMPARE(messages.size(), size_t(5));
        QCOMPARE(messages[2].at("content").get<std::string>(), std::string("7 + 5 = 12."));
        const int firstReply = messages[2].at("id").get<int>();

        const Run branch = cli({"conv", "branch", "1", "--at", QString::number(firstReply), "--db", db()});
        QCOMPARE(branch.exitCode, 0);
        const Run joke = cli({"chat", "--db", db(), "--conversation", "1", "--prompt", "Tell me a joke.", "--temperature", "0"});
        QCOMPARE(joke.exitCode, 0);
        QVERIFY2(joke.out.startsWith("Why did the computer go to sleep?"), joke.out.constData());
        const nlohmann::json after = json(cli({"conv", "show", "1", "--db", db(), "--json"}));
        QCOMPARE(after.at("messages").size(), size_t(5));
        QCOMPARE(after.at("messages")[3].at("content").get<std::string>(), std::string("Tell me a joke."));
        QCOMPARE(after.at("messages")[2].at("id").get<int>(), firstReply);
        const Run tree = cli({"conv", "show", "1", "--all", "--db", db()});
        QCOMPARE(tree.exitCode, 0);
        QCOMPARE(tree.out.count("user:"), 3);
        QVERIFY(tree.out.contains("* [" + QByteArray::number(firstReply) + "] assistant: 7 + 5 = 12."));

        verifyCleanError(cli({"conv", "branch", "1", "--at", QString::number(firstReply - 1), "--db", db()}), 2, "is a user message");
        const Run second = cli({"chat", "--db", db(), "--prompt", "Hello!", "--temperature", "0"});
        QVERIFY2(second.err.endsWith("conversation 2\n"), second.err.constData());
        QCOMPARE(cli({"conv", "rm", "2", "--db", db()}).exitCode, 0);
        QCOMPARE(json(cli({"conv", "list", "--db", db(), "--json"})).size(), size_t(1));
        verifyCleanError(cli({"conv", "show", "2", "--db", db()}), 2, "no conversation 2");
    }

    void namedStates()
    {
        const Run save = cli({"state", "save", "canary", "--text", "The RWKV-7 Goose architecture is a recurrent", "--db", db()});
        QCOMPARE(save.exitCode, 0);
        QVERIFY2(save.out.startsWith("state 'canary' saved"), save.out.constData());
        verifyCleanError(cli({"state", "save", "canary", "--text", "x", "--db", db()}), 2, "exists");
        const Run load = cli({"state", "load", "canary", "--prompt", " network", "--max-tokens", "5", "--temperature", "0",
                              "--json", "--db", db()});
        QCOMPARE(load.exitCode, 0);
        // Equal to generating from the whole text in one process (the card's canary continuation).
        QCOMPARE(json(load).at("tokens").get<std::vector<int>>(), (std::vector<int>{32227, 47601, 4596, 56812, 31296}));
        const Run fromChat = cli({"state", "save", "chat", "--conversation", "1", "--db", db()});
        QCOMPARE(fromChat.exitCode, 0);
        const nlohmann::json listed = json(cli({"state", "list", "--json", "--db", db()}));
        QCOMPARE(listed.size(), size_t(2));
        QCOMPARE(listed[0].at("name").get<std::string>(), std::string("canary"));
        QVERIFY(listed[0].at("stored_bytes").get<int64_t>() > 0);
        // Renamed, it loads under its new name only; a taken or blank name is refused.
        QCOMPARE(cli({"state", "rename", "canary", "goose", "--db", db()}).out, QByteArray("state 'canary' renamed to 'goose'\n"));
        verifyCleanError(cli({"state", "rename", "goose", "chat", "--db", db()}), 2, "a state named 'chat' exists");
        verifyCleanError(cli({"state", "rename", "goose", "  ", "--db", db()}), 2, "needs a name");
        verifyCleanError(cli({"state", "rename", "canary", "x", "--db", db()}), 2, "no state named 'canary'");
        const Run renamed = cli({"state", "load", "goose", "--prompt", " network", "--max-tokens", "5", "--temperature", "0",
                                 "--json", "--db", db()});
        QCOMPARE(json(renamed).at("tokens").get<std::vector<int>>(), (std::vector<int>{32227, 47601, 4596, 56812, 31296}));
        QCOMPARE(cli({"state", "rm", "goose", "--db", db()}).exitCode, 0);
        QCOMPARE(json(cli({"state", "list", "--json", "--db", db()})).size(), size_t(1));
        verifyCleanError(cli({"state", "load", "goose", "--db", db()}), 2, "no state named 'goose'");
    }

    // Export and import: a conversation and a state move to a fresh database and continue the
    // same; Markdown; rename; and the refusals, each one clear line.
    void exportImportRename()
    {
        const QString fresh = m_dir.path() + "/imported.sqlite";
        const QString file = m_dir.path() + "/conv1.rwkvx";
        const Run exported = cli({"conv", "export", "1", file, "--db", db()});
        QCOMPARE(exported.exitCode, 0);
        QVERIFY2(exported.out.startsWith("conversation 1 exported to " + file.toUtf8() + " (7 messages, 4 states, "),
                 exported.out.constData());
        verifyCleanError(cli({"conv", "export", "1", file, "--db", db()}), 2, "exists; give another file name");
        const Run imported = cli({"conv", "import", file, "--db", fresh});
        QCOMPARE(imported.exitCode, 0);
        QVERIFY2(imported.out.startsWith("conversation 1 imported from " + file.toUtf8() + " (7 messages, 4 states)"),
                 imported.out.constData());
        const nlohmann::json original = json(cli({"conv", "show", "1", "--all", "--json", "--db", db()}));
        QVERIFY(json(cli({"conv", "show", "1", "--all", "--json", "--db", fresh})) == original);
        // Both continue from their saved state to the same reply.
        const QStringList turn = {"chat", "--conversation", "1", "--prompt", "Thank you!", "--temperature", "0", "--db"};
        const Run there = cli(turn + QStringList{fresh});
        QCOMPARE(there.exitCode, 0);
        QCOMPARE(there.out, cli(turn + QStringList{db()}).out);

        const QString markdown = m_dir.path() + "/conv1.md";
        QCOMPARE(cli({"conv", "export", "1", markdown, "--markdown", "--db", fresh}).exitCode, 0);
        QFile md(markdown);
        QVERIFY(md.open(QIODevice::ReadOnly));
        QVERIFY2(md.readAll().startsWith("# What is 7 + 5?\n\n## User\n\nWhat is 7 + 5?\n\n## Assistant\n\n7 + 5 = 12.\n"),
                 "the Markdown export");

        QCOMPARE(cli({"conv", "rename", "1", "Sums", "--db", fresh}).out, QByteArray("conversation 1 renamed to 'Sums'\n"));
        QCOMPARE(json(cli({"conv", "list", "--json", "--db", fresh}))[0].at("title").get<std::string>(), std::string("Sums"));
        verifyCleanError(cli({"conv", "rename", "9", "Sums", "--db", fresh}), 2, "no conversation 9");
        verifyCleanError(cli({"conv", "rename", "1", " ", "--db", fresh}), 2, "the title must not be empty");

        const QString stateFile = m_dir.path() + "/chat-state.rwkvx";
        // Snapshots 1-4 came with the conversation, 5 with the reply above.
        QCOMPARE(cli({"state", "export", "chat", stateFile, "--db", db()}).exitCode, 0);
        QCOMPARE(cli({"state", "import", stateFile, "--db", fresh}).out,
                 "state 'chat' imported from " + stateFile.toUtf8() + " (snapshot 6)\n");
        verifyCleanError(cli({"state", "import", stateFile, "--db", fresh}), 2, "a state named 'chat' exists");
        QVERIFY(cli({"state", "import", stateFile, "--replace", "--db", fresh}).out.startsWith("state 'chat' replaced"));
        QCOMPARE(cli({"state", "import", stateFile, "--name", "again", "--db", fresh}).exitCode, 0);
        QCOMPARE(json(cli({"state", "list", "--json", "--db", fresh})).size(), size_t(2));
        const QStringList load = {"state", "load", "again", "--prompt", "Thank you!", "--chat", "--temperature", "0", "--db"};
        QCOMPARE(cli(load + QStringList{fresh}).out,
                 cli({"state", "load", "chat", "--prompt", "Thank you!", "--chat", "--temperature", "0", "--db", db()}).out);

        verifyCleanError(cli({"state", "import", file, "--db", fresh}), 2, "holds a conversation, not a state");
        verifyCleanError(cli({"state", "export", "nope", stateFile + "2", "--db", db()}), 2, "no state named 'nope'");
        verifyCleanError(cli({"conv", "import", markdown, "--db", fresh}), 1, "not an RWKV Desktop transfer file");
        verifyCleanError(cli({"conv", "import", m_dir.path() + "/missing.rwkvx", "--db", fresh}), 1, "missing.rwkvx");
        QCOMPARE(json(cli({"conv", "list", "--json", "--db", fresh})).size(), size_t(1));
    }

    void documentsIngestedOnceAndAsked()
    {
        std::ifstream in(rwkv::test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json");
        const nlohmann::json item = nlohmann::json::parse(in).at("qa10").at("items")[1];
        const QString file = m_dir.path() + "/facts.md";
        std::ofstream(file.toStdString()) << item.at("document").get<std::string>();

        const Run ingest = cli({"doc", "ingest", file, "--db", db()});
        QCOMPARE(ingest.exitCode, 0);
        QVERIFY2(ingest.out.startsWith("document 1: 'facts.md', "), ingest.out.constData());
        const Run again = cli({"doc", "ingest", file, "--db", db()});
        QVERIFY2(again.out.contains("already read"), again.out.constData());
        const QString question = QString::fromStdString(item.at("question").get<std::string>());
        const QByteArray expected = QByteArray::fromStdString(item.at("expected").get<std::string>()) + "\n";
        QCOMPARE(cli({"doc", "ask", "1", question, "--db", db()}).out, expected);
        QCOMPARE(cli({"doc", "ask", "facts.md", question, "--db", db()}).out, expected);
        QCOMPARE(json(cli({"doc", "list", "--json", "--db", db()})).size(), size_t(1));
        verifyCleanError(cli({"doc", "ask", "nope", "What?", "--db", db()}), 2, "no document 'nope'");
        verifyCleanError(cli({"doc", "ingest", m_dir.path() + "/missing.txt", "--db", db()}), 1, "missing.txt: No such file");
        verifyCleanError(cli({"doc", "ingest", m_dir.path(), "--db", db()}), 1, "it is a folder");

        // A chat about it answers as `doc ask` does; another file read into it shows in the tree.
        const Run chat = cli({"doc", "chat", "facts.md", "--db", db()});
        QCOMPARE(chat.exitCode, 0);
        const QString conversation = QString::fromUtf8(chat.out).section(':', 0, 0).section(' ', 1);
        QVERIFY2(chat.out.contains("about document 1 'facts.md'"), chat.out.constData());
        QCOMPARE(cli({"chat", "--db", db(), "--conversation", conversation, "--prompt", question, "--temperature", "0"}).out,
                 expected);
        const QString more = m_dir.path() + "/more.txt";
        std::ofstream(more.toStdString()) << "The library opens at nine.\n";
        const Run read = cli({"conv", "read", conversation, more, "--name", "hours", "--db", db()});
        QVERIFY2(read.out.contains("'hours' read ("), read.out.constData());
        std::vector<std::string> roles;
        const nlohmann::json shown = json(cli({"conv", "show", conversation, "--json", "--db", db()}));
        for (const auto& m : shown.at("messages"))
            roles.push_back(m.at("role").get<std::string>() + (m.at("tokens").is_null() ? "" : "+tokens"));
        QCOMPARE(roles, (std::vector<std::string>{"system", "document+tokens", "user", "assistant", "document+tokens"}));
        verifyCleanError(cli({"conv", "read", conversation, m_dir.path() + "/missing.txt", "--db", db()}), 1, "No such file");

        QCOMPARE(cli({"doc", "rm", "1", "--db", db()}).exitCode, 0);
        QCOMPARE(json(cli({"doc", "list", "--json", "--db", db()})).size(), size_t(0));
    }

    // An empty message creates nothing: no conversation, no id on stderr.
    void emptyPromptLeavesNothing()
    {
        const QString fresh = m_dir.path() + "/empty.sqlite";
        verifyCleanError(cli({"chat", "--db", fresh, "--prompt", ""}), 2, "--prompt must not be empty");
        const Run quiet = cli({"chat", "--db", fresh}, "\n  \n/quit\n");
        QCOMPARE(quiet.exitCode, 0);
        QVERIFY2(!quiet.err.contains("conversation"), quiet.err.constData());
        QCOMPARE(cli({"conv", "list", "--db", fresh, "--json"}).out, QByteArray("[]\n"));
    }

    // The typed commands in a stored chat: /save keeps a named state, /regenerate adds a
    // sibling reply, /reset starts another conversation.
    void storedChatCommands()
    {
        const QString store = m_dir.path() + "/commands.sqlite";
        const Run r = cli({"chat", "--db", store, "--temperature", "0"}, "Hello!\n/save greeted\n/regenerate\n/reset\nThank you!\n");
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("conversation 1\n") && r.err.contains("conversation 2\n"), r.err.constData());
        QVERIFY2(r.err.contains("state 'greeted' saved"), r.err.constData());
        QVERIFY2(r.out.startsWith("Hello! How can I help you today?\nHello! How can I help you today?\n"), r.out.constData());
        QCOMPARE(json(cli({"state", "list", "--json", "--db", store}))[0].at("name").get<std::string>(), std::string("greeted"));
        const nlohmann::json tree = json(cli({"conv", "show", "1", "--all", "--json", "--db", store}));
        QCOMPARE(tree.at("messages").size(), size_t(4)); // root, question, two replies
        // The saved state is the one after the first reply: continuing from it is the chat's second turn.
        const Run straight = cli({"chat", "--temperature", "0"}, "Hello!\nThank you!\n");
        const Run fromSaved = cli({"state", "load", "greeted", "--prompt", "Thank you!", "--chat", "--temperature", "0", "--db", store});
        QCOMPARE(fromSaved.out, straight.out.mid(straight.out.indexOf('\n') + 1));
    }

    void errorsAreOneClearLine()
    {
        verifyCleanError(cli({"conv", "--db", db()}), 2, "conv needs a verb");
        verifyCleanError(cli({"conv", "fly", "--db", db()}), 2, "unknown conv verb 'fly'");
        verifyCleanError(cli({"chat", "--db", db(), "--conversation", "9", "--prompt", "hi"}), 2, "no conversation 9");
        verifyCleanError(cli({"chat", "--db", db(), "--conversation", "x", "--prompt", "hi"}), 2, "--conversation must be a positive number");
        verifyCleanError(cli({"conv", "list", "--db", m_dir.path()}), 1, "cannot open the file");
        const QString newer = m_dir.path() + "/newer.sqlite";
        {
            rwkv::Database d = rwkv::Database::open(newer.toStdString());
            d.exec("PRAGMA user_version = 99");
        }
        verifyCleanError(cli({"chat", "--db", newer, "--prompt", "hi"}), 1, "newer than this build");
    }
};

QTEST_GUILESS_MAIN(TestCliStore)
#include "test_cli_store.moc"
