// SPDX-License-Identifier: GPL-3.0-or-later
// Parses what a client presents (an HTTP Authorization header value, or the password of
// an NTRIP v1 SOURCE line) into a user and a secret. Pure: no I/O, never throws.
//
//   auto c = auth::parse_authorization("Basic dXNlcjpwYXNz");  // user "user", "pass"
//   if (!c) log(auth::to_string(c.error()));                   // never echoes the value
//   auto b = auth::parse_authorization("Bearer c7m2k9q4xz.<secret>");
//   auto s = auth::parse_source_password("c7m2k9q4xz.<secret>"); // from "SOURCE pw /MNT"
#pragma once

#include "auth/token.hpp"

#include <tl/expected.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace auth {

// Longest Authorization header value read; a 256-char password in Basic needs ~350.
inline constexpr std::size_t max_authorization_chars = 1024;
// Longest user name (a token id is 10, an admin name is short).
inline constexpr std::size_t max_user_chars = 128;
// Longest password or token secret (a token secret is 26; admin passwords may be long).
inline constexpr std::size_t max_password_chars = 256;

enum class credential_kind
{
    basic,  // Authorization: Basic base64(user:password)
    bearer, // Authorization: Bearer <token id>.<secret>
    source, // NTRIP v1 "SOURCE <password> /MNT": a password only
};

struct credential
{
    credential_kind kind = credential_kind::basic;
    // The token id or admin user name: printable ASCII, safe to log. Empty for a v1
    // SOURCE password that is not in the <id>.<secret> form.
    std::string user;
    // Never logged; cleansed when dropped.
    secret password;
};

// Why a value was refused. None of the texts repeat the value itself.
enum class parse_error
{
    too_long,          // longer than max_authorization_chars
    unknown_scheme,    // not Basic or Bearer (or nothing after the scheme)
    bad_base64,        // not strict, padded, canonical base64
    no_colon,          // Basic without the ':' between user and password
    empty_user,        // nothing before ':' / '.'
    user_too_long,     // over max_user_chars
    bad_user,          // a control, non-ASCII, or (Bearer) non-token character
    empty_password,    // nothing after ':' / '.'
    password_too_long, // over max_password_chars
    bad_password,      // a control character (or, Bearer/SOURCE, a non-token one)
};
std::string_view to_string(parse_error e);

// An Authorization header value. The scheme is case-insensitive and followed by one or
// more spaces; spaces and tabs around the whole value are ignored. Basic splits the
// decoded text at its FIRST colon (RFC 7617: user ids have none); Bearer at its first '.'.
tl::expected<credential, parse_error> parse_authorization(std::string_view header_value);

// The password field of a v1 SOURCE line. "<id>.<secret>" gives user and password (so a
// publish token works with v1 servers such as str2str); anything else is all password
// with an empty user. No spaces or control characters, at most max_password_chars.
tl::expected<credential, parse_error> parse_source_password(std::string_view text);

// "Basic " + base64(user ":" password), for pushing to a remote caster and for tests.
std::string basic_authorization(std::string_view user, std::string_view password);

} // namespace auth
