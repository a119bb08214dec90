#include "app/sidebar_search.h"

#include "core/error.h"
#include "core/store/database.h"
#include "core/store/search.h"

#include <QMetaObject>

namespace {

// Results the sidebar shows at most.
constexpr int kShownResults = 50;

} // namespace

SidebarSearch::SidebarSearch(std::filesystem::path database, ConversationListModel& conversations,
                             DocumentListModel& documents, QObject* parent)
    : QObject(parent), m_databasePath(std::move(database)), m_allConversations(conversations), m_allDocuments(documents)
{
    m_pool.setMaxThreadCount(1);
    m_pool.setExpiryTimeout(-1);  // the same thread throughout, with its connection
    showEverything();
}

SidebarSearch::~SidebarSearch()
{
    m_pool.waitForDone();
    m_database.reset();
}

void SidebarSearch::setText(const QString& text)
{
    if (text == m_text) return;
    m_text = text;
    if (m_text.trimmed().isEmpty()) {
        showEverything();
        return;
    }
    refresh();
}

void SidebarSearch::refresh()
{
    if (m_text.trimmed().isEmpty()) return;
    m_waiting = true;
    if (!m_running) runNext();
}

void SidebarSearch::runNext()
{
    m_waiting = false;
    m_running = true;
    m_pool.start([this, typed = m_text.toStdString()] {
        std::vector<rwkv::SearchHit> hits;
        QString error;
        try {
            if (!m_database) {
                // The inference worker opened (and migrated) the database first; a sound file
                // needs no second quick_check here.
                rwkv::DatabaseOptions options;
                options.quickCheckMaxBytes = 0;
                m_database = std::make_unique<rwkv::Database>(rwkv::Database::open(m_databasePath, options));
            }
            hits = rwkv::search(*m_database, typed, {kShownResults});
        } catch (const rwkv::Error& e) {
            error = QString::fromStdString(e.what());
        } catch (const std::bad_alloc&) {
            error = QStringLiteral("out of memory");
        }
        QMetaObject::invokeMethod(
            this,
            [this, typed, hits = std::move(hits), error] {
                m_running = false;
                emit searched();
                if (!error.isEmpty()) emit failed(error);
                if (m_waiting) runNext();  // newer text: these results are stale
                else finish(typed, hits);
            },
            Qt::QueuedConnection);
    });
}

void SidebarSearch::finish(const std::string& typed, const std::vector<rwkv::SearchHit>& hits)
{
    if (typed != m_text.toStdString()) return;  // cleared meanwhile
    // Rows come from the full lists, so a conversation deleted since the search is not shown.
    QList<ConversationRow> conversations;
    QList<DocumentRow> documents;
    for (const rwkv::SearchHit& hit : hits) {
        if (hit.kind == rwkv::SearchHit::Kind::Conversation) {
            const int i = m_allConversations.indexOfKey(qint64(hit.id));
            if (i < 0) continue;
            ConversationRow row = m_allConversations.rows()[i];
            row.snippet = snippetMarkup(hit);
            conversations.append(row);
        } else if (const int i = m_allDocuments.indexOfKey(qint64(hit.id)); i >= 0) {
            documents.append(m_allDocuments.rows()[i]);
        }
    }
    m_matchedConversations.setRows(conversations);
    m_matchedDocuments.setRows(documents);
    if (m_shownConversations.sourceModel() != &m_matchedConversations)
        m_shownConversations.setSourceModel(&m_matchedConversations);
    if (m_shownDocuments.sourceModel() != &m_matchedDocuments) m_shownDocuments.setSourceModel(&m_matchedDocuments);
}

void SidebarSearch::showEverything()
{
    if (m_shownConversations.sourceModel() != &m_allConversations) m_shownConversations.setSourceModel(&m_allConversations);
    if (m_shownDocuments.sourceModel() != &m_allDocuments) m_shownDocuments.setSourceModel(&m_allDocuments);
}

QString SidebarSearch::snippetMarkup(const rwkv::SearchHit& hit)
{
    const std::string& text = hit.snippet;
    QString markup;
    size_t at = 0;
    for (const rwkv::SearchHit::Range& r : hit.highlights) {
        if (r.begin < at || r.end > text.size()) continue;
        markup += QString::fromUtf8(text.data() + at, qsizetype(r.begin - at)).toHtmlEscaped();
        markup += QStringLiteral("<b>") + QString::fromUtf8(text.data() + r.begin, qsizetype(r.end - r.begin)).toHtmlEscaped()
                  + QStringLiteral("</b>");
        at = r.end;
    }
    markup += QString::fromUtf8(text.data() + at, qsizetype(text.size() - at)).toHtmlEscaped();
    return markup;
}
