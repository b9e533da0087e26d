// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: auth::parse_authorization and parse_source_password on arbitrary
// values. A header value arrives whole (Beast frames it), so no split points. Accepted
// credentials must respect every limit and re-encode to the same credential.
#include "auth/credentials.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool has_control(std::string_view s)
{
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7f)
            return true;
    }
    return false;
}

bool has_non_ascii(std::string_view s)
{
    for (const char c : s)
        if (static_cast<unsigned char>(c) >= 0x80)
            return true;
    return false;
}

void check_limits(const auth::credential& c, bool need_user)
{
    const auto pw = c.password.reveal();
    if (c.user.size() > auth::max_user_chars || pw.empty() || pw.size() > auth::max_password_chars)
        __builtin_trap();
    if ((need_user && c.user.empty()) || has_control(c.user) || has_non_ascii(c.user) ||
        has_control(pw))
        __builtin_trap();
}

void check_same(const auth::credential& a, const auth::credential& b)
{
    if (a.kind != b.kind || a.user != b.user || a.password.reveal() != b.password.reveal())
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view value{reinterpret_cast<const char*>(data), size};

    const auto got = auth::parse_authorization(value);
    if (!got) {
        if (auth::to_string(got.error()).empty())
            __builtin_trap();
        if ((size > auth::max_authorization_chars) != (got.error() == auth::parse_error::too_long))
            __builtin_trap();
    } else {
        check_limits(*got, true);
        if (got->kind == auth::credential_kind::basic) {
            if (got->user.find(':') != std::string::npos)
                __builtin_trap();
            // Strict base64 has one spelling: re-encoding gives the input's token back.
            const auto encoded = auth::basic_authorization(got->user, got->password.reveal());
            const auto token = std::string_view(encoded).substr(6);
            if (value.find(token) == std::string_view::npos)
                __builtin_trap();
            const auto again = auth::parse_authorization(encoded);
            if (!again)
                __builtin_trap();
            check_same(*got, *again);
        } else if (got->kind == auth::credential_kind::bearer) {
            if (got->user.find('.') != std::string::npos)
                __builtin_trap();
            const auto again = auth::parse_authorization("Bearer " + got->user + "." +
                                                         std::string(got->password.reveal()));
            if (!again)
                __builtin_trap();
            check_same(*got, *again);
        } else {
            __builtin_trap();
        }
    }

    const auto source = auth::parse_source_password(value);
    if (source) {
        check_limits(*source, false);
        if (source->kind != auth::credential_kind::source ||
            source->password.reveal().find(' ') != std::string_view::npos)
            __builtin_trap();
        // The password field rebuilt from the parts is the input.
        const std::string rebuilt =
            source->user.empty() ? std::string(source->password.reveal())
                                 : source->user + "." + std::string(source->password.reveal());
        if (rebuilt != value)
            __builtin_trap();
    }
    return 0;
}
