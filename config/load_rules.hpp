// SPDX-License-Identifier: GPL-3.0-or-later
// The loader's building blocks, shared by the files that hold the key tables: a key rule,
// typed readers that say what was expected, and rule templates for common value kinds.
#pragma once

#include "config/settings.hpp"

#include <fmt/format.h>
#include <tl/expected.hpp>
#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace config::detail {

// One known key: apply checks node and stores it in s, or says what was expected.
using apply_fn = tl::expected<void, std::string> (*)(const toml::node& node, settings& s);

struct key_rule
{
    std::string_view name;
    apply_fn apply;
};

// "a string", "an integer", ... for messages.
std::string_view type_name(toml::node_type type);

// The string in node, or "expected a string such as EXAMPLE, got an integer".
tl::expected<std::string_view, std::string> string_of(const toml::node& node,
                                                      std::string_view example);

// The integer in node when it lies in [lo, hi], or what was expected.
tl::expected<std::int64_t, std::string> integer_in(const toml::node& node, std::int64_t lo,
                                                   std::int64_t hi, std::int64_t example);

// A number (integer or float) in node when it lies in [lo, hi], or what was expected.
tl::expected<double, std::string> number_in(const toml::node& node, double lo, double hi,
                                            std::string_view example);

// The duration in node when it lies in [lo, hi], or what was expected.
tl::expected<std::chrono::milliseconds, std::string> duration_in(const toml::node& node,
                                                                 std::chrono::milliseconds lo,
                                                                 std::chrono::milliseconds hi,
                                                                 std::chrono::milliseconds example);

// A key holding a count: (s.*table).*member = an integer in [lo, hi]; the default is the
// example in the message.
template <auto table, auto member, std::int64_t lo, std::int64_t hi>
tl::expected<void, std::string> apply_count(const toml::node& node, settings& s)
{
    static_assert(lo >= 0 && hi <= std::numeric_limits<std::uint32_t>::max());
    const auto example = static_cast<std::int64_t>(settings{}.*table.*member);
    auto v = integer_in(node, lo, hi, example);
    if (!v)
        return tl::unexpected(v.error());
    s.*table.*member = static_cast<std::uint32_t>(*v);
    return {};
}

// A key holding a duration in [lo_ms, hi_ms] (durations cannot be template arguments).
template <auto table, auto member, std::int64_t lo_ms, std::int64_t hi_ms>
tl::expected<void, std::string> apply_duration(const toml::node& node, settings& s)
{
    auto v = duration_in(node, std::chrono::milliseconds{lo_ms}, std::chrono::milliseconds{hi_ms},
                         settings{}.*table.*member);
    if (!v)
        return tl::unexpected(v.error());
    s.*table.*member = *v;
    return {};
}

// A key holding a boolean.
template <auto table, auto member>
tl::expected<void, std::string> apply_bool(const toml::node& node, settings& s)
{
    const auto* v = node.as_boolean();
    if (v == nullptr)
        return tl::unexpected(
            fmt::format("expected true or false, got {}", type_name(node.type())));
    s.*table.*member = v->get();
    return {};
}

} // namespace config::detail
