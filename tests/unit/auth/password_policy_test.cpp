// SPDX-License-Identifier: GPL-3.0-or-later
// Admin password policy: length in code points, user name, the common list, check order.
#include "auth/password_policy.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>

namespace {

enum class why
{
    ok,
    too_long,
    not_utf8,
    user_name,
    common,
    too_short,
};

why classify(const tl::expected<void, std::string>& r)
{
    if (r)
        return why::ok;
    const std::string& e = r.error();
    if (e.find("longer than") != std::string::npos)
        return why::too_long;
    if (e.find("UTF-8") != std::string::npos)
        return why::not_utf8;
    if (e.find("user name") != std::string::npos)
        return why::user_name;
    if (e.find("common") != std::string::npos)
        return why::common;
    if (e.find("at least 12") != std::string::npos)
        return why::too_short;
    return why::ok; // an unknown message fails every table row that expects a refusal
}

// Encodes one code point as UTF-8 (valid input only).
std::string utf8(char32_t cp)
{
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xc0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xe0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        s += static_cast<char>(0xf0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
}

} // namespace

TEST_CASE("check_password: table of refusals and acceptances")
{
    struct row
    {
        std::string user;
        std::string password;
        why expected;
    };
    const std::string phrase_1024 = [] {
        std::string s;
        while (s.size() < 1024)
            s += "granite ridge antenna ";
        return s.substr(0, 1024);
    }();
    const row rows[] = {
        {"alice", "", why::too_short},
        {"alice", "plum", why::too_short},
        {"alice", "plum-tree-4", why::too_short}, // 11
        {"alice", "plum-tree-42", why::ok},       // 12
        {"alice", "plum tree 42 under the hill", why::ok},
        {"alice", "pässwörtchen", why::ok},                  // 12 code points, 14 bytes
        {"alice", "pässwörtche", why::too_short},            // 11 code points, 13 bytes
        {"alice", "日本語のパスワードです", why::too_short}, // 11 code points, 33 bytes
        {"alice", "日本語のパスワードですね", why::ok},      // 12
        {"alice", "🐟🐟🐟🐟🐟🐟🐟🐟🐟🐟🐟", why::too_short},            // 11 x 4 bytes
        {"alice", "🐟🐟🐟🐟🐟🐟🐟🐟🐟🐟🐟🐟", why::ok},
        // the user name, in any case; checked before the length so the message is clearer
        {"stationadmin1", "stationadmin1", why::user_name},
        {"stationadmin1", "StationAdmin1", why::user_name},
        {"bob", "BOB", why::user_name},
        {"stationadmin1", "stationadmin12", why::ok}, // containing the name is allowed
        // the common list, case-insensitively, before "too short"
        {"alice", "admin", why::common}, // RTKBase's default
        {"alice", "ADMIN", why::common},
        {"alice", "Admin", why::common},
        {"alice", "password", why::common},
        {"alice", "123456", why::common},
        {"alice", "rtkbase", why::common},
        {"alice", "RTKBase", why::common},
        {"alice", "raspberry", why::common},
        {"alice", "password123456", why::common},
        {"alice", "PassWord123456", why::common},
        {"alice", "123456789012", why::common},
        {"alice", "qwertyuiopas", why::common},
        {"alice", "qwerty123456", why::common},
        {"alice", "1q2w3e4r5t6y", why::common},
        {"alice", "iloveyou1234", why::common},
        {"alice", "CorrectHorseBatteryStaple", why::common},
        {"admin", "admin", why::user_name}, // both: the name wins, it is the first check
        // length cap in bytes
        {"alice", phrase_1024, why::ok},
        {"alice", phrase_1024 + "x", why::too_long},
        {"alice", std::string(1025, 'a'), why::too_long},
        // invalid UTF-8
        {"alice", "abcdefghijk\xff", why::not_utf8},
        {"alice", "abcdefghijk\xc0\xaf", why::not_utf8},         // overlong '/'
        {"alice", "abcdefghijk\xed\xa0\x80", why::not_utf8},     // surrogate
        {"alice", "abcdefghijk\xf4\x90\x80\x80", why::not_utf8}, // above U+10FFFF
        {"alice", "abcdefghijk\xe2\x82", why::not_utf8},         // truncated
        {"alice", "abcdefghijk\x80", why::not_utf8},             // lone continuation
    };
    for (const auto& r : rows) {
        CAPTURE(r.user);
        CAPTURE(r.password);
        auto result = auth::check_password(r.user, r.password);
        CHECK(classify(result) == r.expected);
        if (!result && r.password.size() >= 10)
            CHECK(result.error().find(r.password) == std::string::npos); // never echoed
    }
}

TEST_CASE("check_password: messages tell the person what to do")
{
    auto short_pw = auth::check_password("alice", "plum");
    REQUIRE_FALSE(short_pw);
    CHECK(short_pw.error() ==
          "the password has 4 characters; use at least 12 (several unrelated words are easy "
          "to remember)");
    auto common = auth::check_password("alice", "admin");
    REQUIRE_FALSE(common);
    CHECK(common.error().find("choose another") != std::string::npos);
}

TEST_CASE("utf8_code_points")
{
    CHECK(auth::utf8_code_points("") == 0u);
    CHECK(auth::utf8_code_points("abc") == 3u);
    CHECK(auth::utf8_code_points("ä€🐟") == 3u);
    CHECK(auth::utf8_code_points("\xef\xbf\xbf") == 1u);     // U+FFFF
    CHECK(auth::utf8_code_points("\xf4\x8f\xbf\xbf") == 1u); // U+10FFFF
    CHECK_FALSE(auth::utf8_code_points("\xe0\x80\x80"));     // overlong NUL
    CHECK_FALSE(auth::utf8_code_points("\xf0\x80\x80\x80")); // overlong
    CHECK_FALSE(auth::utf8_code_points("\xf8\x88\x80\x80\x80"));
    CHECK_FALSE(auth::utf8_code_points("a\xc3"));
}

TEST_CASE("utf8_code_points: fixed-seed random code points and random bytes")
{
    std::mt19937 rng(8006353);
    for (int i = 0; i < 500; ++i) {
        std::string s;
        std::size_t n = rng() % 40;
        for (std::size_t k = 0; k < n; ++k) {
            char32_t cp = 0;
            do {
                cp = static_cast<char32_t>(rng() % 0x110000);
            } while (cp >= 0xd800 && cp <= 0xdfff);
            s += utf8(cp);
        }
        CHECK(auth::utf8_code_points(s) == n);
    }
    for (int i = 0; i < 500; ++i) {
        std::string s(rng() % 40, '\0');
        for (auto& c : s)
            c = static_cast<char>(rng());
        auto n = auth::utf8_code_points(s);
        if (n)
            CHECK(*n <= s.size());
        CHECK_NOTHROW((void)auth::check_password("alice", s));
    }
}

TEST_CASE("common password list: lowercase, sorted, unique, and big enough")
{
    auto list = auth::common_passwords();
    CHECK(list.size() >= 500);
    CHECK(std::is_sorted(list.begin(), list.end()));
    CHECK(std::adjacent_find(list.begin(), list.end()) == list.end());
    std::size_t long_ones = 0;
    for (auto w : list) {
        CAPTURE(w);
        CHECK_FALSE(w.empty());
        CHECK(std::none_of(w.begin(), w.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80;
        }));
        CHECK(auth::is_common_password(w));
        long_ones += w.size() >= auth::min_password_code_points;
    }
    CHECK(long_ones >= 200); // the ones the length rule alone would let through
    CHECK(auth::is_common_password("AdMiN"));
    CHECK_FALSE(auth::is_common_password("admin "));
    CHECK_FALSE(auth::is_common_password("granite ridge antenna"));
    CHECK_FALSE(auth::is_common_password(""));
}
