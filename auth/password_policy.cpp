// SPDX-License-Identifier: GPL-3.0-or-later
// The admin password policy: length in code points, user name, common-password list.
#include "auth/password_policy.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace auth {
namespace {

constexpr std::string_view common_list[] = {
#include "auth/common_passwords.inc"
};

char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal_ascii(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

} // namespace

std::optional<std::size_t> utf8_code_points(std::string_view s)
{
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        auto b0 = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (b0 < 0x80) {
            len = 1;
            cp = b0;
        } else if ((b0 & 0xe0) == 0xc0) {
            len = 2;
            cp = b0 & 0x1f;
        } else if ((b0 & 0xf0) == 0xe0) {
            len = 3;
            cp = b0 & 0x0f;
        } else if ((b0 & 0xf8) == 0xf0) {
            len = 4;
            cp = b0 & 0x07;
        } else {
            return std::nullopt; // a continuation byte or 0xf8..0xff where a start belongs
        }
        if (i + len > s.size())
            return std::nullopt;
        for (std::size_t k = 1; k < len; ++k) {
            auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xc0) != 0x80)
                return std::nullopt;
            cp = (cp << 6) | (b & 0x3f);
        }
        constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return std::nullopt;
        i += len;
        ++count;
    }
    return count;
}

std::span<const std::string_view> common_passwords()
{
    return common_list;
}

bool is_common_password(std::string_view password)
{
    // Compares lowercased bytes on the fly, so no copy of the password is made.
    auto less = [](std::string_view a, std::string_view b) {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                            [](char x, char y) {
                                                return static_cast<unsigned char>(ascii_lower(x)) <
                                                       static_cast<unsigned char>(ascii_lower(y));
                                            });
    };
    return std::binary_search(std::begin(common_list), std::end(common_list), password, less);
}

tl::expected<void, std::string> check_password(std::string_view user, std::string_view password)
{
    if (password.size() > max_password_bytes)
        return tl::unexpected("the password is longer than " + std::to_string(max_password_bytes) +
                              " bytes; choose a shorter one");
    auto code_points = utf8_code_points(password);
    if (!code_points)
        return tl::unexpected(
            std::string("the password is not valid UTF-8 text; type it again or choose another"));
    if (!user.empty() && iequal_ascii(user, password))
        return tl::unexpected(std::string("the password must not be the user name"));
    if (is_common_password(password))
        return tl::unexpected(std::string(
            "this password is on the list of common or leaked passwords that attackers try "
            "first; choose another, for example several unrelated words"));
    if (*code_points < min_password_code_points)
        return tl::unexpected("the password has " + std::to_string(*code_points) +
                              " characters; use at least " +
                              std::to_string(min_password_code_points) +
                              " (several unrelated words are easy to remember)");
    return {};
}

} // namespace auth
