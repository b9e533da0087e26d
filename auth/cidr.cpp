// SPDX-License-Identifier: GPL-3.0-or-later
// IP addresses and CIDR blocks for a token's address allowlist (pure, no I/O).
#include "auth/cidr.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>

#include <cstring>

namespace auth {
namespace {

constexpr std::array<std::uint8_t, 12> mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string error_for(std::string_view text, std::string_view what)
{
    return fmt::format("{} {}: expected an address or a block such as \"192.0.2.0/24\" or "
                       "\"2001:db8::/32\"",
                       config::quote(text), what);
}

// inet_pton needs a NUL-terminated string; the length cap keeps it on the stack.
template <std::size_t N> bool to_c_string(std::string_view text, std::array<char, N>& out)
{
    if (text.size() >= N || text.find('\0') != std::string_view::npos)
        return false;
    std::memcpy(out.data(), text.data(), text.size());
    out[text.size()] = '\0';
    return true;
}

// Whole decimal number without sign or leading zeros, at most max.
std::optional<unsigned> parse_prefix(std::string_view text, unsigned max)
{
    if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0'))
        return std::nullopt;
    unsigned v = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > max)
        return std::nullopt;
    return v;
}

// True when every bit of a at and past bit `prefix` is zero.
bool host_bits_zero(const std::array<std::uint8_t, 16>& a, unsigned prefix)
{
    for (unsigned bit = prefix; bit < 128; ++bit)
        if ((a[bit / 8] >> (7 - bit % 8)) & 1u)
            return false;
    return true;
}

} // namespace

std::optional<ip_address> ip_address::parse(std::string_view text)
{
    std::array<char, max_cidr_chars + 1> buf{};
    if (!to_c_string(text, buf))
        return std::nullopt;
    if (text.find(':') == std::string_view::npos) {
        std::array<std::uint8_t, 4> v4{};
        if (inet_pton(AF_INET, buf.data(), v4.data()) != 1)
            return std::nullopt;
        return from_v4(v4);
    }
    std::array<std::uint8_t, 16> v6{};
    if (inet_pton(AF_INET6, buf.data(), v6.data()) != 1)
        return std::nullopt;
    return from_v6(v6);
}

ip_address ip_address::from_v4(const std::array<std::uint8_t, 4>& bytes)
{
    ip_address a;
    std::memcpy(a.bytes_.data(), mapped_prefix.data(), mapped_prefix.size());
    std::memcpy(a.bytes_.data() + 12, bytes.data(), 4);
    return a;
}

ip_address ip_address::from_v6(const std::array<std::uint8_t, 16>& bytes)
{
    ip_address a;
    a.bytes_ = bytes;
    return a;
}

bool ip_address::is_v4() const
{
    return std::memcmp(bytes_.data(), mapped_prefix.data(), mapped_prefix.size()) == 0;
}

std::string ip_address::to_string() const
{
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (is_v4())
        inet_ntop(AF_INET, bytes_.data() + 12, buf.data(), buf.size());
    else
        inet_ntop(AF_INET6, bytes_.data(), buf.data(), buf.size());
    return std::string(buf.data());
}

tl::expected<cidr, std::string> cidr::parse(std::string_view text)
{
    if (text.size() > max_cidr_chars)
        return tl::unexpected(
            error_for(text, fmt::format("is longer than {} characters", max_cidr_chars)));
    const auto slash = text.find('/');
    const auto address_text = text.substr(0, slash);
    const bool v4_text = address_text.find(':') == std::string_view::npos;
    const auto address = ip_address::parse(address_text);
    if (!address)
        return tl::unexpected(error_for(text, "is not a valid address"));
    // An IPv6 spelling of a mapped address ("::ffff:192.0.2.7") stays an IPv6 block.
    cidr c;
    c.v4_ = v4_text;
    c.base_ = *address;
    const unsigned max = v4_text ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        const auto p = parse_prefix(text.substr(slash + 1), max);
        if (!p)
            return tl::unexpected(
                error_for(text, fmt::format("has a bad prefix length (0 to {})", max)));
        prefix = *p;
    }
    c.prefix_ = v4_text ? prefix + 96 : prefix;
    if (!host_bits_zero(c.base_.bytes(), c.prefix_))
        return tl::unexpected(error_for(text, "has bits set past the prefix length"));
    return c;
}

bool cidr::contains(const ip_address& address) const
{
    const auto& a = address.bytes();
    const auto& b = base_.bytes();
    const unsigned whole = prefix_ / 8;
    if (std::memcmp(a.data(), b.data(), whole) != 0)
        return false;
    const unsigned rest = prefix_ % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

std::string cidr::to_string() const
{
    if (v4_)
        return fmt::format("{}/{}", base_.to_string(), prefix());
    // A mapped base prints as IPv4 through ip_address; keep the IPv6 spelling here.
    std::array<char, INET6_ADDRSTRLEN> buf{};
    inet_ntop(AF_INET6, base_.bytes().data(), buf.data(), buf.size());
    return fmt::format("{}/{}", buf.data(), prefix());
}

} // namespace auth
