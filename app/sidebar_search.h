#pragma once
// The sidebar's search box (AppController's searchText): what the user types goes through
// core/store/search (titles, message text, document names) on a thread of its own with its
// own connection to the database, so neither the UI thread nor a reply being generated on the
// inference worker waits for it, nor it for them. One search runs at a time: text typed while
// it runs only replaces the text waiting to go next, so fast typing never queues a backlog of
// stale searches. The lists it shows are all conversations and documents for a blank search,
// else the matches best first, conversations found in a message with its matching line.
#include "ui/conversation_list_model.h"
#include "ui/document_list_model.h"

#include <QIdentityProxyModel>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rwkv {
class Database;
struct SearchHit;
} // namespace rwkv

class SidebarSearch : public QObject {
    Q_OBJECT

public:
    // `conversations` and `documents` are the full lists, kept up to date by their owner
    // (only read here).
    SidebarSearch(std::filesystem::path database, ConversationListModel& conversations, DocumentListModel& documents,
                  QObject* parent = nullptr);
    // Waits for the search in progress.
    ~SidebarSearch() override;

    // What the sidebar lists: everything, or the matches of text().
    QAbstractItemModel* conversations() { return &m_shownConversations; }
    QAbstractItemModel* documents() { return &m_shownDocuments; }

    QString text() const { return m_text; }
    // Searches for `text` (blank: lists everything again).
    void setText(const QString& text);
    // Searches again: the stored conversations or documents changed.
    void refresh();

    // A matching line as StyledText: the text escaped, the matched words in <b>.
    static QString snippetMarkup(const rwkv::SearchHit& hit);

signals:
    // After every search that ran, stale or shown.
    void searched();
    // A search failed (the database could not be opened or read): why.
    void failed(const QString& message);

private:
    void runNext();
    void finish(const std::string& typed, const std::vector<rwkv::SearchHit>& hits);
    void showEverything();

    std::filesystem::path m_databasePath;
    ConversationListModel& m_allConversations;
    DocumentListModel& m_allDocuments;
    ConversationListModel m_matchedConversations;
    DocumentListModel m_matchedDocuments;
    QIdentityProxyModel m_shownConversations;
    QIdentityProxyModel m_shownDocuments;

    QString m_text;
    bool m_running = false;  // a search is on the pool thread
    bool m_waiting = false;  // m_text changed since that search began
    QThreadPool m_pool;      // one thread, the only user of m_database
    std::unique_ptr<rwkv::Database> m_database;
};
