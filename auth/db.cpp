// SPDX-License-Identifier: GPL-3.0-or-later
// sqlite wrapper: open with Cairn's pragmas, prepared statements, transactions.
#include "auth/db.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace auth {

tl::expected<database, std::string> database::open(const std::string& path, bool read_only)
{
    if (!read_only) {
        // Create the file owner-only before sqlite does (it would use the umask); sqlite
        // gives the -wal and -shm files the same mode. Only when it does not exist yet:
        // closing any descriptor of a file drops every POSIX lock this process holds on
        // it, so opening and closing an existing database beside a live connection would
        // silently drop that connection's locks (another process then thinks it is the
        // last user, checkpoints and removes the WAL, and committed rows are lost).
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0)
            ::close(fd);
        else if (errno != EEXIST)
            return tl::unexpected("cannot open database " + path + ": " +
                                  std::string(std::strerror(errno)));
    }
    sqlite3* raw = nullptr;
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    sqlite_handle h(raw);
    if (rc != SQLITE_OK)
        return tl::unexpected("cannot open database " + path + ": " +
                              (raw ? std::string(sqlite3_errmsg(raw)) : sqlite3_errstr(rc)));
    sqlite3_busy_timeout(raw, busy_timeout_ms);
    sqlite3_extended_result_codes(raw, 1);
    database db(std::move(h), path);
    // WAL lets cairnctl read while cairnd writes; FULL makes a committed audit row durable.
    const char* pragmas = read_only ? "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;"
                                    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                      "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF; "
                                      "PRAGMA secure_delete=ON;";
    if (auto r = db.exec(pragmas); !r)
        return tl::unexpected("cannot set up database " + path + ": " + r.error());
    return db;
}

tl::expected<void, std::string> database::exec(const std::string& sql)
{
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db_.get());
        sqlite3_free(err);
        return tl::unexpected(msg);
    }
    return {};
}

tl::expected<statement, std::string> database::prepare(std::string_view sql)
{
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &s, nullptr) !=
        SQLITE_OK)
        return tl::unexpected(std::string(sqlite3_errmsg(db_.get())));
    return statement(statement_handle(s), db_.get());
}

tl::expected<void, std::string> database::begin() { return exec("BEGIN IMMEDIATE"); }
tl::expected<void, std::string> database::commit() { return exec("COMMIT"); }
void database::rollback()
{
    if (!sqlite3_get_autocommit(db_.get()))
        (void)exec("ROLLBACK");
}

std::int64_t database::data_version()
{
    auto s = prepare("PRAGMA data_version");
    if (!s)
        return -1;
    auto r = s->step();
    return r && *r ? s->column_int(0) : -1;
}

statement& statement::bind(int i, std::int64_t v)
{
    if (int rc = sqlite3_bind_int64(s_.get(), i, v); rc != SQLITE_OK)
        bind_error_ = rc;
    return *this;
}

statement& statement::bind(int i, std::string_view v)
{
    if (int rc = sqlite3_bind_text64(s_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
        rc != SQLITE_OK)
        bind_error_ = rc;
    return *this;
}

statement& statement::bind_blob(int i, std::span<const std::uint8_t> v)
{
    if (int rc = sqlite3_bind_blob64(s_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        bind_error_ = rc;
    return *this;
}

statement& statement::bind_null(int i)
{
    if (int rc = sqlite3_bind_null(s_.get(), i); rc != SQLITE_OK)
        bind_error_ = rc;
    return *this;
}

tl::expected<bool, std::string> statement::step()
{
    if (bind_error_ != SQLITE_OK)
        return tl::unexpected(std::string("bind: ") + sqlite3_errstr(bind_error_));
    int rc = sqlite3_step(s_.get());
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return tl::unexpected(std::string(sqlite3_errmsg(db_)));
}

tl::expected<void, std::string> statement::run()
{
    for (;;) {
        auto r = step();
        if (!r)
            return tl::unexpected(r.error());
        if (!*r)
            return {};
    }
}

void statement::reset()
{
    sqlite3_reset(s_.get());
    sqlite3_clear_bindings(s_.get());
    bind_error_ = SQLITE_OK;
}

std::string statement::column_text(int i) const
{
    const auto* p = sqlite3_column_text(s_.get(), i);
    int n = sqlite3_column_bytes(s_.get(), i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string();
}

std::vector<std::uint8_t> statement::column_blob(int i) const
{
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_.get(), i));
    int n = sqlite3_column_bytes(s_.get(), i);
    return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}

} // namespace auth
