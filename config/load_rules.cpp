// SPDX-License-Identifier: GPL-3.0-or-later
// Typed readers for config values: each returns the value or what was expected.
#include "config/load_rules.hpp"

#include "config/duration.hpp"
#include "config/quote.hpp"

#include <cmath>

namespace config::detail {

std::string_view type_name(toml::node_type type)
{
    switch (type) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

// The string in node, or "expected a string such as EXAMPLE, got an integer".
tl::expected<std::string_view, std::string> string_of(const toml::node& node,
                                                      std::string_view example)
{
    if (const auto* v = node.as_string())
        return std::string_view{v->get()};
    return tl::unexpected(
        fmt::format("expected a string such as {}, got {}", example, type_name(node.type())));
}

// The integer in node when it lies in [lo, hi], or what was expected.
tl::expected<std::int64_t, std::string> integer_in(const toml::node& node, std::int64_t lo,
                                                   std::int64_t hi, std::int64_t example)
{
    const auto* v = node.as_integer();
    if (v == nullptr)
        return tl::unexpected(
            fmt::format("expected an integer such as {}, got {}", example, type_name(node.type())));
    if (v->get() < lo || v->get() > hi)
        return tl::unexpected(
            fmt::format("expected an integer from {} to {} (got {})", lo, hi, v->get()));
    return v->get();
}

// The duration in node when it lies in [lo, hi], or what was expected.
tl::expected<std::chrono::milliseconds, std::string> duration_in(const toml::node& node,
                                                                 std::chrono::milliseconds lo,
                                                                 std::chrono::milliseconds hi,
                                                                 std::chrono::milliseconds example)
{
    auto v = string_of(node, fmt::format("\"{}\"", format_duration(example)));
    if (!v)
        return tl::unexpected(v.error());
    auto d = parse_duration(*v);
    if (!d)
        return tl::unexpected(d.error());
    if (*d < lo || *d > hi)
        return tl::unexpected(fmt::format("expected a duration from {} to {} (got {})",
                                          format_duration(lo), format_duration(hi), quote(*v)));
    return *d;
}

tl::expected<double, std::string> number_in(const toml::node& node, double lo, double hi,
                                            std::string_view example)
{
    const auto* f = node.as_floating_point();
    const auto* i = node.as_integer();
    if (f == nullptr && i == nullptr)
        return tl::unexpected(
            fmt::format("expected a number such as {}, got {}", example, type_name(node.type())));
    const double v = f != nullptr ? f->get() : static_cast<double>(i->get());
    if (!std::isfinite(v) || v < lo || v > hi)
        return tl::unexpected(fmt::format("expected a number from {} to {} (got {})", lo, hi, v));
    return v;
}

std::string display_key(std::string_view key)
{
    const bool bare = !key.empty() && key.size() <= max_echo_chars &&
                      std::all_of(key.begin(), key.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                 (c >= '0' && c <= '9') || c == '_' || c == '-';
                      });
    return bare ? std::string{key} : quote(key);
}

} // namespace config::detail
