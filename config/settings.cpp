// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's immutable settings, their defaults, and the checks on single values.
#include "config/settings.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>

namespace config {

std::string error::to_string() const
{
    // The file name is the operator's own (command line); keys and messages were
    // already escaped where they echo file content.
    std::string out = file.empty() ? std::string{"<config>"} : file;
    if (line > 0) {
        out += fmt::format(":{}", line);
        if (column > 0)
            out += fmt::format(":{}", column);
    }
    out += ": ";
    if (!key.empty())
        out += key + ": ";
    out += message;
    return out;
}

tl::expected<void, std::string> check_absolute_path(std::string_view value)
{
    if (value.empty() || value.front() != '/')
        return tl::unexpected(fmt::format("expected an absolute path (got {})", quote(value)));
    if (value.size() > max_path_chars)
        return tl::unexpected(fmt::format("path is longer than {} characters (got {})",
                                          max_path_chars, quote(value)));
    const auto control = std::find_if(value.begin(), value.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b < 0x20 || b == 0x7f;
    });
    if (control != value.end())
        return tl::unexpected(
            fmt::format("path must not contain control characters (got {})", quote(value)));
    return {};
}

tl::expected<void, std::string> check_device(std::string_view value)
{
    if (value == "auto")
        return {};
    if (value.empty() || value.front() != '/')
        return tl::unexpected(
            fmt::format("expected \"auto\" or an absolute device path such as \"/dev/ttyACM0\" "
                        "(got {})",
                        quote(value)));
    return check_absolute_path(value);
}

tl::expected<void, std::string> check_log_level(std::string_view value)
{
    if (std::find(log_levels.begin(), log_levels.end(), value) != log_levels.end())
        return {};
    return tl::unexpected(
        fmt::format("expected one of {} (got {})", fmt::join(log_levels, ", "), quote(value)));
}

tl::expected<void, std::string> check_sourcetable_text(std::string_view value,
                                                       std::size_t max_chars)
{
    if (value.size() > max_chars)
        return tl::unexpected(
            fmt::format("longer than {} characters (got {})", max_chars, quote(value)));
    // A ';' would split the STR line into other fields; control characters and non-ASCII
    // bytes break the readers (NTRIP-COMPAT.md).
    const auto bad = std::find_if(value.begin(), value.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b < 0x20 || b >= 0x7f || c == ';';
    });
    if (bad != value.end())
        return tl::unexpected(fmt::format(
            "only printable ASCII without ';' is allowed (got {}, bad character at offset {})",
            quote(value), bad - value.begin()));
    return {};
}

tl::expected<void, std::string> check_mountpoint_name(std::string_view value)
{
    const bool ok = !value.empty() && value.size() <= max_mountpoint_name_chars &&
                    std::all_of(value.begin(), value.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               (c >= '0' && c <= '9') || c == '_' || c == '-';
                    });
    if (ok)
        return {};
    return tl::unexpected(fmt::format("expected 1 to {} letters, digits, '_' or '-' (got {})",
                                      max_mountpoint_name_chars, quote(value)));
}

tl::expected<void, std::string> check_country(std::string_view value)
{
    if (value.size() == 3 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return {};
    return tl::unexpected(fmt::format("expected an ISO 3166 alpha-3 code such as \"AUT\" "
                                      "(3 capital letters; \"XXX\" for none) (got {})",
                                      quote(value)));
}

tl::expected<std::string, std::string> canonical_ip_address(std::string_view value)
{
    const auto fail = [&] {
        return tl::unexpected(
            fmt::format("expected an IPv4 or IPv6 address such as \"0.0.0.0\" or \"::\" "
                        "(no host names) (got {})",
                        quote(value)));
    };
    // inet_pton reads a C string: refuse what it would cut short (an embedded NUL) or
    // cannot hold, and anything that is not an address character, before calling it.
    const bool chars_ok = !value.empty() && value.size() < INET6_ADDRSTRLEN &&
                          std::all_of(value.begin(), value.end(), [](char c) {
                              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                     (c >= 'A' && c <= 'F') || c == ':' || c == '.';
                          });
    if (!chars_ok)
        return fail();
    const std::string text{value};
    std::array<unsigned char, sizeof(in6_addr)> binary{};
    std::array<char, INET6_ADDRSTRLEN> out{};
    for (const int family : {AF_INET, AF_INET6})
        if (::inet_pton(family, text.c_str(), binary.data()) == 1 &&
            ::inet_ntop(family, binary.data(), out.data(), out.size()) != nullptr)
            return std::string{out.data()};
    return fail();
}

tl::expected<void, std::string> check_certificate_name(std::string_view value)
{
    if (canonical_ip_address(value))
        return {};
    const auto fail = [&] {
        return tl::unexpected(fmt::format(
            "expected a DNS name such as \"base.example.org\" (labels of 1 to {} letters, "
            "digits and '-', not starting or ending with '-'; at most {} characters) or an IP "
            "address (got {})",
            max_dns_label_chars, max_dns_name_chars, quote(value)));
    };
    if (value.empty() || value.size() > max_dns_name_chars)
        return fail();
    std::size_t start = 0;
    while (start <= value.size()) {
        const auto dot = std::min(value.find('.', start), value.size());
        const auto label = value.substr(start, dot - start);
        const bool ok = !label.empty() && label.size() <= max_dns_label_chars &&
                        label.front() != '-' && label.back() != '-' &&
                        std::all_of(label.begin(), label.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                   (c >= '0' && c <= '9') || c == '-';
                        });
        if (!ok)
            return fail();
        start = dot + 1;
    }
    return {};
}

std::string_view to_string(mountpoint_source source)
{
    return source == mountpoint_source::remote ? "remote" : "receiver";
}

std::optional<mountpoint_source> parse_mountpoint_source(std::string_view text)
{
    if (text == "receiver")
        return mountpoint_source::receiver;
    if (text == "remote")
        return mountpoint_source::remote;
    return std::nullopt;
}

namespace {

// Names of an enum's values, in the enum's order.
template <typename E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view text)
{
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == text)
            return static_cast<E>(i);
    return std::nullopt;
}

constexpr std::array<std::string_view, 3> profile_names{"none", "base-fixed", "survey-in"};
constexpr std::array<std::string_view, 2> msm_names{"msm4", "msm7"};
constexpr std::array<std::string_view, 2> arp_names{"receiver", "cairn"};

} // namespace

std::string_view to_string(receiver_profile p)
{
    return profile_names[static_cast<std::size_t>(p)];
}

std::optional<receiver_profile> parse_receiver_profile(std::string_view text)
{
    return parse_name<receiver_profile>(profile_names, text);
}

std::string_view to_string(msm_set m)
{
    return msm_names[static_cast<std::size_t>(m)];
}

std::optional<msm_set> parse_msm_set(std::string_view text)
{
    return parse_name<msm_set>(msm_names, text);
}

std::string_view to_string(arp_source a)
{
    return arp_names[static_cast<std::size_t>(a)];
}

std::optional<arp_source> parse_arp_source(std::string_view text)
{
    return parse_name<arp_source>(arp_names, text);
}

} // namespace config
