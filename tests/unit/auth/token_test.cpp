// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for token ids, secrets, the pepper file, secret MACs and token field checks.
#include "auth/token.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

// A fresh directory under TMPDIR, removed with its files at the end of the test.
struct temp_dir
{
    std::string path;
    temp_dir()
    {
        std::string tmpl = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
        tmpl += "/cairn-token-XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir()
    {
        for (const char* f : {"pepper", "link", "sub"})
            ::unlink((path + "/" + f).c_str());
        ::rmdir((path + "/sub").c_str());
        ::rmdir(path.c_str());
    }
};

mode_t file_mode(const std::string& path)
{
    struct stat st
    {
    };
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::vector<std::uint8_t> key_0_to_31()
{
    std::vector<std::uint8_t> k(auth::pepper_bytes);
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<std::uint8_t>(i);
    return k;
}

auth::token valid_token()
{
    auth::token t;
    t.id = "c7m2k9q4xz";
    t.label = "rover 1";
    t.scopes = {{"DEMO", auth::access::read}};
    t.created_by = "root";
    t.secret_mac.assign(auth::mac_bytes, 0x42);
    return t;
}

} // namespace

TEST_CASE("token ids are 'c' and 9 base32 characters, and differ")
{
    static_assert(auth::token_id_chars == 10);
    static_assert(auth::id_alphabet.size() == 32);
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        const auto id = auth::new_token_id();
        REQUIRE(id.has_value());
        CAPTURE(*id);
        CHECK(auth::is_token_id(*id));
        CHECK(id->size() == auth::token_id_chars);
        CHECK((*id)[0] == 'c');
        seen.insert(*id);
    }
    CHECK(seen.size() == 2000);
    for (const char c : std::string_view("ilou")) // the ambiguous letters never appear
        CHECK(auth::id_alphabet.find(c) == std::string_view::npos);
}

TEST_CASE("secrets carry >= 128 bits in <= 32 printable characters, evenly spread")
{
    static_assert(auth::secret_bits >= 128);
    static_assert(auth::secret_chars <= 32);
    constexpr int draws = 2000;
    std::set<std::string> seen;
    std::vector<std::map<char, int>> per_position(auth::secret_chars);
    std::map<char, int> overall;
    for (int i = 0; i < draws; ++i) {
        const auto s = auth::new_secret();
        REQUIRE(s.has_value());
        const auto text = s->reveal();
        REQUIRE(text.size() == auth::secret_chars);
        for (std::size_t k = 0; k < text.size(); ++k) {
            REQUIRE(auth::id_alphabet.find(text[k]) != std::string_view::npos);
            ++per_position[k][text[k]];
            ++overall[text[k]];
        }
        seen.insert(std::string(text));
    }
    CHECK(seen.size() == draws);
    // Every symbol at every position: expected 62.5 each, so [20, 120] fails only if
    // the generator is broken (a binomial tail far below 1e-9).
    for (const auto& pos : per_position) {
        CHECK(pos.size() == 32);
        for (const auto& [c, n] : pos) {
            CAPTURE(c);
            CHECK(n >= 20);
            CHECK(n <= 120);
        }
    }
    double entropy = 0;
    const double total = draws * static_cast<double>(auth::secret_chars);
    for (const auto& [c, n] : overall)
        entropy -= n / total * std::log2(n / total);
    CHECK(entropy > 4.99); // of at most 5 bits per character
}

TEST_CASE("a secret moves without copying and is empty afterwards")
{
    auth::secret a("abc");
    CHECK(a.reveal() == "abc");
    auth::secret b(std::move(a));
    CHECK(b.reveal() == "abc");
    CHECK(a.empty()); // NOLINT(bugprone-use-after-move): the point of the test
    auth::secret c;
    c = std::move(b);
    CHECK(c.size() == 3);
    CHECK(b.empty()); // NOLINT(bugprone-use-after-move)
    static_assert(!std::is_copy_constructible_v<auth::secret>);
    static_assert(!std::is_copy_assignable_v<auth::secret>);
}

TEST_CASE("the pepper file is created 0600 whatever the umask, and read back")
{
    temp_dir dir;
    const mode_t old = ::umask(0);
    auto p = auth::pepper::load_or_create(dir.path);
    ::umask(old);
    REQUIRE_MESSAGE(p.has_value(), p.error());
    const auto path = dir.path + "/pepper";
    CHECK(file_mode(path) == 0600);
    struct stat st
    {
    };
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(st.st_size == static_cast<off_t>(auth::pepper_bytes));
    auto again = auth::pepper::load_or_create(dir.path);
    REQUIRE(again.has_value());
    CHECK(std::equal(p->bytes().begin(), p->bytes().end(), again->bytes().begin()));
    CHECK(std::any_of(p->bytes().begin(), p->bytes().end(), [](auto b) { return b != 0; }));
}

TEST_CASE("a pepper with group or other bits, the wrong size, or a symlink is refused")
{
    temp_dir dir;
    const auto path = dir.path + "/pepper";
    REQUIRE(auth::pepper::load_or_create(dir.path).has_value());

    for (const mode_t mode : {0644, 0640, 0604, 0660, 0601}) {
        CAPTURE(mode);
        REQUIRE(::chmod(path.c_str(), mode) == 0);
        const auto p = auth::pepper::load_or_create(dir.path);
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().find("chmod 600") != std::string::npos);
    }
    REQUIRE(::chmod(path.c_str(), 0400) == 0); // owner-only read is fine
    CHECK(auth::pepper::load(path).has_value());
    REQUIRE(::chmod(path.c_str(), 0600) == 0);

    {
        std::ofstream f(path, std::ios::app | std::ios::binary);
        f << 'x';
    }
    auto long_one = auth::pepper::load(path);
    REQUIRE_FALSE(long_one.has_value());
    CHECK(long_one.error().find("33 bytes, expected 32") != std::string::npos);
    REQUIRE(::truncate(path.c_str(), 0) == 0);
    CHECK_FALSE(auth::pepper::load(path).has_value());

    const auto link = dir.path + "/link";
    REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
    CHECK_FALSE(auth::pepper::load(link).has_value());
    ::unlink(path.c_str());
    REQUIRE(::symlink(link.c_str(), path.c_str()) == 0); // dangling pepper -> link
    CHECK_FALSE(auth::pepper::load_or_create(dir.path).has_value());
    ::unlink(path.c_str());

    REQUIRE(::mkdir((dir.path + "/sub").c_str(), 0700) == 0);
    CHECK_FALSE(auth::pepper::load(dir.path + "/sub").has_value());
    CHECK_FALSE(auth::pepper::load_or_create(dir.path + "/missing").has_value());
}

TEST_CASE("secret MAC is HMAC-SHA256 under the pepper, compared exactly")
{
    const auto key = key_0_to_31();
    const auto p = auth::pepper::from_bytes(key);
    REQUIRE(p.has_value());
    CHECK_FALSE(auth::pepper::from_bytes(std::span(key).first(31)).has_value());
    // Reference value from `openssl dgst -sha256 -mac HMAC -macopt hexkey:0001...1f`.
    const std::array<std::uint8_t, 32> want{0xe5, 0x81, 0x0d, 0x13, 0x1b, 0x1e, 0x33, 0x4a,
                                            0xc3, 0xbe, 0xbe, 0xbb, 0x4e, 0x1f, 0xb8, 0xa2,
                                            0x52, 0xaa, 0xb5, 0x92, 0xef, 0x9a, 0xad, 0x7e,
                                            0x88, 0xdd, 0x16, 0xb0, 0x8b, 0x9a, 0x97, 0x78};
    const std::string secret_text = "0123456789abcdefghjkmnpqrs";
    const auto mac = auth::secret_mac(*p, secret_text);
    REQUIRE(mac.size() == auth::mac_bytes);
    CHECK(std::equal(mac.begin(), mac.end(), want.begin()));

    CHECK(auth::verify_secret(*p, secret_text, mac));
    CHECK_FALSE(auth::verify_secret(*p, "0123456789abcdefghjkmnpqrt", mac));
    CHECK_FALSE(auth::verify_secret(*p, secret_text.substr(1), mac));
    CHECK_FALSE(auth::verify_secret(*p, "", mac));
    for (std::size_t bit = 0; bit < mac.size() * 8; bit += 37) {
        auto flipped = mac;
        flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        CHECK_FALSE(auth::verify_secret(*p, secret_text, flipped));
    }
    CHECK_FALSE(auth::verify_secret(*p, secret_text, std::span(mac).first(31)));
    CHECK_FALSE(auth::verify_secret(*p, secret_text, {}));
    auto other_key = key;
    other_key[0] ^= 1;
    CHECK_FALSE(auth::verify_secret(*auth::pepper::from_bytes(other_key), secret_text, mac));
}

TEST_CASE("mountpoints, ids and labels are checked")
{
    CHECK(auth::is_mountpoint("DEMO"));
    CHECK(auth::is_mountpoint("a_b-C9"));
    CHECK(auth::is_mountpoint(std::string(100, 'M')));
    CHECK_FALSE(auth::is_mountpoint(std::string(101, 'M')));
    for (const char* bad : {"", "*", "DE MO", "DE/MO", "DE.MO", "DEMO:", "MÜNCHEN"})
        CHECK_FALSE(auth::is_mountpoint(bad));

    CHECK(auth::is_token_id("c0123456zz"));
    for (const char* bad : {"", "c012345678a", "c01234567", "d012345678", "c01234567i",
                            "c01234567O", "C012345678", "c0123 4567"})
        CHECK_FALSE(auth::is_token_id(bad));

    CHECK(auth::check_label(""));
    CHECK(auth::check_label("rover 1 (Bauer Müller, 東京)"));
    CHECK(auth::check_label(std::string(auth::max_label_bytes, 'x')));
    const struct
    {
        std::string text;
        std::string_view why;
    } bad_labels[] = {
        {std::string(auth::max_label_bytes + 1, 'x'), "longer than 100 bytes"},
        {"a\nb", "control character"},
        {"a\tb", "control character"},
        {"a\x7f", "control character"},
        {"a\xc2\x85", "control character"},     // U+0085 NEL (C1)
        {"a\xe2\x80\xae", "control character"}, // U+202E right-to-left override
        {"a\xe2\x80\xa8", "control character"}, // U+2028 line separator
        {"a\xc3", "not valid UTF-8"},
        {"\xc0\xaf", "not valid UTF-8"},         // overlong '/'
        {"\xed\xa0\x80", "not valid UTF-8"},     // surrogate
        {"\xf4\x90\x80\x80", "not valid UTF-8"}, // > U+10FFFF
        {"\xff", "not valid UTF-8"},
    };
    for (const auto& c : bad_labels) {
        CAPTURE(c.text);
        const auto r = auth::check_label(c.text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().find(c.why) != std::string::npos);
        CHECK(r.error().find('\n') == std::string::npos);
    }
    CHECK_FALSE(auth::check_actor(""));
    CHECK(auth::check_actor("admin:alice"));
}

TEST_CASE("parse_scope reads MOUNT:read|publish; '*' only when allowed")
{
    const auto r = auth::parse_scope("DEMO:read");
    REQUIRE(r.has_value());
    CHECK(r->mountpoint == "DEMO");
    CHECK(r->access == auth::access::read);
    const auto p = auth::parse_scope("Base_2-x:publish");
    REQUIRE(p.has_value());
    CHECK(p->access == auth::scope::access::publish);
    CHECK(auth::format_scope(*p) == "Base_2-x:publish");

    const auto glob = auth::parse_scope("*:read");
    REQUIRE_FALSE(glob.has_value());
    CHECK(glob.error().find("explicitly") != std::string::npos);
    const auto allowed = auth::parse_scope("*:read", true);
    REQUIRE(allowed.has_value());
    CHECK(allowed->mountpoint == "*");

    for (const char* bad : {"DEMO", "DEMO:", ":read", "DEMO:Read", "DEMO:write", "demo:read:x",
                            "DE MO:read", "**:read", "D*:read", "DEMO :read"}) {
        CAPTURE(bad);
        CHECK_FALSE(auth::parse_scope(bad, true).has_value());
    }
    // Case-sensitive mountpoints: DEMO and demo are different scopes.
    CHECK(*auth::parse_scope("demo:read") != *auth::parse_scope("DEMO:read"));
}

TEST_CASE("parse_expiry takes a duration from now or never")
{
    const auth::time_point now{std::chrono::seconds{1'700'000'000}};
    const auto d90 = auth::parse_expiry("90d", now);
    REQUIRE(d90.has_value());
    REQUIRE(d90->has_value());
    CHECK(**d90 == now + std::chrono::days{90});
    const auto never = auth::parse_expiry("never", now);
    REQUIRE(never.has_value());
    CHECK_FALSE(never->has_value());
    for (const char* bad : {"", "0d", "soon", "-1d", "401d", "Never"}) {
        CAPTURE(bad);
        const auto r = auth::parse_expiry(bad, now);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().find("token expiry") == 0);
    }
}

TEST_CASE("format_time is UTC RFC 3339")
{
    CHECK(auth::format_time(auth::time_point{}) == "1970-01-01T00:00:00Z");
    CHECK(auth::format_time(auth::time_point{std::chrono::seconds{1'700'000'000} + 999ms}) ==
          "2023-11-14T22:13:20Z");
    CHECK(auth::format_time(auth::time_point{std::chrono::seconds{951'782'400}}) ==
          "2000-02-29T00:00:00Z");
}

TEST_CASE("check_token names the field that is wrong")
{
    CHECK(auth::check_token(valid_token()));
    const struct
    {
        std::string_view why;
        void (*spoil)(auth::token&);
    } cases[] = {
        {"token id", [](auth::token& t) { t.id = "x"; }},
        {"label", [](auth::token& t) { t.label = "a\x1b[2J"; }},
        {"creator", [](auth::token& t) { t.created_by.clear(); }},
        {"1 to 64 scopes", [](auth::token& t) { t.scopes.clear(); }},
        {"1 to 64 scopes",
         [](auth::token& t) {
             t.scopes.assign(65, {"A", auth::access::read});
         }},
        {"scope mountpoint", [](auth::token& t) { t.scopes[0].mountpoint = "a b"; }},
        {"listed twice", [](auth::token& t) { t.scopes.push_back(t.scopes[0]); }},
        {"listed twice",
         [](auth::token& t) {
             t.allow = {*auth::cidr::parse("10.0.0.0/8"), *auth::cidr::parse("10.0.0.0/8")};
         }},
        {"at most 64 address blocks",
         [](auth::token& t) { t.allow.assign(65, *auth::cidr::parse("10.0.0.0/8")); }},
        {"max sessions", [](auth::token& t) { t.max_sessions = 0; }},
        {"max sessions", [](auth::token& t) { t.max_sessions = auth::max_max_sessions + 1; }},
        {"MAC has 31 bytes", [](auth::token& t) { t.secret_mac.resize(31); }},
        {"revoker", [](auth::token& t) { t.revoked = auth::time_point{}; }},
        {"not revoked", [](auth::token& t) { t.revoked_by = "root"; }},
    };
    for (const auto& c : cases) {
        CAPTURE(c.why);
        auto t = valid_token();
        c.spoil(t);
        const auto r = auth::check_token(t);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().find(c.why) != std::string::npos);
    }
    auto glob = valid_token();
    glob.scopes = {{"*", auth::access::publish}};
    glob.max_sessions = auth::max_max_sessions;
    CHECK(auth::check_token(glob));
}

// token_info must not be able to carry a MAC at all.
template <typename T>
concept has_secret_mac = requires(T t)
{
    t.secret_mac;
};
static_assert(has_secret_mac<auth::token>);
static_assert(!has_secret_mac<auth::token_info>);

TEST_CASE("listings and JSON show the token but never its secret or MAC")
{
    const auto p = auth::pepper::from_bytes(key_0_to_31());
    const auto sec = auth::new_secret();
    REQUIRE(sec.has_value());
    auto t = valid_token();
    t.secret_mac = auth::secret_mac(*p, sec->reveal());
    t.scopes.push_back({"*", auth::access::publish});
    t.allow = {*auth::cidr::parse("192.0.2.0/24"), *auth::cidr::parse("2001:db8::/32")};
    t.expires = auth::time_point{std::chrono::seconds{1'700'000'000}};
    const auth::time_point now{std::chrono::seconds{1'600'000'000}};

    const auto info = auth::to_info(t);
    const auto line = auth::format_listing(info, now);
    const auto json = auth::to_json(info).dump();
    std::string mac_hex;
    for (const auto b : t.secret_mac)
        mac_hex += fmt::format("{:02x}", b);
    const std::string mac_raw(t.secret_mac.begin(), t.secret_mac.end());
    for (const auto& text : {line, json}) {
        CAPTURE(text);
        CHECK(text.find(sec->reveal()) == std::string::npos);
        CHECK(text.find(mac_hex) == std::string::npos);
        CHECK(text.find(mac_hex.substr(0, 16)) == std::string::npos);
        CHECK(text.find(mac_raw) == std::string::npos);
        CHECK(text.find("c7m2k9q4xz") != std::string::npos);
        CHECK(text.find("DEMO:read") != std::string::npos);
        CHECK(text.find("*:publish") != std::string::npos);
        CHECK(text.find("192.0.2.0/24") != std::string::npos);
        CHECK(text.find("2001:db8::/32") != std::string::npos);
        CHECK(text.find("2023-11-14T22:13:20Z") != std::string::npos);
    }
    CHECK(line.find("active") != std::string::npos);
    CHECK(auth::format_listing(info, *t.expires).find("expired") != std::string::npos);
    auto revoked = info;
    revoked.revoked = now;
    CHECK(auth::format_listing(revoked, now).find("revoked") != std::string::npos);
    const auto j = auth::to_json(info);
    CHECK(j.at("max_sessions") == 2);
    CHECK(j.at("last_used").is_null());
    CHECK_FALSE(j.contains("secret_mac"));
}
