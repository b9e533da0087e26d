// SPDX-License-Identifier: GPL-3.0-or-later
// The sqlite database in the state directory (tokens, users, audit log): one small RAII
// wrapper so every store opens it the same way (WAL, synchronous=FULL, busy timeout,
// foreign keys) and binds values instead of building SQL text.
#pragma once

#include <sqlite3.h>
#include <tl/expected.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

struct sqlite_closer
{
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct statement_finalizer
{
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using sqlite_handle = std::unique_ptr<sqlite3, sqlite_closer>;
using statement_handle = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

// The file name inside the state directory.
constexpr const char* database_file = "cairn.db";
// How long a writer waits for another process's lock (cairnctl vs cairnd) before failing.
constexpr int busy_timeout_ms = 5000;

class statement;

class database
{
public:
    // Opens (creating with mode 0600 when missing) and sets the pragmas. The error says
    // which file and why, for a person.
    static tl::expected<database, std::string> open(const std::string& path,
                                                    bool read_only = false);

    // Runs SQL without results (schema, pragmas). Error text from sqlite.
    tl::expected<void, std::string> exec(const std::string& sql);
    tl::expected<statement, std::string> prepare(std::string_view sql);

    // BEGIN IMMEDIATE / COMMIT / ROLLBACK.
    tl::expected<void, std::string> begin();
    tl::expected<void, std::string> commit();
    void rollback();

    // PRAGMA data_version: changes when another connection committed (cairnctl edits).
    std::int64_t data_version();
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
    int changes() const { return sqlite3_changes(db_.get()); }
    std::string error_message() const { return sqlite3_errmsg(db_.get()); }
    const std::string& path() const { return path_; }
    sqlite3* raw() { return db_.get(); }

private:
    database(sqlite_handle db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
    sqlite_handle db_;
    std::string path_;
};

// A prepared statement. bind_* take 1-based indexes; step() returns true while rows come.
class statement
{
public:
    statement(statement_handle s, sqlite3* db) : s_(std::move(s)), db_(db) {}

    statement& bind(int i, std::int64_t v);
    statement& bind(int i, std::string_view v);
    statement& bind_blob(int i, std::span<const std::uint8_t> v);
    statement& bind_null(int i);
    statement& bind(int i, const std::optional<std::int64_t>& v)
    {
        return v ? bind(i, *v) : bind_null(i);
    }
    statement& bind(int i, const std::optional<std::string>& v)
    {
        return v ? bind(i, std::string_view(*v)) : bind_null(i);
    }

    // One step: a row (true), done (false), or an error message.
    tl::expected<bool, std::string> step();
    // Steps to the end (for INSERT/UPDATE/DELETE); any error is returned.
    tl::expected<void, std::string> run();
    void reset();

    std::int64_t column_int(int i) const { return sqlite3_column_int64(s_.get(), i); }
    bool column_is_null(int i) const { return sqlite3_column_type(s_.get(), i) == SQLITE_NULL; }
    std::string column_text(int i) const;
    std::vector<std::uint8_t> column_blob(int i) const;
    std::optional<std::int64_t> column_opt_int(int i) const
    {
        return column_is_null(i) ? std::nullopt : std::optional<std::int64_t>(column_int(i));
    }
    std::optional<std::string> column_opt_text(int i) const
    {
        return column_is_null(i) ? std::nullopt : std::optional<std::string>(column_text(i));
    }

private:
    statement_handle s_;
    sqlite3* db_;
    int bind_error_ = SQLITE_OK;
};

} // namespace auth
