// SPDX-License-Identifier: GPL-3.0-or-later
// The users table: add, change, remove, list, and login with timing that hides user names.
#include "auth/user_store.hpp"

#include "auth/password_policy.hpp"

namespace auth {
namespace {

constexpr std::string_view role_names[] = {"viewer", "operator", "admin"};

constexpr std::string_view bad_name_message =
    "a user name is 1 to 32 characters: a-z, 0-9, '_', '.', '-', starting with a-z or '_'";

std::int64_t to_us(std::chrono::system_clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || c == '_';
}
bool name_rest(char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// A well-formed hash that no password matches (zero salt and hash), with the same cost as
// a real one at params: verifying against it takes as long as a real check.
std::string dummy_hash(const scrypt_params& p)
{
    return "$scrypt$ln=" + std::to_string(p.ln) + ",r=" + std::to_string(p.r) +
           ",p=" + std::to_string(p.p) + "$" + std::string(22, 'A') + "$" + std::string(43, 'A');
}

tl::expected<void, std::string> db_error(std::string_view what, const std::string& why)
{
    return tl::unexpected(std::string(what) + ": " + why);
}

// Columns 0..5 of the select lists below.
user_info read_info(const statement& s)
{
    user_info u;
    u.name = s.column_text(0);
    u.user_role = parse_role(s.column_text(1)).value_or(role::viewer); // CHECK keeps it valid
    u.created_us = s.column_int(2);
    u.created_by = s.column_text(3);
    u.changed_us = s.column_int(4);
    u.disabled = s.column_int(5) != 0;
    return u;
}

constexpr std::string_view info_columns = "name, role, created, created_by, changed, disabled";

} // namespace

std::string_view to_string(role r)
{
    return role_names[static_cast<std::size_t>(r)];
}

std::optional<role> parse_role(std::string_view s)
{
    for (std::size_t i = 0; i < std::size(role_names); ++i)
        if (s == role_names[i])
            return static_cast<role>(i);
    return std::nullopt;
}

bool valid_user_name(std::string_view name)
{
    if (name.empty() || name.size() > max_user_name_chars || !name_start(name[0]))
        return false;
    for (char c : name.substr(1))
        if (!name_rest(c))
            return false;
    return true;
}

tl::expected<void, std::string> user_store::ensure_schema(database& db)
{
    auto r = db.exec("CREATE TABLE IF NOT EXISTS users ("
                     " name TEXT PRIMARY KEY NOT NULL,"
                     " role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),"
                     " hash TEXT NOT NULL,"
                     " created INTEGER NOT NULL,"
                     " created_by TEXT NOT NULL,"
                     " changed INTEGER NOT NULL,"
                     " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))"
                     ") STRICT");
    if (!r)
        return db_error("cannot create the users table", r.error());
    return {};
}

tl::expected<void, std::string> user_store::add(std::string_view name, role r,
                                                std::string_view password,
                                                std::string_view created_by,
                                                std::chrono::system_clock::time_point now)
{
    if (!valid_user_name(name))
        return tl::unexpected(std::string(bad_name_message));
    if (auto ok = check_password(name, password); !ok)
        return tl::unexpected(ok.error());
    auto existing = find(name);
    if (!existing)
        return tl::unexpected(existing.error());
    if (*existing)
        return tl::unexpected("user " + std::string(name) + " already exists");
    auto hash = hash_password(password, params_);
    if (!hash)
        return tl::unexpected(hash.error());
    auto s = db_.prepare("INSERT INTO users (name, role, hash, created, created_by, changed, "
                         "disabled) VALUES (?1, ?2, ?3, ?4, ?5, ?4, 0)");
    if (!s)
        return db_error("cannot add user", s.error());
    s->bind(1, name).bind(2, to_string(r)).bind(3, std::string_view(*hash)).bind(4, to_us(now));
    s->bind(5, created_by);
    if (auto ok = s->run(); !ok) // also catches a duplicate added since find()
        return db_error("cannot add user " + std::string(name), ok.error());
    return {};
}

tl::expected<void, std::string> user_store::set_password(std::string_view name,
                                                         std::string_view password,
                                                         std::chrono::system_clock::time_point now)
{
    if (!valid_user_name(name))
        return tl::unexpected(std::string(bad_name_message));
    if (auto ok = check_password(name, password); !ok)
        return tl::unexpected(ok.error());
    auto hash = hash_password(password, params_);
    if (!hash)
        return tl::unexpected(hash.error());
    auto s = db_.prepare("UPDATE users SET hash = ?1, changed = ?2 WHERE name = ?3");
    if (!s)
        return db_error("cannot set password", s.error());
    s->bind(1, std::string_view(*hash)).bind(2, to_us(now)).bind(3, name);
    if (auto ok = s->run(); !ok)
        return db_error("cannot set password", ok.error());
    if (db_.changes() == 0)
        return tl::unexpected("no user named " + std::string(name));
    return {};
}

tl::expected<void, std::string> user_store::update(std::string_view sql, std::string_view name,
                                                   std::int64_t value, std::int64_t now_us)
{
    if (!valid_user_name(name))
        return tl::unexpected(std::string(bad_name_message));
    auto s = db_.prepare(sql);
    if (!s)
        return db_error("cannot change user", s.error());
    s->bind(1, value).bind(2, now_us).bind(3, name);
    if (auto ok = s->run(); !ok)
        return db_error("cannot change user " + std::string(name), ok.error());
    if (db_.changes() == 0)
        return tl::unexpected("no user named " + std::string(name));
    return {};
}

tl::expected<void, std::string> user_store::set_role(std::string_view name, role r,
                                                     std::chrono::system_clock::time_point now)
{
    // The role goes in as its index and is mapped in SQL, so update() stays one shape.
    return update("UPDATE users SET role = CASE ?1 WHEN 0 THEN 'viewer' WHEN 1 THEN 'operator' "
                  "ELSE 'admin' END, changed = ?2 WHERE name = ?3",
                  name, static_cast<std::int64_t>(r), to_us(now));
}

tl::expected<void, std::string> user_store::set_disabled(std::string_view name, bool disabled,
                                                         std::chrono::system_clock::time_point now)
{
    return update("UPDATE users SET disabled = ?1, changed = ?2 WHERE name = ?3", name,
                  disabled ? 1 : 0, to_us(now));
}

tl::expected<void, std::string> user_store::remove(std::string_view name)
{
    if (!valid_user_name(name))
        return tl::unexpected(std::string(bad_name_message));
    auto s = db_.prepare("DELETE FROM users WHERE name = ?1");
    if (!s)
        return db_error("cannot remove user", s.error());
    s->bind(1, name);
    if (auto ok = s->run(); !ok)
        return db_error("cannot remove user " + std::string(name), ok.error());
    if (db_.changes() == 0)
        return tl::unexpected("no user named " + std::string(name));
    return {};
}

tl::expected<std::vector<user_info>, std::string> user_store::list()
{
    auto s = db_.prepare("SELECT " + std::string(info_columns) + " FROM users ORDER BY name");
    if (!s)
        return tl::unexpected("cannot list users: " + s.error());
    std::vector<user_info> out;
    for (;;) {
        auto row = s->step();
        if (!row)
            return tl::unexpected("cannot list users: " + row.error());
        if (!*row)
            return out;
        out.push_back(read_info(*s));
    }
}

tl::expected<std::optional<user_record>, std::string> user_store::find(std::string_view name)
{
    if (!valid_user_name(name))
        return std::optional<user_record>();
    auto s =
        db_.prepare("SELECT " + std::string(info_columns) + ", hash FROM users WHERE name = ?1");
    if (!s)
        return tl::unexpected("cannot read user: " + s.error());
    s->bind(1, name);
    auto row = s->step();
    if (!row)
        return tl::unexpected("cannot read user " + std::string(name) + ": " + row.error());
    if (!*row)
        return std::optional<user_record>();
    return std::optional<user_record>(user_record{read_info(*s), s->column_text(6)});
}

tl::expected<login_result, std::string> user_store::login(std::string_view name,
                                                          std::string_view password,
                                                          std::chrono::system_clock::time_point now)
{
    (void)now; // see the header: reserved for a last-login time
    login_result result;
    auto found = find(name);
    if (!found)
        return tl::unexpected(found.error());
    if (!*found) {
        auto burn = verify_password(password, dummy_hash(params_));
        if (!burn)
            return tl::unexpected(burn.error());
        result.outcome = login_outcome::unknown_user;
        return result;
    }
    user_record& rec = **found;
    auto ok = verify_password(password, rec.hash);
    if (!ok)
        return tl::unexpected("stored hash of user " + rec.info.name +
                              " is unusable: " + ok.error());
    if (!*ok) {
        result.outcome = login_outcome::bad_password;
        return result;
    }
    if (rec.info.disabled) {
        result.outcome = login_outcome::disabled;
        return result;
    }
    result.outcome = login_outcome::ok;
    if (needs_rehash(rec.hash, params_)) {
        auto fresh = hash_password(password, params_);
        if (!fresh) {
            result.rehash_error = fresh.error();
        } else if (auto s = db_.prepare("UPDATE users SET hash = ?1 WHERE name = ?2 AND hash = ?3");
                   !s) {
            result.rehash_error = s.error();
        } else {
            // Only if unchanged since we read it: a concurrent set_password wins.
            s->bind(1, std::string_view(*fresh)).bind(2, name).bind(3, std::string_view(rec.hash));
            if (auto run = s->run(); !run)
                result.rehash_error = run.error();
            else
                result.rehashed = db_.changes() == 1;
        }
    }
    result.user = std::move(rec.info);
    return result;
}

} // namespace auth
