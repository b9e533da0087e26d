// SPDX-License-Identifier: GPL-3.0-or-later
// scrypt hashing: format, known answers, strict parsing, rehash rules, concurrency limit.
#include "auth/password.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr auth::scrypt_params fast{10, 8, 1}; // ~3 ms: keeps the suite quick

// Encoded strings made by Python's hashlib.scrypt (an independent implementation).
constexpr std::string_view python_ln10 =
    "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU";
constexpr std::string_view python_ln11 =
    "$scrypt$ln=11,r=4,p=2$AAECAwQFBgcICQoLDA0ODw$bvE138C/6mQz4xDLZt3Cz82vMfXFx6Zg1Dj/yHi2ioI";

const std::string salt22 = "AAECAwQFBgcICQoLDA0ODw";
const std::string hash43 = "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU";

// Installs a KDF hook for one test and always removes it.
struct hook_guard
{
    explicit hook_guard(auth::detail::kdf_hook h) { auth::detail::set_kdf_test_hook(h); }
    ~hook_guard() { auth::detail::set_kdf_test_hook(nullptr); }
};

std::atomic<int> in_kdf{0};
std::atomic<int> peak_in_kdf{0};
std::atomic<int> kdf_calls{0};

void slow_counting_hook()
{
    int now = ++in_kdf;
    int seen = peak_in_kdf.load();
    while (now > seen && !peak_in_kdf.compare_exchange_weak(seen, now)) {
    }
    ++kdf_calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    --in_kdf;
}

} // namespace

TEST_CASE("hash_password: format is $scrypt$ln,r,p$salt$hash in unpadded base64")
{
    auto h = auth::hash_password("a long enough passphrase", fast);
    REQUIRE(h);
    static const std::regex format(
        R"(^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$)");
    CHECK(std::regex_match(*h, format));
    CHECK(h->substr(h->find('$', 8)).find('=') == std::string::npos); // no padding

    auto h2 = auth::hash_password("a long enough passphrase", {11, 4, 2});
    REQUIRE(h2);
    CHECK(h2->starts_with("$scrypt$ln=11,r=4,p=2$"));

    // A fresh salt each time: same password, different strings.
    auto again = auth::hash_password("a long enough passphrase", fast);
    REQUIRE(again);
    CHECK(*again != *h);
}

TEST_CASE("verify_password: right and wrong passwords")
{
    auto h = auth::hash_password("correct horse battery staple", fast);
    REQUIRE(h);
    auto good = auth::verify_password("correct horse battery staple", *h);
    REQUIRE(good);
    CHECK(*good);
    for (std::string_view wrong : {"correct horse battery stapl", "Correct horse battery staple",
                                   "correct horse battery staple ", ""}) {
        auto r = auth::verify_password(wrong, *h);
        REQUIRE(r);
        CHECK_FALSE(*r);
    }
    // Empty password round-trips too (policy refuses it elsewhere, the KDF must not care).
    auto empty = auth::hash_password("", fast);
    REQUIRE(empty);
    CHECK(auth::verify_password("", *empty).value());
}

TEST_CASE("verify_password: strings from another implementation (Python hashlib)")
{
    CHECK(auth::verify_password("correct horse battery staple", python_ln10).value());
    CHECK_FALSE(auth::verify_password("correct horse battery stapler", python_ln10).value());
    CHECK(auth::verify_password("pässwörtchen-日本", python_ln11).value());
}

TEST_CASE("scrypt_kdf: RFC 7914 section 12 known answer")
{
    // scrypt(P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64)
    constexpr std::array<std::uint8_t, 64> expected{
        0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00, 0x78, 0x56, 0xe7, 0x19, 0x0d,
        0x01, 0xe9, 0xfe, 0x7c, 0x6a, 0xd7, 0xcb, 0xc8, 0x23, 0x78, 0x30, 0xe7, 0x73,
        0x76, 0x63, 0x4b, 0x37, 0x31, 0x62, 0x2e, 0xaf, 0x30, 0xd9, 0x2e, 0x22, 0xa3,
        0x88, 0x6f, 0xf1, 0x09, 0x27, 0x9d, 0x98, 0x30, 0xda, 0xc7, 0x27, 0xaf, 0xb9,
        0x4a, 0x83, 0xee, 0x6d, 0x83, 0x60, 0xcb, 0xdf, 0xa2, 0xcc, 0x06, 0x40};
    const std::array<std::uint8_t, 4> salt{'N', 'a', 'C', 'l'};
    std::array<std::uint8_t, 64> out{};
    REQUIRE(auth::detail::scrypt_kdf("password", salt, {10, 8, 16}, out));
    CHECK(out == expected);
}

TEST_CASE("default admin parameters work (explicit maxmem above OpenSSL's 32 MiB default)")
{
    CHECK(auth::admin_scrypt_params == auth::scrypt_params{16, 8, 1});
    CHECK(auth::admin_scrypt_params == auth::scrypt_params{});
    auto h = auth::hash_password("a passphrase for the admin", auth::admin_scrypt_params);
    REQUIRE_MESSAGE(h, h.error());
    CHECK(h->starts_with("$scrypt$ln=16,r=8,p=1$"));
    CHECK(auth::verify_password("a passphrase for the admin", *h).value());
    CHECK_FALSE(auth::needs_rehash(*h, auth::admin_scrypt_params));
}

TEST_CASE("check_scrypt_params and maxmem: every bound")
{
    struct row
    {
        auth::scrypt_params p;
        bool ok;
    };
    const row rows[] = {
        {{10, 8, 1}, true},  {{9, 8, 1}, false},   {{16, 8, 1}, true},   {{18, 8, 1}, true},
        {{19, 8, 1}, false}, // 512 MiB: memory bound
        {{20, 2, 1}, true},  {{20, 4, 1}, false},  {{21, 1, 1}, false},  {{10, 0, 1}, false},
        {{10, 1, 1}, true},  {{10, 32, 1}, true},  {{10, 33, 1}, false}, {{10, 8, 0}, false},
        {{10, 8, 16}, true}, {{10, 8, 17}, false}, {{18, 8, 2}, true}, // work 2^22 exactly
        {{18, 8, 3}, false},                                           // work bound
        {{17, 8, 4}, true},  {{17, 8, 5}, false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.p.ln);
        CAPTURE(r.p.r);
        CAPTURE(r.p.p);
        CHECK(static_cast<bool>(auth::check_scrypt_params(r.p)) == r.ok);
        if (!r.ok) {
            auto h = auth::hash_password("x", r.p);
            CHECK_FALSE(h);
        }
    }
    // OpenSSL's estimate 128*r*(N+2) + 128*r*p, plus the margin.
    CHECK(auth::scrypt_maxmem_bytes({16, 8, 1}) ==
          128ull * 8 * (65536 + 2) + 128ull * 8 + auth::scrypt_maxmem_margin_bytes);
    CHECK(auth::scrypt_maxmem_bytes({16, 8, 1}) > (std::uint64_t{32} << 20));
}

TEST_CASE("malformed encoded strings are errors, not false")
{
    const std::string good = "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43;
    REQUIRE(auth::verify_password("correct horse battery staple", good).value());

    const std::string bad[] = {
        "",
        "$scrypt$",
        "scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43,           // no leading $
        "$scrypT$ln=10,r=8,p=1$" + salt22 + "$" + hash43,          // wrong scheme
        "$argon2id$v=19$m=65536,t=3,p=4$" + salt22 + "$" + hash43, // other scheme
        "$scrypt$ln=10,r=8,p=1$" + salt22,                         // no hash
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43 + "$",    // extra field
        "$scrypt$ln=10,r=8,p=1$$" + salt22 + "$" + hash43,
        // parameters
        "$scrypt$ln=10,r=8$" + salt22 + "$" + hash43,
        "$scrypt$r=8,ln=10,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=10,r=8,p=1,x=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=,r=8,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=010,r=8,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=+10,r=8,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=1a,r=8,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=9,r=8,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=21,r=1,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=4294967306,r=8,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=20,r=8,p=1$" + salt22 + "$" + hash43, // 1 GiB
        "$scrypt$ln=10,r=0,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=10,r=33,p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=10,r=8,p=0$" + salt22 + "$" + hash43,
        "$scrypt$ln=10,r=8,p=17$" + salt22 + "$" + hash43,
        "$scrypt$ln=18,r=8,p=4$" + salt22 + "$" + hash43, // work
        "$scrypt$ln=10;r=8;p=1$" + salt22 + "$" + hash43,
        "$scrypt$ln=10,r=8,p=1 $" + salt22 + "$" + hash43,
        // salt
        "$scrypt$ln=10,r=8,p=1$$" + hash43,
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "==$" + hash43,             // padded
        "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0O$" + hash43,         // 15 bytes
        "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0OD-$" + hash43,       // url-safe alphabet
        "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODx$" + hash43,       // trailing bits set
        "$scrypt$ln=10,r=8,p=1$" + std::string(87, 'A') + "$" + hash43, // 65 bytes
        "$scrypt$ln=10,r=8,p=1$" + salt22.substr(0, 21) + "$" + hash43, // length % 4 == 1
        // hash
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43.substr(0, 42),
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43.substr(0, 40),       // 30 bytes
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43 + "AA",              // 33 bytes
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43.substr(0, 42) + "V", // trailing bits
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43 + "=",
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43.substr(0, 42) + "\n",
        // total length cap
        "$scrypt$ln=10,r=8,p=1$" + salt22 + "$" + hash43 + std::string(200, 'A'),
    };
    for (const auto& s : bad) {
        CAPTURE(s);
        auto v = auth::verify_password("correct horse battery staple", s);
        CHECK_FALSE(v);
        if (!v)
            CHECK(v.error().starts_with("malformed scrypt hash: "));
        CHECK_FALSE(auth::parse_hash_params(s));
        CHECK(auth::needs_rehash(s, fast));
    }
}

TEST_CASE("needs_rehash: true when any parameter is below the current ones")
{
    struct row
    {
        auth::scrypt_params stored;
        auth::scrypt_params current;
        bool rehash;
    };
    const row rows[] = {
        {{16, 8, 1}, {16, 8, 1}, false}, {{15, 8, 1}, {16, 8, 1}, true},
        {{16, 4, 1}, {16, 8, 1}, true},  {{16, 8, 1}, {16, 8, 2}, true},
        {{17, 8, 1}, {16, 8, 1}, false}, {{16, 16, 2}, {16, 8, 1}, false},
        {{17, 4, 1}, {16, 8, 1}, true}, // higher ln does not excuse lower r
        {{10, 8, 1}, {11, 8, 1}, true},
    };
    for (const auto& r : rows) {
        std::string s = "$scrypt$ln=" + std::to_string(r.stored.ln) +
                        ",r=" + std::to_string(r.stored.r) + ",p=" + std::to_string(r.stored.p) +
                        "$" + salt22 + "$" + hash43;
        CAPTURE(s);
        REQUIRE(auth::parse_hash_params(s));
        CHECK(*auth::parse_hash_params(s) == r.stored);
        CHECK(auth::needs_rehash(s, r.current) == r.rehash);
    }
}

TEST_CASE("password length bound: hash refuses, verify says no without hashing")
{
    std::string longest(auth::max_hashed_password_bytes, 'x');
    std::string too_long(auth::max_hashed_password_bytes + 1, 'x');
    auto h = auth::hash_password(longest, fast);
    REQUIRE(h);
    CHECK(auth::verify_password(longest, *h).value());
    CHECK_FALSE(auth::hash_password(too_long, fast));

    kdf_calls = 0;
    hook_guard guard(slow_counting_hook);
    auto v = auth::verify_password(too_long, *h);
    REQUIRE(v);
    CHECK_FALSE(*v);
    CHECK(kdf_calls == 0);
}

TEST_CASE("at most max_concurrent_hashes run the KDF at once")
{
    static_assert(auth::max_concurrent_hashes == 2);
    auto h = auth::hash_password("correct horse battery staple", fast);
    REQUIRE(h);
    in_kdf = 0;
    peak_in_kdf = 0;
    kdf_calls = 0;
    hook_guard guard(slow_counting_hook);

    constexpr int threads = 6;
    std::array<int, threads> results{};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&, i] {
            auto r = auth::verify_password(i % 2 ? "correct horse battery staple" : "wrong", *h);
            results[static_cast<std::size_t>(i)] = r ? (*r ? 1 : 0) : -1;
        });
    for (auto& t : pool)
        t.join();
    CHECK(kdf_calls == threads);
    // Each holds its slot 30 ms, so two overlap; a third never gets in.
    CHECK(peak_in_kdf == auth::max_concurrent_hashes);
    for (int i = 0; i < threads; ++i)
        CHECK(results[static_cast<std::size_t>(i)] == i % 2);
}

TEST_CASE("fixed-seed mutations of a valid string never verify and never crash")
{
    const std::string good(python_ln10);
    std::mt19937 rng(20240603);
    const std::string alphabet = "$=,+/0123456789AZaz\n\x80";
    for (int i = 0; i < 300; ++i) {
        std::string s = good;
        std::size_t pos = rng() % s.size();
        switch (rng() % 3) {
        case 0: {
            char c = alphabet[rng() % alphabet.size()];
            if (c == s[pos])
                continue;
            s[pos] = c;
            break;
        }
        case 1:
            s.erase(pos, 1);
            break;
        default:
            s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
            break;
        }
        CAPTURE(s);
        // A digit mutation can raise ln to 18 (256 MiB, ~1 s): valid but too slow here.
        if (auto params = auth::parse_hash_params(s); params && params->ln > 12)
            continue;
        auto v = auth::verify_password("correct horse battery staple", s);
        CHECK_FALSE((v && *v));
    }
}
