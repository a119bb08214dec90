// The model catalog shipped in resources/catalog/models.json and its reader's checks.
#include "core/error.h"
#include "core/model_catalog.h"
#include "support/test_support.h"

#include <QTest>

#include <string>

using rwkv::CatalogEntry;
using rwkv::ModelCatalog;

namespace {

// (Plain string literals: moc does not read raw strings.)
const char* kEntry = "{\"name\": \"m-0.1b\", \"title\": \"M 0.1B\", \"generation\": \"x070\", \"parameters\": 100000000,"
                     " \"size\": 1000, \"url\": \"https://example.org/a/m.pth?download=true\", \"license\": \"Apache-2.0\","
                     " \"sha256\": \"854230983F1015407c44274a7a27196ed72007618995b7a7efba3c4a15f69a45\", \"unconfirmed\": []}";

std::string catalogOf(const std::string& entries) { return "{\"format\": 1, \"models\": [" + entries + "]}"; }

// The entry kEntry with `from` replaced by `to`.
std::string changed(const std::string& from, const std::string& to)
{
    std::string e = kEntry;
    const size_t at = e.find(from);
    Q_ASSERT(at != std::string::npos);
    return e.replace(at, from.size(), to);
}

} // namespace

class TestModelCatalog : public QObject {
    Q_OBJECT

private slots:
    void shippedCatalogLoads()
    {
        const ModelCatalog catalog = ModelCatalog::load(rwkv::test::shareDir() / "catalog" / "models.json");
        QVERIFY(catalog.entries().size() >= 10);
        // RWKV-7 from 0.1B to the largest (13.3B), and RWKV-6 World models.
        QVERIFY(catalog.find("rwkv7-g1-0.1b"));
        QVERIFY(catalog.find("rwkv7-g1c-13.3b"));
        QVERIFY(catalog.find("rwkv6-world-1.6b"));
        for (const CatalogEntry& e : catalog.entries()) {
            QCOMPARE(e.license, std::string("Apache-2.0"));
            QVERIFY2(e.url.rfind("https://huggingface.co/BlinkDL/", 0) == 0, e.url.c_str());
            QVERIFY2(e.fileName().size() > 4 && e.fileName().substr(e.fileName().size() - 4) == ".pth", e.url.c_str());
        }
        // Values copied from the Git LFS pointer of huggingface.co/BlinkDL/rwkv7-g1 (commit a07c638).
        const CatalogEntry* g1a = catalog.find("rwkv7-g1a-2.9b");
        QVERIFY(g1a);
        QCOMPARE(g1a->size, uint64_t(5896274949));
        QVERIFY(g1a->sizeConfirmed);
        QCOMPARE(*g1a->sha256, std::string("df5716263b617e7da83590446fb2a98b6663447cfd52e8e9b49e11ce7f4faa3e"));
        QCOMPARE(g1a->fileName(), std::string("rwkv7-g1a-2.9b-20250924-ctx4096.pth"));
        QVERIFY(!catalog.find("rwkv7-g1-0.4b")->sha256);
        QVERIFY(!catalog.find("rwkv7-g1-0.4b")->sizeConfirmed);
    }

    void readsAnEntry()
    {
        const ModelCatalog c = ModelCatalog::parse(catalogOf(kEntry), "test");
        QCOMPARE(c.entries().size(), size_t(1));
        const CatalogEntry& e = c.entries()[0];
        QCOMPARE(e.fileName(), std::string("m.pth"));
        QCOMPARE(e.parameters, uint64_t(100000000));
        // Checksums are kept lower-case, so they compare with any hex digest text.
        QCOMPARE(*e.sha256, std::string("854230983f1015407c44274a7a27196ed72007618995b7a7efba3c4a15f69a45"));
        QVERIFY(!c.find("other"));
        QCOMPARE(c.names(), std::string("m-0.1b"));
    }

    void refusesBadCatalogs_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("mention");
        QTest::newRow("not json") << "{" << "not valid JSON";
        QTest::newRow("no format") << "{\"models\": []}" << "format-1";
        QTest::newRow("duplicate") << QString::fromStdString(catalogOf(std::string(kEntry) + "," + kEntry)) << "appears twice";
        QTest::newRow("short sha") << QString::fromStdString(catalogOf(changed("\"854230983F", "\"F"))) << "64 hex digits";
        QTest::newRow("null sha not listed")
            << QString::fromStdString(catalogOf(changed("\"854230983F1015407c44274a7a27196ed72007618995b7a7efba3c4a15f69a45\"", "null")))
            << "not listed as unconfirmed";
        QTest::newRow("unknown unconfirmed") << QString::fromStdString(catalogOf(changed("[]", "[\"colour\"]"))) << "unknown field";
        QTest::newRow("zero size") << QString::fromStdString(catalogOf(changed("\"size\": 1000", "\"size\": 0"))) << "'size' must be a positive";
        QTest::newRow("ftp url") << QString::fromStdString(catalogOf(changed("https://", "ftp://"))) << "http(s)";
        QTest::newRow("generation") << QString::fromStdString(catalogOf(changed("x070", "x999"))) << "x060 or x070";
        QTest::newRow("bad name") << QString::fromStdString(catalogOf(changed("m-0.1b", "../m"))) << "may only hold";
        QTest::newRow("no license") << QString::fromStdString(catalogOf(changed("\"license\"", "\"licence\""))) << "no 'license'";
    }

    void refusesBadCatalogs()
    {
        QFETCH(QString, json);
        QFETCH(QString, mention);
        try {
            ModelCatalog::parse(json.toStdString(), "test.json");
            QFAIL("accepted");
        } catch (const rwkv::Error& e) {
            QCOMPARE(e.code(), rwkv::ErrorCode::BadFile);
            QVERIFY2(QString(e.what()).contains(mention), e.what());
            QVERIFY2(QString(e.what()).contains("test.json"), e.what());
        }
    }

    void missingFileIsAnIoError()
    {
        try {
            ModelCatalog::load("/nonexistent/catalog.json");
            QFAIL("loaded");
        } catch (const rwkv::Error& e) {
            QCOMPARE(e.code(), rwkv::ErrorCode::Io);
        }
    }
};

QTEST_GUILESS_MAIN(TestModelCatalog)
#include "test_model_catalog.moc"
