// SPDX-License-Identifier: GPL-3.0-or-later
// Tokens in the state database: create, find, list, revoke, rotate, touch.
#include "auth/token_store.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <limits>

namespace auth {
namespace {

// Scopes and allowlists live in child tables as validated text, re-checked on every
// read. Triggers keep the audit trail whole: no row is deleted, no id changed, and a
// revocation cannot be undone, whoever holds the database.
constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    expires_us INTEGER,
    max_sessions INTEGER NOT NULL,
    created_us INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    last_used_us INTEGER,
    revoked_us INTEGER,
    revoked_by TEXT NOT NULL DEFAULT '',
    secret_mac BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS token_scopes (
    token_id TEXT NOT NULL REFERENCES tokens(id),
    mountpoint TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('read', 'publish')),
    PRIMARY KEY (token_id, mountpoint, access)
) STRICT;
CREATE TABLE IF NOT EXISTS token_allow (
    token_id TEXT NOT NULL REFERENCES tokens(id),
    cidr TEXT NOT NULL,
    PRIMARY KEY (token_id, cidr)
) STRICT;
CREATE TRIGGER IF NOT EXISTS tokens_keep_rows BEFORE DELETE ON tokens
BEGIN SELECT RAISE(ABORT, 'tokens are never deleted (audit trail); revoke instead'); END;
CREATE TRIGGER IF NOT EXISTS tokens_keep_id BEFORE UPDATE OF id, created_us, created_by ON tokens
BEGIN SELECT RAISE(ABORT, 'a token id and its creation are never changed'); END;
CREATE TRIGGER IF NOT EXISTS tokens_keep_revoked BEFORE UPDATE OF revoked_us, revoked_by
ON tokens WHEN OLD.revoked_us IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a revoked token stays revoked'); END;
)sql";

constexpr const char* select_tokens =
    "SELECT id, label, expires_us, max_sessions, created_us, created_by, last_used_us, "
    "revoked_us, revoked_by, secret_mac FROM tokens";

// One write transaction. Outside a caller's transaction it is BEGIN IMMEDIATE (take
// the write lock first, so a concurrent cairnctl/cairnd waits instead of failing
// mid-way); inside one it is a savepoint, so a token change and its audit row can be
// committed together.
class write_scope
{
public:
    explicit write_scope(database& db) : db_(db) {}
    tl::expected<void, std::string> start()
    {
        nested_ = sqlite3_get_autocommit(db_.raw()) == 0;
        auto r = nested_ ? db_.exec("SAVEPOINT token_store") : db_.begin();
        started_ = r.has_value();
        return r;
    }
    tl::expected<void, std::string> finish()
    {
        auto r = nested_ ? db_.exec("RELEASE token_store") : db_.commit();
        if (r)
            started_ = false;
        return r;
    }
    ~write_scope()
    {
        if (!started_)
            return;
        if (nested_) {
            (void)db_.exec("ROLLBACK TO token_store");
            (void)db_.exec("RELEASE token_store");
        } else {
            db_.rollback();
        }
    }
    write_scope(const write_scope&) = delete;
    write_scope& operator=(const write_scope&) = delete;

private:
    database& db_;
    bool nested_ = false;
    bool started_ = false;
};

std::string db_error(const database& db, std::string_view what, const std::string& why)
{
    return fmt::format("token store {}: {} ({})", db.path(), what, why);
}

// Distinguishes "no such token" from "revoked" after an UPDATE matched no row.
tl::expected<std::string, std::string> why_unchanged(token_store& store, std::string_view id)
{
    auto found = store.find(id);
    if (!found)
        return tl::unexpected(found.error());
    if (!*found)
        return fmt::format("no token {}", config::quote(id));
    return fmt::format("token {} is revoked", config::quote(id));
}

} // namespace

std::int64_t token_store::to_db_time(time_point t)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::optional<time_point> token_store::from_db_time(std::int64_t us)
{
    using duration = time_point::duration;
    constexpr auto per_us =
        std::chrono::duration_cast<duration>(std::chrono::microseconds{1}).count();
    constexpr auto limit = std::numeric_limits<duration::rep>::max() / per_us;
    if (us > limit || us < -limit)
        return std::nullopt;
    return time_point(std::chrono::duration_cast<duration>(std::chrono::microseconds{us}));
}

tl::expected<void, std::string> token_store::ensure_schema(database& db)
{
    if (auto r = db.exec(schema); !r)
        return tl::unexpected(db_error(db, "cannot create the token tables", r.error()));
    return {};
}

tl::expected<void, std::string> token_store::create(const token& t)
{
    if (auto r = check_token(t); !r)
        return tl::unexpected(r.error());
    if (t.revoked)
        return tl::unexpected(fmt::format("token {} cannot be created revoked", t.id));
    write_scope sp(db_);
    if (auto r = sp.start(); !r)
        return tl::unexpected(db_error(db_, "cannot start a transaction", r.error()));
    auto taken = find(t.id);
    if (!taken)
        return tl::unexpected(taken.error());
    if (*taken)
        return tl::unexpected(fmt::format(
            "token id {} already exists (ids are never reused, even after revocation)", t.id));

    auto ins = db_.prepare("INSERT INTO tokens (id, label, expires_us, max_sessions, "
                           "created_us, created_by, last_used_us, secret_mac) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins)
        return tl::unexpected(db_error(db_, "cannot prepare insert", ins.error()));
    auto opt_time = [](const std::optional<time_point>& v) {
        return v ? std::optional<std::int64_t>(to_db_time(*v)) : std::nullopt;
    };
    ins->bind(1, std::string_view(t.id))
        .bind(2, std::string_view(t.label))
        .bind(3, opt_time(t.expires))
        .bind(4, static_cast<std::int64_t>(t.max_sessions))
        .bind(5, to_db_time(t.created))
        .bind(6, std::string_view(t.created_by))
        .bind(7, opt_time(t.last_used))
        .bind_blob(8, t.secret_mac);
    if (auto r = ins->run(); !r)
        return tl::unexpected(db_error(db_, "cannot insert token " + t.id, r.error()));

    auto sc = db_.prepare("INSERT INTO token_scopes (token_id, mountpoint, access) "
                          "VALUES (?, ?, ?)");
    if (!sc)
        return tl::unexpected(db_error(db_, "cannot prepare insert", sc.error()));
    for (const auto& s : t.scopes) {
        sc->reset();
        sc->bind(1, std::string_view(t.id))
            .bind(2, std::string_view(s.mountpoint))
            .bind(3, to_string(s.access));
        if (auto r = sc->run(); !r)
            return tl::unexpected(db_error(db_, "cannot insert scope", r.error()));
    }
    auto al = db_.prepare("INSERT INTO token_allow (token_id, cidr) VALUES (?, ?)");
    if (!al)
        return tl::unexpected(db_error(db_, "cannot prepare insert", al.error()));
    for (const auto& c : t.allow) {
        al->reset();
        const auto text = c.to_string();
        al->bind(1, std::string_view(t.id)).bind(2, std::string_view(text));
        if (auto r = al->run(); !r)
            return tl::unexpected(db_error(db_, "cannot insert address block", r.error()));
    }
    if (auto r = sp.finish(); !r)
        return tl::unexpected(db_error(db_, "cannot commit token " + t.id, r.error()));
    return {};
}

tl::expected<std::vector<token>, std::string> token_store::load(std::string_view id, bool one)
{
    auto q = db_.prepare(one ? std::string(select_tokens) + " WHERE id = ?"
                             : std::string(select_tokens) + " ORDER BY created_us, rowid");
    if (!q)
        return tl::unexpected(db_error(db_, "cannot prepare query", q.error()));
    if (one)
        q->bind(1, id);
    auto sq = db_.prepare("SELECT mountpoint, access FROM token_scopes WHERE token_id = ? "
                          "ORDER BY rowid");
    auto aq = db_.prepare("SELECT cidr FROM token_allow WHERE token_id = ? ORDER BY rowid");
    if (!sq || !aq)
        return tl::unexpected(db_error(db_, "cannot prepare query", !sq ? sq.error() : aq.error()));

    std::vector<token> out;
    for (;;) {
        auto row = q->step();
        if (!row)
            return tl::unexpected(db_error(db_, "cannot read tokens", row.error()));
        if (!*row)
            break;
        token t;
        t.id = q->column_text(0);
        auto damaged = [&](std::string_view why) {
            return tl::unexpected(db_error(
                db_, fmt::format("token {} is damaged", config::quote(t.id)), std::string(why)));
        };
        t.label = q->column_text(1);
        auto opt_time = [&](int col, std::optional<time_point>& into) {
            if (q->column_is_null(col))
                return true;
            into = from_db_time(q->column_int(col));
            return into.has_value();
        };
        const auto sessions = q->column_int(3);
        if (sessions < 1 || sessions > static_cast<std::int64_t>(max_max_sessions))
            return damaged("max_sessions out of range");
        t.max_sessions = static_cast<unsigned>(sessions);
        const auto created = from_db_time(q->column_int(4));
        if (!created || !opt_time(2, t.expires) || !opt_time(6, t.last_used) ||
            !opt_time(7, t.revoked))
            return damaged("time out of range");
        t.created = *created;
        t.created_by = q->column_text(5);
        t.revoked_by = q->column_text(8);
        t.secret_mac = q->column_blob(9);

        sq->reset();
        sq->bind(1, std::string_view(t.id));
        for (;;) {
            auto s = sq->step();
            if (!s)
                return tl::unexpected(db_error(db_, "cannot read scopes", s.error()));
            if (!*s)
                break;
            auto parsed = parse_scope(sq->column_text(0) + ":" + sq->column_text(1), true);
            if (!parsed)
                return damaged(parsed.error());
            t.scopes.push_back(std::move(*parsed));
        }
        aq->reset();
        aq->bind(1, std::string_view(t.id));
        for (;;) {
            auto a = aq->step();
            if (!a)
                return tl::unexpected(db_error(db_, "cannot read address blocks", a.error()));
            if (!*a)
                break;
            auto parsed = cidr::parse(aq->column_text(0));
            if (!parsed)
                return damaged(parsed.error());
            t.allow.push_back(*parsed);
        }
        if (auto r = check_token(t); !r)
            return damaged(r.error());
        out.push_back(std::move(t));
    }
    return out;
}

tl::expected<std::optional<token>, std::string> token_store::find(std::string_view id)
{
    // An id that cannot be one is not looked up (nor echoed back unescaped).
    if (!is_token_id(id))
        return std::optional<token>{};
    auto rows = load(id, true);
    if (!rows)
        return tl::unexpected(rows.error());
    if (rows->empty())
        return std::optional<token>{};
    return std::optional<token>{std::move(rows->front())};
}

tl::expected<std::vector<token_info>, std::string> token_store::list()
{
    auto rows = load({}, false);
    if (!rows)
        return tl::unexpected(rows.error());
    std::vector<token_info> out;
    out.reserve(rows->size());
    for (const auto& t : *rows)
        out.push_back(to_info(t));
    return out;
}

tl::expected<void, std::string> token_store::revoke(std::string_view id, time_point now,
                                                    std::string_view by)
{
    if (auto r = check_actor(by); !r)
        return tl::unexpected("revoking " + config::quote(id) + ": " + r.error());
    auto u = db_.prepare("UPDATE tokens SET revoked_us = ?, revoked_by = ? "
                         "WHERE id = ? AND revoked_us IS NULL");
    if (!u)
        return tl::unexpected(db_error(db_, "cannot prepare update", u.error()));
    u->bind(1, to_db_time(now)).bind(2, by).bind(3, id);
    if (auto r = u->run(); !r)
        return tl::unexpected(db_error(db_, "cannot revoke token", r.error()));
    if (db_.changes() == 1)
        return {};
    auto why = why_unchanged(*this, id);
    return tl::unexpected(why ? "cannot revoke: " + *why : why.error());
}

tl::expected<void, std::string> token_store::rotate(std::string_view id,
                                                    const std::vector<std::uint8_t>& new_mac)
{
    if (new_mac.size() != mac_bytes)
        return tl::unexpected(
            fmt::format("new secret MAC has {} bytes, expected {}", new_mac.size(), mac_bytes));
    auto u = db_.prepare("UPDATE tokens SET secret_mac = ? WHERE id = ? AND revoked_us IS NULL");
    if (!u)
        return tl::unexpected(db_error(db_, "cannot prepare update", u.error()));
    u->bind_blob(1, new_mac).bind(2, id);
    if (auto r = u->run(); !r)
        return tl::unexpected(db_error(db_, "cannot rotate token", r.error()));
    if (db_.changes() == 1)
        return {};
    auto why = why_unchanged(*this, id);
    return tl::unexpected(why ? "cannot rotate: " + *why : why.error());
}

tl::expected<void, std::string> token_store::touch_last_used(std::string_view id, time_point now)
{
    auto u = db_.prepare("UPDATE tokens SET last_used_us = MAX(COALESCE(last_used_us, ?1), ?1) "
                         "WHERE id = ?2");
    if (!u)
        return tl::unexpected(db_error(db_, "cannot prepare update", u.error()));
    u->bind(1, to_db_time(now)).bind(2, id);
    if (auto r = u->run(); !r)
        return tl::unexpected(db_error(db_, "cannot record token use", r.error()));
    if (db_.changes() == 1)
        return {};
    return tl::unexpected(fmt::format("no token {}", config::quote(id)));
}

} // namespace auth
