// The app's helpers without a window: chat settings and their stored form, remembered
// settings, rows built from a conversation tree (siblings, newest leaf), PDF and text
// documents, the memory numbers of the CPU meter, and the precision picker's weight estimates.
#include "app/app_settings.h"
#include "app/chat_settings.h"
#include "app/conversation_rows.h"
#include "app/document_text.h"
#include "app/model_downloads.h"
#include "core/process_memory.h"
#include "backends/cpu/cpu_device.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/model.h"
#include "core/strategy.h"
#include "support/test_support.h"

#include <QFile>
#include <QPainter>
#include <QPdfWriter>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

class TestAppHelpers : public QObject {
    Q_OBJECT

private slots:
    void chatSettingsRoundTrip()
    {
        const QVariantMap defaults = defaultChatSettings();
        QCOMPARE(defaults.value(QStringLiteral("topP")).toDouble(), double(0.3f));
        QCOMPARE(defaults.value(QStringLiteral("maxTokens")).toInt(), 500);

        QVariantMap edited = defaults;
        edited[QStringLiteral("temperature")] = 0.0;
        edited[QStringLiteral("topK")] = 40;
        edited[QStringLiteral("maxTokens")] = 64;
        edited[QStringLiteral("systemPrompt")] = QStringLiteral("Be brief.");
        QCOMPARE(defaults.value(QStringLiteral("alternatives")).toInt(), 1);
        edited[QStringLiteral("alternatives")] = 3;
        const rwkv::ConversationSettings stored = toConversationSettings(edited);
        QCOMPARE(stored.systemPrompt, std::string("Be brief."));
        QVERIFY(stored.samplingJson.find("\"max_tokens\":64") != std::string::npos);
        QVERIFY(stored.samplingJson.find("\"alternatives\":3") != std::string::npos);
        QCOMPARE(chatAlternatives(fromConversationSettings(stored)), 3);
        QCOMPARE(fromConversationSettings(stored), normalizedChatSettings(edited));

        const rwkv::GenerationOptions options = chatGenerationOptions(edited);
        QCOMPARE(options.maxTokens, 64);
        QCOMPARE(options.sampling.temperature, 0.0f);
        QCOMPARE(options.sampling.topK, 40);
        QCOMPARE(options.sampling.bannedTokens, std::vector<int32_t>{0});
        QVERIFY(!options.exemptWhitespaceDigits);

        // Out of range values are clamped, unknown keys dropped, damaged JSON gives the defaults.
        const QVariantMap clamped = normalizedChatSettings({{QStringLiteral("topP"), 7.0},
                                                            {QStringLiteral("maxTokens"), -3},
                                                            {QStringLiteral("alternatives"), 99},
                                                            {QStringLiteral("colour"), QStringLiteral("blue")}});
        QCOMPARE(clamped.value(QStringLiteral("topP")).toDouble(), 1.0);
        QCOMPARE(clamped.value(QStringLiteral("maxTokens")).toInt(), 1);
        QCOMPARE(chatAlternatives(clamped), kMaxAlternatives);
        QVERIFY(!clamped.contains(QStringLiteral("colour")));
        QCOMPARE(fromConversationSettings({"", "not json"}), defaults);
    }

    void rememberedSettings()
    {
        QTemporaryDir dir;
        QSettings file(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        AppSettings settings(file);
        QCOMPARE(settings.deviceId(), QStringLiteral("auto"));
        QCOMPARE(settings.precision(), QStringLiteral("fp32")); // unused until a device is picked
        QCOMPARE(settings.lastConversation(), qint64(0));
        QCOMPARE(settings.customStrategy(), QString());
        settings.setModel(QStringLiteral("/m/a.pth"), QStringLiteral("cuda:0"), QStringLiteral("fp16"), 4,
                          QStringLiteral("cuda:0 fp16 *10 -> cpu fp32"));
        QCOMPARE(settings.modelPath(), QStringLiteral("/m/a.pth"));
        QCOMPARE(settings.threads(), 4);
        QCOMPARE(settings.customStrategy(), QStringLiteral("cuda:0 fp16 *10 -> cpu fp32"));
        for (int i = 0; i < AppSettings::kMaxRecent + 2; ++i) settings.addRecentModel(QStringLiteral("/m/%1.pth").arg(i));
        settings.addRecentModel(QStringLiteral("/m/3.pth"));
        const QStringList recent = settings.recentModels();
        QCOMPARE(recent.size(), AppSettings::kMaxRecent);
        QCOMPARE(recent.first(), QStringLiteral("/m/3.pth"));
        QCOMPARE(recent.count(QStringLiteral("/m/3.pth")), 1);
        settings.setWindowGeometry(QRect(10, 20, 900, 700));
        QCOMPARE(settings.windowGeometry(), QRect(10, 20, 900, 700));
        settings.setNewChatSettings({{QStringLiteral("temperature"), 0.5}});
        QCOMPARE(settings.newChatSettings().value(QStringLiteral("temperature")).toDouble(), 0.5);
        QCOMPARE(settings.newChatSettings().value(QStringLiteral("topP")).toDouble(), double(0.3f));
    }

    void rowsOfAConversationTree()
    {
        QTemporaryDir dir;
        rwkv::Store store((dir.path() + "/db.sqlite").toStdString());
        rwkv::ConversationStore& c = store.conversations();
        const int64_t id = c.create("tree", {});
        const int64_t root = c.addMessage(id, std::nullopt, rwkv::MessageRole::System, "");
        const int64_t u1 = c.addMessage(id, root, rwkv::MessageRole::User, "Hi");
        const int64_t a1 = c.addMessage(id, u1, rwkv::MessageRole::Assistant, "one");
        const int64_t a1b = c.addMessage(id, u1, rwkv::MessageRole::Assistant, "two");
        const int64_t u2 = c.addMessage(id, a1, rwkv::MessageRole::User, "more");
        const int64_t a2 = c.addMessage(id, u2, rwkv::MessageRole::Assistant, "three");
        const int64_t u1b = c.addMessage(id, root, rwkv::MessageRole::User, "Hello");

        const QList<MessageRow> path = branchRows(store, a2);
        QCOMPARE(path.size(), 4);
        QCOMPARE(path[0].id, u1);
        QCOMPARE(path[0].parentId, root);
        QCOMPARE(path[0].siblingIds, (QList<qint64>{u1, u1b}));
        QCOMPARE(path[0].branchIndex, 0);
        QCOMPARE(path[1].author, QStringLiteral("assistant"));
        QCOMPARE(path[1].siblingIds, (QList<qint64>{a1, a1b}));
        QCOMPARE(path[3].text, QStringLiteral("three"));

        // Choosing a branch continues from its newest reply.
        QCOMPARE(newestReplyUnder(store, a1), a2);
        QCOMPARE(newestReplyUnder(store, a1b), a1b);
        QCOMPARE(newestReplyUnder(store, u1), a1b);
        QCOMPARE(newestReplyUnder(store, u1b), root);  // a question without a reply yet

        const QList<ConversationRow> conversations = conversationRows(store);
        QCOMPARE(conversations.size(), 1);
        QCOMPARE(conversations[0].title, QStringLiteral("tree"));
        QCOMPARE(conversations[0].messageCount, qint64(6));
    }

    void documentsAsText()
    {
        QTemporaryDir dir;
        QVERIFY(isSupportedDocument(QStringLiteral("a/Notes.MD")));
        QVERIFY(isSupportedDocument(QStringLiteral("paper.pdf")));
        QVERIFY(!isSupportedDocument(QStringLiteral("model.pth")));

        const QString text = dir.filePath(QStringLiteral("notes.txt"));
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("plain text\n");
        file.close();
        const DocumentSource plain = prepareDocument(text);
        QCOMPARE(QString::fromStdString(plain.textFile.string()), text);
        QCOMPARE(plain.name, std::string("notes.txt"));
        QVERIFY(!plain.temp);

        const QString pdfPath = dir.filePath(QStringLiteral("two pages.pdf"));
        {
            QPdfWriter pdf(pdfPath);
            QPainter painter(&pdf);
            painter.drawText(QPointF(100, 400), QStringLiteral("First page words."));
            pdf.newPage();
            painter.drawText(QPointF(100, 400), QStringLiteral("Second page words."));
        }
        QCOMPARE(pdfText(pdfPath), QStringLiteral("First page words.\n\nSecond page words."));
        const DocumentSource pdf = prepareDocument(pdfPath);
        QCOMPARE(pdf.name, std::string("two pages.pdf"));
        QVERIFY(pdf.temp);
        QFile extracted(QString::fromStdString(pdf.textFile.string()));
        QVERIFY(extracted.open(QIODevice::ReadOnly));
        QCOMPARE(extracted.readAll(), QByteArray("First page words.\n\nSecond page words."));

        const auto codeOf = [](const QString& path) {
            try {
                prepareDocument(path);
            } catch (const rwkv::Error& e) {
                return e.code();
            }
            return rwkv::ErrorCode::InvalidArgument;
        };
        QCOMPARE(codeOf(dir.filePath(QStringLiteral("model.pth"))), rwkv::ErrorCode::Unsupported);
        QCOMPARE(codeOf(dir.filePath(QStringLiteral("missing.md"))), rwkv::ErrorCode::Io);
        QFile broken(dir.filePath(QStringLiteral("broken.pdf")));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("%PDF-1.4 this is not a pdf");
        broken.close();
        QCOMPARE(codeOf(broken.fileName()), rwkv::ErrorCode::BadFile);
    }

    void memoryNumbers()
    {
        const int64_t before = rwkv::processResidentBytes();
        QVERIFY(before > 1024 * 1024);
        QVERIFY(rwkv::systemMemoryBytes() > before);
        std::vector<char> block(64 << 20, 1);
        QVERIFY(rwkv::processResidentBytes() > before + (32 << 20));
        QCOMPARE(block[12345], char(1));
    }

    // The precision picker's estimates (ModelSettings.qml) against the bytes the demo model
    // really takes once loaded at each precision: within 2 %.
    void weightEstimatesOfAFile()
    {
        QTemporaryDir dir;
        ModelDownloads downloads(dir.filePath(QStringLiteral("catalog.json")).toStdString(),
                                 dir.filePath(QStringLiteral("refreshed.json")).toStdString(), dir.path().toStdString());
        const QString path = QString::fromStdString(rwkv::test::demoModelPath().string());
        const QVariantMap estimates = downloads.fileWeightBytes(path);
        rwkv::cpu::CpuDevice cpu(1);
        for (const char* precision : {"fp32", "bf16", "fp16", "int8", "q4"}) {
            const rwkv::DType type = rwkv::parsePrecision(precision);
            const auto model = rwkv::Model::load(rwkv::Checkpoint::open(rwkv::test::demoModelPath()), cpu, type);
            const double loaded = double(model->weightBytes()), estimate = estimates.value(QLatin1String(precision)).toDouble();
            qInfo("%s: estimate %.0f bytes, loaded %.0f", precision, estimate, loaded);
            QVERIFY(std::fabs(estimate - loaded) <= 0.02 * loaded);
        }
        QVERIFY(downloads.fileWeightBytes(dir.filePath(QStringLiteral("missing.pth"))).isEmpty());
        QVERIFY(downloads.fileWeightBytes(QStringLiteral("https://example.org/model.pth")).isEmpty());
    }
};

QTEST_MAIN(TestAppHelpers)
#include "test_app_helpers.moc"
