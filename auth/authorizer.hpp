// SPDX-License-Identifier: GPL-3.0-or-later
// Decides whether a credential, from an address, may read or publish a mountpoint now,
// with a reason for every refusal. Pure: the caller looks up the token and passes the
// time, the session count and the lockout state.
//
//   auto cred = auth::parse_authorization(header);        // 401 if this fails
//   auto tok = store.find(cred->user);                     // std::optional<token>
//   auto d = auth::authorize(tok ? &*tok : nullptr, *cred, pepper, peer, "DEMO",
//                            auth::access::read, now, {.current_sessions = n,
//                                                      .locked_out = limiter.locked(...)});
//   audit(d.token_id, auth::to_string(d.r));               // full reason for the log
//   reply(auth::client_reason(d.r));                       // what the client may learn
#pragma once

#include "auth/cidr.hpp"
#include "auth/credentials.hpp"
#include "auth/token.hpp"

#include <string>
#include <string_view>

namespace auth {

enum class reason
{
    ok,
    unknown_token,
    bad_secret,
    expired,
    revoked,
    wrong_scope,
    address_not_allowed,
    too_many_sessions,
    locked_out,
};
// "ok", "unknown_token", ...: stable words for the audit log and the journal.
std::string_view to_string(reason r);

// What the client is told. unknown_token and bad_secret are the same bad_credentials, so
// a guesser cannot tell a valid id from a wrong secret. The rest are given only after
// the secret was proved (or, locked_out, before any check), so they reveal nothing.
enum class client_reply
{
    ok,
    bad_credentials,   // 401
    token_expired,     // 401
    token_revoked,     // 401
    forbidden,         // 403: wrong scope or address
    too_many_sessions, // 429
    locked_out,        // 429
};
client_reply client_reason(reason r);
std::string_view to_string(client_reply c);
// The HTTP status for an NTRIP v2 or HTTP reply (v1 maps 401 to "401 Unauthorized" and
// the rest to its own error lines).
int http_status(client_reply c);

// What the caller knows that the authorizer must not look up itself.
struct session_facts
{
    // Live sessions already open with this token (not counting this one).
    unsigned current_sessions = 0;
    // The rate limiter's answer for this address or user name.
    bool locked_out = false;
};

struct decision
{
    bool allowed = false;
    reason r = reason::unknown_token;
    // The token id the client named (credential.user), for the audit log; it may name
    // no token. Never a secret.
    std::string token_id;
};

// Checks in this order: locked out (no secret check at all), token known and secret
// right (an unknown id still computes one HMAC, so timing does not tell ids apart),
// revoked, expired (now >= expires), address in the allowlist (empty = any), a scope
// for this mountpoint and access ("*" matches any mountpoint; publish does not imply
// read), sessions below max_sessions. t is the token named by c.user, or nullptr.
decision authorize(const token* t, const credential& c, const pepper& p, const ip_address& peer,
                   std::string_view mountpoint, access a, time_point now,
                   const session_facts& facts);

// True when one of the scopes grants access a on mountpoint.
bool scope_allows(const std::vector<scope>& scopes, std::string_view mountpoint, access a);

} // namespace auth
