#include "core/store/database.h"

#include "core/error.h"
#include "core/store/migrations.h"
#include "core/utf8_path.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <utility>

namespace rwkv {

namespace {

// What a user can do about each kind of failure; the SQLite text is added where it helps.
std::string reasonFor(int rc, sqlite3* db, int busyTimeoutMs)
{
    const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "the database is locked by another program or window (gave up after " + std::to_string(busyTimeoutMs)
               + " ms); nothing was written, close the other program or try again";
    case SQLITE_READONLY:
        return "the database is read-only; nothing was written";
    case SQLITE_FULL:
        return "the disk is full or the database reached its size limit; nothing of this change was written, "
               "free some space and try again";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "the file is damaged or is not an RWKV Desktop database (" + detail + ")";
    case SQLITE_CANTOPEN:
        return "cannot open the file (" + detail + ")";
    case SQLITE_IOERR:
        return "the operating system refused a read or write (" + detail + ")";
    case SQLITE_NOMEM:
        return "out of memory";
    default:
        return detail;
    }
}

// See DatabaseOptions::quickCheckMaxBytes. Checked before SQLite opens the log, which it
// creates and removes itself.
bool wantsQuickCheck(const std::filesystem::path& path, uint64_t maxBytes)
{
    if (maxBytes == 0) return false;
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) return false; // a new database
    std::filesystem::path wal = path;
    wal += "-wal";
    return size <= maxBytes || std::filesystem::exists(wal, ec);
}

} // namespace

int64_t unixMillis()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---- Statement ----

Statement::Statement(Database& db, std::string_view sql) : m_db(&db)
{
    const int rc = sqlite3_prepare_v2(db.handle(), sql.data(), int(sql.size()), &m_stmt, nullptr);
    if (rc != SQLITE_OK) db.fail(rc, "preparing a query");
}

Statement::Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)) {}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::bind(int index, int64_t value)
{
    const int rc = sqlite3_bind_int64(m_stmt, index, value);
    if (rc != SQLITE_OK) m_db->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text)
{
    const int rc = sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) m_db->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value)
{
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindBlob(int index, std::span<const std::byte> bytes)
{
    // SQLITE_STATIC: the caller keeps the bytes alive until step(); avoids copying big snapshots.
    const int rc = sqlite3_bind_blob64(m_stmt, index, bytes.data(), bytes.size(), SQLITE_STATIC);
    if (rc != SQLITE_OK) m_db->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bindNull(int index)
{
    const int rc = sqlite3_bind_null(m_stmt, index);
    if (rc != SQLITE_OK) m_db->fail(rc, "binding a value");
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Reset first so the statement releases its locks before the error propagates.
    sqlite3_reset(m_stmt);
    m_db->fail(rc, "running a query");
}

void Statement::run()
{
    while (step()) {
    }
}

void Statement::reset() { sqlite3_reset(m_stmt); }

bool Statement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

int64_t Statement::columnInt(int column) const { return sqlite3_column_int64(m_stmt, column); }

std::optional<int64_t> Statement::columnOptionalInt(int column) const
{
    if (isNull(column)) return std::nullopt;
    return columnInt(column);
}

double Statement::columnDouble(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::columnText(int column) const
{
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    return text ? std::string(text, size_t(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

std::span<const std::byte> Statement::columnBlob(int column) const
{
    const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(m_stmt, column));
    return {data, size_t(sqlite3_column_bytes(m_stmt, column))};
}

// ---- Database ----

Database::Database(sqlite3* db, std::filesystem::path path, const DatabaseOptions& options)
    : m_db(db), m_path(std::move(path)), m_readOnly(options.readOnly), m_busyTimeoutMs(options.busyTimeoutMs)
{
}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path)), m_readOnly(other.m_readOnly),
      m_busyTimeoutMs(other.m_busyTimeoutMs)
{
}

Database& Database::operator=(Database&& other) noexcept
{
    if (this != &other) {
        close();
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
        m_readOnly = other.m_readOnly;
        m_busyTimeoutMs = other.m_busyTimeoutMs;
    }
    return *this;
}

Database::~Database() { close(); }

void Database::close() noexcept
{
    // sqlite3_close_v2 defers the close until every statement is finalized; ours are RAII.
    if (m_db) sqlite3_close_v2(m_db);
    m_db = nullptr;
}

Database Database::open(const std::filesystem::path& path, const DatabaseOptions& options)
{
    const bool quickCheck = wantsQuickCheck(path, options.quickCheckMaxBytes);
    sqlite3* raw = nullptr;
    const int flags = options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    // SQLite takes UTF-8 file names on every platform.
    const int rc = sqlite3_open_v2(pathToUtf8(path).c_str(), &raw, flags, nullptr);
    Database db(raw, path, options);
    if (rc != SQLITE_OK) db.fail(rc, "opening");
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, options.busyTimeoutMs);
    // The version check comes before anything that writes (journal mode, migrations), so a
    // database from a newer build is left exactly as it was.
    const int version = db.schemaVersion();
    if (version > latestSchemaVersion())
        throw Error(ErrorCode::Database, pathToUtf8(path) + ": the database has schema version " + std::to_string(version)
                                             + ", newer than this build of RWKV Desktop knows ("
                                             + std::to_string(latestSchemaVersion())
                                             + "); it was left untouched, open it with a newer version");
    if (quickCheck) {
        const std::vector<std::string> problems = db.checkProblems(false, 10);
        if (!problems.empty())
            throw Error(ErrorCode::Database, pathToUtf8(path) + ": the database is damaged (" + problems.front()
                                                 + (problems.size() > 1 ? ", and more" : "")
                                                 + "); it was left untouched. `rwkv-cli store check --db FILE` lists "
                                                   "the problems; keep a copy of the file before trying to repair it");
    }
    db.configure();
    db.migrate(options.schemaVersionLimit < 0 ? latestSchemaVersion() : options.schemaVersionLimit);
    return db;
}

void Database::configure()
{
    if (!m_readOnly) {
        // WAL: readers never block the writer and a killed writer leaves the file consistent.
        // synchronous=NORMAL in WAL mode survives any process crash; a power cut may lose
        // the last commits but never corrupts the file.
        Statement mode(*this, "PRAGMA journal_mode = WAL");
        if (!mode.step() || mode.columnText(0) != "wal")
            throw Error(ErrorCode::Database, pathToUtf8(m_path) + ": cannot switch the database to write-ahead logging");
        exec("PRAGMA synchronous = NORMAL");
    }
    exec("PRAGMA foreign_keys = ON");
}

void Database::migrate(int limit)
{
    const int current = schemaVersion();
    if (current >= limit) return;
    if (m_readOnly)
        throw Error(ErrorCode::Database, pathToUtf8(m_path) + ": the database has schema version " + std::to_string(current)
                                             + " and needs an upgrade to " + std::to_string(limit)
                                             + ", but it is opened read-only");
    // A migration may rebuild a table others refer to (SQLite cannot alter a constraint in
    // place); dropping the old one must not cascade, so foreign keys are off meanwhile (the
    // pragma is a no-op inside a transaction) and checked before each commit instead.
    exec("PRAGMA foreign_keys = OFF");
    struct KeysBackOn {
        Database& db;
        ~KeysBackOn() { sqlite3_exec(db.handle(), "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr); }
    } keysBackOn{*this};
    for (const EmbeddedMigration& m : embeddedMigrations()) {
        if (m.version > limit) break;
        Transaction tx(*this);
        // Re-read under the write lock: another process may have migrated meanwhile.
        if (schemaVersion() >= m.version) continue;
        exec(m.sql);
        if (Statement check(*this, "PRAGMA foreign_key_check"); check.step())
            throw Error(ErrorCode::Database, pathToUtf8(m_path) + ": migration " + std::string(m.file)
                                                 + " would break a reference in table " + check.columnText(0)
                                                 + "; the database was left at schema version "
                                                 + std::to_string(m.version - 1));
        exec("PRAGMA user_version = " + std::to_string(m.version));
        tx.commit();
    }
}

int Database::schemaVersion()
{
    Statement s(*this, "PRAGMA user_version");
    s.step();
    return int(s.columnInt(0));
}

std::vector<std::string> Database::checkProblems(bool full, int limit)
{
    Statement s(*this, std::string(full ? "PRAGMA integrity_check(" : "PRAGMA quick_check(") + std::to_string(limit) + ")");
    std::vector<std::string> problems;
    try {
        while (s.step())
            if (std::string line = s.columnText(0); line != "ok") {
                std::replace(line.begin(), line.end(), '\n', ' '); // one line per problem
                if (const std::string_view prefix = "*** in database main *** "; line.starts_with(prefix))
                    line.erase(0, prefix.size());
                problems.push_back(std::move(line));
            }
    } catch (const Error&) {
        // A page too damaged for the check to walk past stops it: that is a finding too.
        problems.push_back(std::string("the check stopped: ") + sqlite3_errmsg(m_db));
    }
    return problems;
}

int Database::latestSchemaVersion() { return embeddedMigrations().back().version; }

void Database::exec(std::string_view sql)
{
    const std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) fail(rc, "running a statement");
}

void Database::readBlob(const char* table, const char* column, int64_t rowid, std::vector<std::byte>& out)
{
    sqlite3_blob* blob = nullptr;
    int rc = sqlite3_blob_open(m_db, "main", table, column, rowid, 0, &blob);
    if (rc != SQLITE_OK) {
        sqlite3_blob_close(blob);
        fail(rc, "reading a blob");
    }
    out.resize(size_t(sqlite3_blob_bytes(blob)));
    rc = sqlite3_blob_read(blob, out.data(), int(out.size()), 0);
    sqlite3_blob_close(blob);
    if (rc != SQLITE_OK) fail(rc, "reading a blob");
}

int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }

int64_t Database::changes() const { return sqlite3_changes64(m_db); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(m_db) == 0; }

void Database::fail(int rc, std::string_view action) const
{
    const int primary = rc & 0xff;
    const bool known = primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_READONLY
                       || primary == SQLITE_FULL || primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB
                       || primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_NOMEM;
    std::string message = pathToUtf8(m_path) + ": ";
    if (!known) message += std::string(action) + " failed: ";
    message += reasonFor(rc, m_db, m_busyTimeoutMs);
    throw Error(primary == SQLITE_NOMEM ? ErrorCode::OutOfMemory : ErrorCode::Database, message);
}

// ---- Transaction ----

Transaction::Transaction(Database& db) : m_db(db), m_nested(db.inTransaction())
{
    m_db.exec(m_nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (m_done) return;
    // A failed statement may already have rolled the transaction back (e.g. SQLITE_FULL);
    // rolling back again would fail, and a destructor must not throw.
    if (!m_db.inTransaction()) return;
    try {
        m_db.exec(m_nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
    } catch (const Error&) {
        // The connection is closing or broken; SQLite discards the transaction with it.
    }
}

void Transaction::commit()
{
    m_db.exec(m_nested ? "RELEASE nested" : "COMMIT");
    m_done = true;
}

} // namespace rwkv
