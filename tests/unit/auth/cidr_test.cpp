// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for auth::ip_address and auth::cidr: parsing, matching, mapped IPv4, edges.
#include "auth/cidr.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

namespace {

bool matches(std::string_view block, std::string_view address)
{
    const auto c = auth::cidr::parse(block);
    const auto a = auth::ip_address::parse(address);
    REQUIRE_MESSAGE(c.has_value(), block);
    REQUIRE_MESSAGE(a.has_value(), address);
    return c->contains(*a);
}

} // namespace

TEST_CASE("addresses parse, print canonically, and IPv4-mapped IPv6 is IPv4")
{
    const struct
    {
        std::string_view text, printed;
        bool v4;
    } cases[] = {
        {"192.0.2.7", "192.0.2.7", true},
        {"0.0.0.0", "0.0.0.0", true},
        {"255.255.255.255", "255.255.255.255", true},
        {"::ffff:192.0.2.7", "192.0.2.7", true},
        {"::FFFF:c000:0207", "192.0.2.7", true},
        {"2001:db8::1", "2001:db8::1", false},
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1", false},
        {"::1", "::1", false},
        {"::", "::", false},
        {"::192.0.2.7", "::192.0.2.7", false}, // deprecated IPv4-compatible: not IPv4
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto a = auth::ip_address::parse(c.text);
        REQUIRE(a.has_value());
        CHECK(a->to_string() == c.printed);
        CHECK(a->is_v4() == c.v4);
    }
    CHECK(*auth::ip_address::parse("::ffff:10.1.2.3") == *auth::ip_address::parse("10.1.2.3"));
    CHECK(auth::ip_address::from_v4({10, 1, 2, 3}) == *auth::ip_address::parse("10.1.2.3"));

    for (const char* bad :
         {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "fe80::1%eth0",
          "[::1]", "1.2.3.4:80", "::g", "1:2:3:4:5:6:7:8:9", "localhost"}) {
        CAPTURE(bad);
        CHECK_FALSE(auth::ip_address::parse(bad).has_value());
    }
    CHECK_FALSE(auth::ip_address::parse(std::string_view("1.2.3.4\0", 8)).has_value());
}

TEST_CASE("cidr matching table: v4, v6, mapped, /0 /32 /128 edges")
{
    const struct
    {
        std::string_view block, address;
        bool want;
    } cases[] = {
        {"192.0.2.0/24", "192.0.2.0", true},
        {"192.0.2.0/24", "192.0.2.255", true},
        {"192.0.2.0/24", "192.0.3.0", false},
        {"192.0.2.0/24", "192.0.1.255", false},
        {"192.0.2.0/24", "::ffff:192.0.2.9", true}, // dual-stack socket view
        {"192.0.2.0/24", "::ffff:192.0.3.9", false},
        {"192.0.2.0/24", "2001:db8::1", false},
        {"192.0.2.0/24", "::c000:209", false}, // same low bits, not mapped
        {"192.0.2.7", "192.0.2.7", true},      // bare = /32
        {"192.0.2.7", "192.0.2.6", false},
        {"192.0.2.7/32", "192.0.2.7", true},
        {"192.0.2.7/32", "192.0.2.8", false},
        {"10.0.0.0/9", "10.127.255.255", true},
        {"10.0.0.0/9", "10.128.0.0", false},
        {"0.0.0.0/0", "203.0.113.1", true},
        {"0.0.0.0/0", "::ffff:203.0.113.1", true},
        {"0.0.0.0/0", "2001:db8::1", false}, // IPv4 blocks never match IPv6 peers
        {"2001:db8::/32", "2001:db8:ffff::1", true},
        {"2001:db8::/32", "2001:db9::1", false},
        {"2001:db8::/32", "192.0.2.1", false},
        {"2001:db8::1", "2001:db8::1", true}, // bare = /128
        {"2001:db8::1", "2001:db8::2", false},
        {"2001:db8::1/128", "2001:db8::1", true},
        {"2001:db8::/127", "2001:db8::1", true},
        {"2001:db8::/127", "2001:db8::2", false},
        {"::/0", "2001:db8::1", true},
        {"::/0", "192.0.2.1", true}, // every address is in ::/0, mapped ones too
        {"::ffff:192.0.2.0/120", "192.0.2.77", true},
        {"::ffff:192.0.2.0/120", "192.0.3.77", false},
        {"fe80::/10", "febf::1", true},
        {"fe80::/10", "fec0::1", false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.block);
        CAPTURE(c.address);
        CHECK(matches(c.block, c.address) == c.want);
    }
}

TEST_CASE("cidr text round-trips and bad input is refused with a message")
{
    const struct
    {
        std::string_view text, printed;
        unsigned prefix;
        bool v4;
    } good[] = {
        {"192.0.2.0/24", "192.0.2.0/24", 24, true},
        {"192.0.2.7", "192.0.2.7/32", 32, true},
        {"0.0.0.0/0", "0.0.0.0/0", 0, true},
        {"2001:DB8::/32", "2001:db8::/32", 32, false},
        {"::1", "::1/128", 128, false},
        {"::/0", "::/0", 0, false},
        {"::ffff:192.0.2.0/120", "::ffff:192.0.2.0/120", 120, false},
    };
    for (const auto& c : good) {
        CAPTURE(c.text);
        const auto b = auth::cidr::parse(c.text);
        REQUIRE(b.has_value());
        CHECK(b->to_string() == c.printed);
        CHECK(b->prefix() == c.prefix);
        CHECK(b->is_v4() == c.v4);
        const auto again = auth::cidr::parse(b->to_string());
        REQUIRE(again.has_value());
        CHECK(*again == *b);
    }
    const struct
    {
        std::string_view text, why;
    } bad[] = {
        {"", "not a valid address"},
        {"/24", "not a valid address"},
        {"192.0.2.0/", "bad prefix length (0 to 32)"},
        {"192.0.2.0/33", "bad prefix length (0 to 32)"},
        {"192.0.2.0/024", "bad prefix length"},
        {"192.0.2.0/-1", "bad prefix length"},
        {"192.0.2.0/+8", "bad prefix length"},
        {"192.0.2.0/2 4", "bad prefix length"},
        {"192.0.2.0/24/8", "bad prefix length"},
        {"192.0.2.1/24", "bits set past the prefix"},
        {"2001:db8::/129", "bad prefix length (0 to 128)"},
        {"2001:db8::1/32", "bits set past the prefix"},
        {"::/1000", "bad prefix length"},
        {"example.org/24", "not a valid address"},
        {"192.0.2.0 /24", "not a valid address"},
        {"fe80::1%eth0/64", "not a valid address"},
    };
    for (const auto& c : bad) {
        CAPTURE(c.text);
        const auto b = auth::cidr::parse(c.text);
        REQUIRE_FALSE(b.has_value());
        CHECK(b.error().find(c.why) != std::string::npos);
    }
    const std::string too_long(auth::max_cidr_chars + 1, '1');
    const auto r = auth::cidr::parse(too_long);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().find("longer than 49") != std::string::npos);
    // The longest legitimate spelling fits the cap exactly.
    const std::string longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128";
    CHECK(longest.size() == auth::max_cidr_chars);
    CHECK(auth::cidr::parse(longest).has_value());
}

TEST_CASE("random blocks contain their members and nothing that differs in the prefix")
{
    std::mt19937 rng(20240601); // fixed seed: reproducible
    for (int round = 0; round < 2000; ++round) {
        const bool v4 = round % 2 == 0;
        std::array<std::uint8_t, 16> raw{};
        for (auto& b : raw)
            b = static_cast<std::uint8_t>(rng());
        const auto addr = v4 ? auth::ip_address::from_v4({raw[0], raw[1], raw[2], raw[3]})
                             : auth::ip_address::from_v6(raw);
        if (!v4 && addr.is_v4())
            continue;
        const unsigned max = v4 ? 32 : 128;
        const unsigned prefix = rng() % (max + 1);
        // The block's base: the address with its host bits cleared.
        auto base = addr.bytes();
        const unsigned offset = v4 ? 96 : 0;
        for (unsigned bit = offset + prefix; bit < 128; ++bit)
            base[bit / 8] &= static_cast<std::uint8_t>(~(1u << (7 - bit % 8)));
        const auto base_text = auth::ip_address::from_v6(base).to_string();
        const auto block = auth::cidr::parse(base_text + "/" + std::to_string(prefix));
        REQUIRE_MESSAGE(block.has_value(), base_text);
        CAPTURE(block->to_string());
        CHECK(block->contains(addr));
        if (prefix > 0) {
            auto other = addr.bytes();
            const unsigned bit = offset + static_cast<unsigned>(rng() % prefix);
            other[bit / 8] ^= static_cast<std::uint8_t>(1u << (7 - bit % 8));
            CHECK_FALSE(block->contains(auth::ip_address::from_v6(other)));
        }
        const auto again = auth::cidr::parse(block->to_string());
        REQUIRE(again.has_value());
        CHECK(*again == *block);
    }
}
