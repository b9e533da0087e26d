// SPDX-License-Identifier: GPL-3.0-or-later
// Parses what a client presents (an HTTP Authorization header value, or the password of
// an NTRIP v1 SOURCE line) into a user and a secret. Pure: no I/O, never throws.
#include "auth/credentials.hpp"

#include "auth/base64.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstdint>

namespace auth {
namespace {

bool is_control(char c)
{
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
}

bool is_printable_ascii(char c)
{
    const auto b = static_cast<unsigned char>(c);
    return b >= 0x20 && b < 0x7f;
}

// RFC 6750 b64token characters (plus '=' which may only pad the end; we allow it
// anywhere in the secret part, where it is harmless).
bool is_token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

std::string_view trim_ows(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Checks shared by all kinds; user_ok and password_ok test one character each.
template <typename UserOk, typename PasswordOk>
tl::expected<credential, parse_error> make(credential_kind kind, std::string_view user,
                                           std::string_view password, bool need_user,
                                           UserOk&& user_ok, PasswordOk&& password_ok)
{
    if (need_user && user.empty())
        return tl::unexpected(parse_error::empty_user);
    if (user.size() > max_user_chars)
        return tl::unexpected(parse_error::user_too_long);
    for (const char c : user)
        if (!user_ok(c))
            return tl::unexpected(parse_error::bad_user);
    if (password.empty())
        return tl::unexpected(parse_error::empty_password);
    if (password.size() > max_password_chars)
        return tl::unexpected(parse_error::password_too_long);
    for (const char c : password)
        if (!password_ok(c))
            return tl::unexpected(parse_error::bad_password);
    return credential{kind, std::string(user), secret(password)};
}

tl::expected<credential, parse_error> parse_basic(std::string_view b64)
{
    auto decoded = base64_decode(b64, b64_padding::required);
    tl::expected<credential, parse_error> result = tl::unexpected(parse_error::bad_base64);
    if (decoded) {
        const auto text =
            std::string_view(reinterpret_cast<const char*>(decoded->data()), decoded->size());
        const auto colon = text.find(':');
        if (colon == std::string_view::npos)
            result = tl::unexpected(parse_error::no_colon);
        else
            result = make(credential_kind::basic, text.substr(0, colon), text.substr(colon + 1),
                          true, is_printable_ascii, [](char c) { return !is_control(c); });
    }
    // The decoded text held the password.
    if (decoded)
        OPENSSL_cleanse(decoded->data(), decoded->size());
    return result;
}

tl::expected<credential, parse_error> split_dotted(credential_kind kind, std::string_view text)
{
    const auto dot = text.find('.');
    if (dot == std::string_view::npos)
        return make(kind, {}, text, false, is_token_char, is_token_char);
    return make(kind, text.substr(0, dot), text.substr(dot + 1), true, is_token_char,
                is_token_char);
}

} // namespace

std::string_view to_string(parse_error e)
{
    switch (e) {
    case parse_error::too_long:
        return "authorization value too long";
    case parse_error::unknown_scheme:
        return "authorization scheme is not Basic or Bearer";
    case parse_error::bad_base64:
        return "Basic credentials are not valid base64";
    case parse_error::no_colon:
        return "Basic credentials have no ':' between user and password";
    case parse_error::empty_user:
        return "empty user name";
    case parse_error::user_too_long:
        return "user name too long";
    case parse_error::bad_user:
        return "user name has a forbidden character";
    case parse_error::empty_password:
        return "empty password";
    case parse_error::password_too_long:
        return "password too long";
    case parse_error::bad_password:
        return "password has a forbidden character";
    }
    return "unknown credential error";
}

tl::expected<credential, parse_error> parse_authorization(std::string_view header_value)
{
    if (header_value.size() > max_authorization_chars)
        return tl::unexpected(parse_error::too_long);
    const auto value = trim_ows(header_value);
    const auto sp = value.find(' ');
    if (sp == std::string_view::npos)
        return tl::unexpected(parse_error::unknown_scheme);
    const auto scheme = value.substr(0, sp);
    auto rest = value.substr(sp);
    while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
    if (rest.empty())
        return tl::unexpected(parse_error::unknown_scheme);
    if (iequals(scheme, "basic"))
        return parse_basic(rest);
    if (iequals(scheme, "bearer")) {
        // "Bearer <id>.<secret>": a token without the id part names no token.
        if (rest.find('.') == std::string_view::npos)
            return tl::unexpected(parse_error::empty_user);
        return split_dotted(credential_kind::bearer, rest);
    }
    return tl::unexpected(parse_error::unknown_scheme);
}

tl::expected<credential, parse_error> parse_source_password(std::string_view text)
{
    if (text.size() > max_password_chars + 1 + max_user_chars)
        return tl::unexpected(parse_error::password_too_long);
    if (text.find('.') != std::string_view::npos)
        return split_dotted(credential_kind::source, text);
    // A legacy password: any printable ASCII except the space that ends it on the line.
    return make(credential_kind::source, {}, text, false, is_printable_ascii,
                [](char c) { return is_printable_ascii(c) && c != ' '; });
}

std::string basic_authorization(std::string_view user, std::string_view password)
{
    std::string plain;
    plain.reserve(user.size() + 1 + password.size());
    plain.append(user).append(1, ':').append(password);
    auto out =
        "Basic " +
        base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()),
                      b64_padding::required);
    OPENSSL_cleanse(plain.data(), plain.size());
    return out;
}

} // namespace auth
