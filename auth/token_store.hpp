// SPDX-License-Identifier: GPL-3.0-or-later
// Tokens in the state database: create, find, list, revoke, rotate, touch. Rows are
// never deleted (a trigger refuses it), so a revoked id stays taken and audited.
//
//   auto db = auth::database::open(state_dir + "/" + auth::database_file);
//   if (auto r = auth::token_store::ensure_schema(*db); !r) fail(r.error());
//   auth::token_store store(*db);
//   if (auto r = store.create(t); !r) fail(r.error());    // e.g. id already taken
//   auto found = store.find("c7m2k9q4xz");                 // expected<optional<token>>
//   auto rows = store.list();                              // token_info: no MACs
#pragma once

#include "auth/db.hpp"
#include "auth/token.hpp"

#include <tl/expected.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

class token_store
{
public:
    // Creates the tables and triggers when missing; safe to call at every start.
    static tl::expected<void, std::string> ensure_schema(database& db);

    // db is borrowed and must outlive the store.
    explicit token_store(database& db) : db_(db) {}

    // Inserts a new token (check_token() must pass, not revoked). Fails when the id is
    // taken, also by a revoked token: ids are never reused.
    tl::expected<void, std::string> create(const token& t);
    // The token with this id, revoked or not; nullopt when there is none. A row that
    // fails check_token() (edited by hand) is an error, not a token.
    tl::expected<std::optional<token>, std::string> find(std::string_view id);
    // Every token, oldest first, without MACs.
    tl::expected<std::vector<token_info>, std::string> list();
    // Every token with its secret MAC, for cairnd's in-memory cache (never for display).
    tl::expected<std::vector<token>, std::string> all() { return load({}, false); }
    // Marks a token revoked at now by `by`. Fails for an unknown or already revoked id.
    tl::expected<void, std::string> revoke(std::string_view id, time_point now,
                                           std::string_view by);
    // Replaces the MAC after a new secret was issued. Fails for an unknown or revoked id.
    tl::expected<void, std::string> rotate(std::string_view id,
                                           const std::vector<std::uint8_t>& new_mac);
    // Records a successful use (last_used only moves forward). Fails only for an unknown
    // id or a database error.
    tl::expected<void, std::string> touch_last_used(std::string_view id, time_point now);

    // Time in the database: integer microseconds since the Unix epoch (UTC). from_db_time
    // is nullopt for values a time_point cannot hold (a damaged row).
    static std::int64_t to_db_time(time_point t);
    static std::optional<time_point> from_db_time(std::int64_t us);

private:
    tl::expected<std::vector<token>, std::string> load(std::string_view id, bool one);
    database& db_;
};

} // namespace auth
