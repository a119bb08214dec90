#pragma once
// One SQLite database connection (RAII), its prepared statements and transactions, and the
// schema migrations run when it opens. Every SQLite failure becomes Error(Database) with a
// message naming the file and what a user can do (locked, read-only, full, damaged).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace rwkv {

class Database;

// A prepared statement; parameters are numbered from 1, result columns from 0.
class Statement {
public:
    Statement(Database& db, std::string_view sql);
    Statement(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::optional<int64_t> value); // nullopt binds NULL
    Statement& bindBlob(int index, std::span<const std::byte> bytes);
    Statement& bindNull(int index);

    // Runs to the next row: true when a row is available, false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    // Makes the statement runnable again with the same bindings.
    void reset();

    bool isNull(int column) const;
    int64_t columnInt(int column) const;
    std::optional<int64_t> columnOptionalInt(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    // Valid until the next step(), reset() or destruction.
    std::span<const std::byte> columnBlob(int column) const;

    // The stores' one way to map rows to records: `read` turns the statement at a row into a
    // value. row(): the next row's, or nullopt when there is none; rows(): every remaining one's.
    template <class Read>
    auto row(Read read) -> std::optional<std::invoke_result_t<Read&, const Statement&>>
    {
        if (!step()) return std::nullopt;
        return read(std::as_const(*this));
    }
    template <class Read>
    auto rows(Read read) -> std::vector<std::invoke_result_t<Read&, const Statement&>>
    {
        std::vector<std::invoke_result_t<Read&, const Statement&>> out;
        while (step()) out.push_back(read(std::as_const(*this)));
        return out;
    }

private:
    Database* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

// A row's first column as an integer (ids, counts): Statement::rows(firstInt).
inline int64_t firstInt(const Statement& s) { return s.columnInt(0); }

struct DatabaseOptions {
    bool readOnly = false;     // SQLITE_OPEN_READONLY: no migration, every write fails clearly
    int busyTimeoutMs = 5000;  // how long a write waits for another connection's write lock
    // Apply migrations only up to this version (fixtures and tests); -1 = all this build knows.
    int schemaVersionLimit = -1;
    // PRAGMA quick_check before anything is written, so a damaged file is refused untouched
    // instead of being made worse by a migration or a write. It reads every page (≈ 5 s per
    // GiB measured, BENCHMARKS.md), so it runs when the file is at most this big, or when a
    // write-ahead log is left beside it (the last program using it did not close cleanly,
    // when damage is likeliest). 0 = never (`store check` runs the full check itself).
    uint64_t quickCheckMaxBytes = uint64_t(64) << 20;
};

class Database {
public:
    // Opens (creating it unless read-only) and migrates the database. Throws Error(Database)
    // if it cannot be opened, is not a database, or has a newer schema than this build knows
    // (then nothing in the file is changed).
    static Database open(const std::filesystem::path& path, const DatabaseOptions& options = {});

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    const std::filesystem::path& path() const { return m_path; }
    bool readOnly() const { return m_readOnly; }
    // PRAGMA user_version.
    int schemaVersion();
    // What PRAGMA quick_check (or, with `full`, integrity_check: also every index against its
    // table) finds wrong, at most `limit` lines; empty when the file is sound.
    std::vector<std::string> checkProblems(bool full, int limit = 100);
    // The newest schema version this build knows.
    static int latestSchemaVersion();

    Statement prepare(std::string_view sql) { return Statement(*this, sql); }
    // Runs one or more statements without parameters.
    void exec(std::string_view sql);
    // Reads the whole blob table.column of row `rowid` into `out` (resized; its capacity is
    // reused, so repeated reads of big snapshots do not allocate fresh memory each time).
    void readBlob(const char* table, const char* column, int64_t rowid, std::vector<std::byte>& out);
    int64_t lastInsertId() const;
    // Rows changed by the last INSERT, UPDATE or DELETE.
    int64_t changes() const;
    bool inTransaction() const;

    // Throws Error(Database) for SQLite result code rc while doing `action` (e.g. "saving a snapshot").
    [[noreturn]] void fail(int rc, std::string_view action) const;
    sqlite3* handle() const { return m_db; }

private:
    Database(sqlite3* db, std::filesystem::path path, const DatabaseOptions& options);
    void configure();
    void migrate(int limit);
    void close() noexcept;

    sqlite3* m_db = nullptr;
    std::filesystem::path m_path;
    bool m_readOnly = false;
    int m_busyTimeoutMs = 0;
};

// BEGIN IMMEDIATE (takes the write lock now, so a busy database fails here and not halfway),
// or a SAVEPOINT when a transaction is already open. Rolls back unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    void commit();

private:
    Database& m_db;
    bool m_nested = false;
    bool m_done = false;
};

// Milliseconds since the Unix epoch (the store's time unit).
int64_t unixMillis();

} // namespace rwkv
