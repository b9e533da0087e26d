// SPDX-License-Identifier: GPL-3.0-or-later
// Named admin users (viewer, operator, admin) in the state database, with scrypt password
// hashes that are upgraded on login when the parameters fall behind.
//
//     auth::user_store::ensure_schema(db);
//     auth::user_store users(db);                  // db must outlive users
//     users.add("alice", auth::role::admin, pw, "cairnctl", now);
//     auto r = users.login(name, pw, now);          // slow (scrypt): not on the event loop
//     if (!r) refuse(generic);                      // database trouble: refuse, audit r.error()
//     else if (r->outcome != auth::login_outcome::ok) reply(r->client_message());
//
// Not thread-safe: like its database connection, one store is used by one thread at a time.
#pragma once

#include "auth/db.hpp"
#include "auth/password.hpp"

#include <tl/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

// Ordered: a higher role may do everything a lower one may.
enum class role
{
    viewer,
    operator_, // "operator" is a C++ keyword; to_string gives "operator"
    admin,
};

std::string_view to_string(role r);
// "viewer", "operator", "admin" (exactly, lowercase).
std::optional<role> parse_role(std::string_view s);
inline bool at_least(role have, role need)
{
    return have >= need;
}

// User names: [a-z_][a-z0-9_.-]{0,31} (Debian's useradd rule without '$'), so they are
// safe in logs, file names and shell commands.
inline constexpr std::size_t max_user_name_chars = 32;
bool valid_user_name(std::string_view name);

// What listings show: no hash, no password.
struct user_info
{
    std::string name;
    role user_role = role::viewer;
    std::int64_t created_us = 0; // microseconds since the Unix epoch, UTC
    std::string created_by;
    std::int64_t changed_us = 0; // last change by a person (password, role, disabled)
    bool disabled = false;

    bool operator==(const user_info&) const = default;
};

// One user with the stored hash, for verification only.
struct user_record
{
    user_info info;
    std::string hash;
};

enum class login_outcome
{
    ok,
    unknown_user, // for the audit log only; the client sees the same as bad_password
    bad_password,
    disabled, // the password was right but the account is disabled
};

// The same text for every failed outcome, so a client cannot tell which names exist.
inline constexpr std::string_view login_failed_message = "invalid user name or password";

struct login_result
{
    login_outcome outcome = login_outcome::bad_password;
    std::optional<user_info> user; // set when outcome is ok
    bool rehashed = false;         // the stored hash was upgraded to the current params
    std::string rehash_error;      // set when an upgrade was due but failed (login still ok)

    // What to tell the client: identical for every failure, empty on success.
    std::string_view client_message() const
    {
        return outcome == login_outcome::ok ? std::string_view() : login_failed_message;
    }
};

class user_store
{
public:
    // Creates the users table when missing (idempotent).
    static tl::expected<void, std::string> ensure_schema(database& db);

    // Borrows db for the store's lifetime; params are used for new and upgraded hashes.
    explicit user_store(database& db, scrypt_params params = admin_scrypt_params)
        : db_(db), params_(params)
    {
    }

    // Refuses a bad name, a duplicate, or a password that fails check_password.
    tl::expected<void, std::string> add(std::string_view name, role r, std::string_view password,
                                        std::string_view created_by,
                                        std::chrono::system_clock::time_point now);
    // Checks the policy, then replaces the hash. Error when the user does not exist.
    tl::expected<void, std::string> set_password(std::string_view name, std::string_view password,
                                                 std::chrono::system_clock::time_point now);
    tl::expected<void, std::string> set_role(std::string_view name, role r,
                                             std::chrono::system_clock::time_point now);
    tl::expected<void, std::string> set_disabled(std::string_view name, bool disabled,
                                                 std::chrono::system_clock::time_point now);
    // Error when the user does not exist.
    tl::expected<void, std::string> remove(std::string_view name);

    // Sorted by name.
    tl::expected<std::vector<user_info>, std::string> list();
    // nullopt when there is no such user.
    tl::expected<std::optional<user_record>, std::string> find(std::string_view name);

    // Verifies; on success rewrites the hash with the current params when needs_rehash.
    // An unknown name still costs one scrypt (against a dummy hash) so timing does not
    // reveal which names exist. Errors: database trouble or a malformed stored hash; the
    // caller must refuse and should show the client login_failed_message then too.
    // now is not used yet; it is in the contract for a last-login time.
    tl::expected<login_result, std::string> login(std::string_view name, std::string_view password,
                                                  std::chrono::system_clock::time_point now);

    const scrypt_params& params() const { return params_; }

private:
    tl::expected<void, std::string> update(std::string_view sql, std::string_view name,
                                           std::int64_t value, std::int64_t now_us);

    database& db_;
    scrypt_params params_;
};

} // namespace auth
