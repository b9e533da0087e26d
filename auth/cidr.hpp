// SPDX-License-Identifier: GPL-3.0-or-later
// IP addresses and CIDR blocks for a token's address allowlist (pure, no I/O).
//
//   auto block = auth::cidr::parse("192.0.2.0/24");           // tl::expected<cidr, string>
//   auto peer = auth::ip_address::parse("::ffff:192.0.2.7");   // std::optional
//   bool ok = block && peer && block->contains(*peer);         // true: mapped v4 is v4
#pragma once

#include <tl/expected.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

// Longest address or CIDR text accepted: an IPv6 address with an embedded IPv4 tail
// ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 45 chars) plus "/128".
inline constexpr std::size_t max_cidr_chars = 49;

// One peer address. IPv4 is kept in its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so a
// dual-stack socket's "::ffff:192.0.2.7" and a plain "192.0.2.7" are the same address.
class ip_address
{
public:
    // "192.0.2.7", "2001:db8::1" or "::ffff:192.0.2.7"; no zone ids, ports or brackets.
    static std::optional<ip_address> parse(std::string_view text);
    static ip_address from_v4(const std::array<std::uint8_t, 4>& bytes);
    // Mapped addresses (::ffff:a.b.c.d) become IPv4.
    static ip_address from_v6(const std::array<std::uint8_t, 16>& bytes);

    bool is_v4() const;
    // The 16 bytes in network order (IPv4 as ::ffff:a.b.c.d).
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
    // "192.0.2.7" for IPv4 (also when it came mapped), RFC 5952 text for IPv6.
    std::string to_string() const;

    bool operator==(const ip_address&) const = default;

private:
    std::array<std::uint8_t, 16> bytes_{};
};

// An address block. An IPv4 block matches IPv4 peers, also when they arrive mapped
// (::ffff:a.b.c.d); an IPv6 block is compared over all 128 bits, so "::/0" matches
// every peer and "2001:db8::/32" no IPv4 peer.
class cidr
{
public:
    // "192.0.2.0/24", "2001:db8::/32", or a bare address (= /32 or /128). Host bits past
    // the prefix must be zero ("192.0.2.1/24" is refused as a likely typo), the prefix is
    // decimal without leading zeros. The error names the text and what was expected.
    static tl::expected<cidr, std::string> parse(std::string_view text);

    bool contains(const ip_address& address) const;
    bool is_v4() const { return v4_; }
    // The prefix length as written: 0..32 for IPv4, 0..128 for IPv6.
    unsigned prefix() const { return v4_ ? prefix_ - 96 : prefix_; }
    // The canonical text that parse() reads back as the same block.
    std::string to_string() const;

    bool operator==(const cidr&) const = default;

private:
    ip_address base_;
    unsigned prefix_ = 128; // over the 128-bit (mapped) form
    bool v4_ = false;
};

} // namespace auth
