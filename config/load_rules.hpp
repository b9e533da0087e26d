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
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

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

// A key as TOML would print it: bare when it can be, else quoted and escaped.
std::string display_key(std::string_view key);

// Collects errors and keeps the first in file order (toml++ tables iterate by key name).
class first_error
{
public:
    explicit first_error(std::string_view file) : file_{file} {}

    void add(const toml::source_region& where, std::string key, std::string message)
    {
        const auto line = static_cast<std::size_t>(where.begin.line);
        const auto column = static_cast<std::size_t>(where.begin.column);
        ++count_;
        if (error_ && std::pair{error_->line, error_->column} <= std::pair{line, column})
            return;
        error_ = error{file_, line, column, std::move(key), std::move(message)};
    }

    const std::optional<error>& get() const { return error_; }
    const std::string& file() const { return file_; }

    // Errors added so far, kept or not: lets a reader skip checks on a part already wrong.
    std::size_t count() const { return count_; }

private:
    std::string file_;
    std::optional<error> error_;
    std::size_t count_ = 0;
};

// A key holding an array of tables ([[caster.listener]]): read stores it in s and reports
// each problem where it is, under key (the full dotted name).
using read_array_fn = void (*)(const toml::node& node, std::string_view key, settings& s,
                               first_error& errors);

struct array_rule
{
    std::string_view name;
    read_array_fn read;
};

template <typename Rules>
auto find_rule(const Rules& rules, std::string_view name) -> decltype(&*std::begin(rules))
{
    for (const auto& r : rules)
        if (r.name == name)
            return &r;
    return nullptr;
}

template <typename Rules>
std::string names_of(const Rules& rules, std::string_view open, std::string_view close)
{
    std::string out;
    for (const auto& r : rules)
        out += fmt::format("{}{}{}{}", out.empty() ? "" : ", ", open, r.name, close);
    return out;
}

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
