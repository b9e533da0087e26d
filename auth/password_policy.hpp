// SPDX-License-Identifier: GPL-3.0-or-later
// The admin password policy (NIST SP 800-63B style): long enough, not the user name, not a
// well-known password; no composition rules, which push people to "Password1!".
//
//     if (auto ok = auth::check_password(name, pw); !ok)
//         tell_the_person(ok.error());   // e.g. "use at least 12 characters ..."
#pragma once

#include <tl/expected.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace auth {

// Counted in Unicode code points, so "pässwörtchen" is 12 and so is a 12-character
// phrase in Greek or Japanese, though they take more bytes.
inline constexpr std::size_t min_password_code_points = 12;
// Bounds the KDF input and the form field; a passphrase of 1024 bytes is plenty.
inline constexpr std::size_t max_password_bytes = 1024;

// Checks in this order, so each refusal is the most useful one: too long, not UTF-8,
// the user name (case-insensitive), in the common list (case-insensitive; this catches
// RTKBase's "admin" before "too short" would), too short. The error is a sentence a person
// can act on and never repeats the password.
tl::expected<void, std::string> check_password(std::string_view user, std::string_view password);

// Code points in s, or nullopt when s is not valid UTF-8 (overlong forms, surrogates,
// values above U+10FFFF and truncated sequences are invalid).
std::optional<std::size_t> utf8_code_points(std::string_view s);

// true when password, lowercased (ASCII), is in the shipped list.
bool is_common_password(std::string_view password);

// The shipped list: lowercase ASCII, sorted, no duplicates (tests check this).
std::span<const std::string_view> common_passwords();

} // namespace auth
