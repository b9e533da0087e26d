// SPDX-License-Identifier: GPL-3.0-or-later
// Decides whether a credential, from an address, may read or publish a mountpoint now,
// with a reason for every refusal.
#include "auth/authorizer.hpp"

#include <algorithm>
#include <array>

namespace auth {
namespace {

decision refuse(reason r, const credential& c)
{
    return decision{false, r, c.user};
}

} // namespace

std::string_view to_string(reason r)
{
    switch (r) {
    case reason::ok:
        return "ok";
    case reason::unknown_token:
        return "unknown_token";
    case reason::bad_secret:
        return "bad_secret";
    case reason::expired:
        return "expired";
    case reason::revoked:
        return "revoked";
    case reason::wrong_scope:
        return "wrong_scope";
    case reason::address_not_allowed:
        return "address_not_allowed";
    case reason::too_many_sessions:
        return "too_many_sessions";
    case reason::locked_out:
        return "locked_out";
    }
    return "unknown";
}

client_reply client_reason(reason r)
{
    switch (r) {
    case reason::ok:
        return client_reply::ok;
    case reason::unknown_token:
    case reason::bad_secret:
        return client_reply::bad_credentials;
    case reason::expired:
        return client_reply::token_expired;
    case reason::revoked:
        return client_reply::token_revoked;
    case reason::wrong_scope:
    case reason::address_not_allowed:
        return client_reply::forbidden;
    case reason::too_many_sessions:
        return client_reply::too_many_sessions;
    case reason::locked_out:
        return client_reply::locked_out;
    }
    return client_reply::bad_credentials;
}

std::string_view to_string(client_reply c)
{
    switch (c) {
    case client_reply::ok:
        return "ok";
    case client_reply::bad_credentials:
        return "bad credentials";
    case client_reply::token_expired:
        return "token expired";
    case client_reply::token_revoked:
        return "token revoked";
    case client_reply::forbidden:
        return "forbidden";
    case client_reply::too_many_sessions:
        return "too many sessions";
    case client_reply::locked_out:
        return "too many failed attempts";
    }
    return "bad credentials";
}

int http_status(client_reply c)
{
    switch (c) {
    case client_reply::ok:
        return 200;
    case client_reply::bad_credentials:
    case client_reply::token_expired:
    case client_reply::token_revoked:
        return 401;
    case client_reply::forbidden:
        return 403;
    case client_reply::too_many_sessions:
    case client_reply::locked_out:
        return 429;
    }
    return 401;
}

bool scope_allows(const std::vector<scope>& scopes, std::string_view mountpoint, access a)
{
    return std::any_of(scopes.begin(), scopes.end(), [&](const scope& s) {
        return s.access == a && (s.mountpoint == mountpoint_glob || s.mountpoint == mountpoint);
    });
}

decision authorize(const token* t, const credential& c, const pepper& p, const ip_address& peer,
                   std::string_view mountpoint, access a, time_point now,
                   const session_facts& facts)
{
    // While locked out, not even a right secret gets in, and none is checked: a locked
    // address cannot use the lockout window to keep guessing.
    if (facts.locked_out)
        return refuse(reason::locked_out, c);
    // A token the caller found under another id is a caller bug; treat it as unknown.
    const bool known = t != nullptr && t->id == c.user;
    // Same work for known and unknown ids: one HMAC and one constant-time compare (the
    // all-zero dummy MAC matches no secret).
    static const std::array<std::uint8_t, mac_bytes> dummy{};
    const std::span<const std::uint8_t> mac =
        known ? std::span<const std::uint8_t>(t->secret_mac) : std::span<const std::uint8_t>(dummy);
    const bool secret_ok = verify_secret(p, c.password.reveal(), mac);
    if (!known)
        return refuse(reason::unknown_token, c);
    if (!secret_ok)
        return refuse(reason::bad_secret, c);
    if (t->revoked)
        return refuse(reason::revoked, c);
    if (t->expires && now >= *t->expires)
        return refuse(reason::expired, c);
    if (!t->allow.empty() && std::none_of(t->allow.begin(), t->allow.end(),
                                          [&](const cidr& block) { return block.contains(peer); }))
        return refuse(reason::address_not_allowed, c);
    if (!scope_allows(t->scopes, mountpoint, a))
        return refuse(reason::wrong_scope, c);
    if (facts.current_sessions >= t->max_sessions)
        return refuse(reason::too_many_sessions, c);
    return decision{true, reason::ok, c.user};
}

} // namespace auth
