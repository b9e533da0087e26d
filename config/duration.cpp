// SPDX-License-Identifier: GPL-3.0-or-later
// Durations written as "5s", "250ms", "2m", "1h" or "90d" in the config file.
#include "config/duration.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>

namespace config {
namespace {

struct unit
{
    std::string_view suffix;
    std::int64_t ms;
};

// Longest suffix first, so "ms" is not read as "m" followed by garbage.
constexpr std::array<unit, 5> units{{
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
}};

std::string expected_message(std::string_view text)
{
    return fmt::format("expected a duration such as \"5s\" (got {})", quote(text));
}

} // namespace

tl::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text)
{
    if (text.size() > max_duration_chars)
        return tl::unexpected(fmt::format("duration is longer than {} characters (got {})",
                                          max_duration_chars, quote(text)));
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    if (digits == 0)
        return tl::unexpected(expected_message(text));
    const auto suffix = text.substr(digits);
    const unit* found = nullptr;
    for (const auto& u : units)
        if (suffix == u.suffix)
            found = &u;
    if (found == nullptr) {
        if (suffix.empty())
            return tl::unexpected(fmt::format(
                "duration {} has no unit; add ms, s, m, h or d (e.g. \"5s\")", quote(text)));
        return tl::unexpected(
            fmt::format("{}; units are ms, s, m, h and d", expected_message(text)));
    }
    // Accumulate with an overflow guard: anything past max_duration is rejected anyway.
    const std::int64_t limit = max_duration.count();
    std::int64_t count = 0;
    bool too_big = false;
    for (std::size_t i = 0; i < digits; ++i) {
        count = count * 10 + (text[i] - '0');
        if (count > limit) {
            too_big = true;
            break;
        }
    }
    if (!too_big && count > limit / found->ms)
        too_big = true;
    if (too_big)
        return tl::unexpected(fmt::format("duration {} is longer than the limit of {}", quote(text),
                                          format_duration(max_duration)));
    if (count == 0)
        return tl::unexpected(fmt::format("duration must be greater than 0 (got {})", quote(text)));
    return std::chrono::milliseconds{count * found->ms};
}

std::string format_duration(std::chrono::milliseconds d)
{
    const auto ms = static_cast<std::int64_t>(d.count());
    // Largest unit that divides d exactly; ms always does.
    for (auto it = units.rbegin(); it != units.rend(); ++it)
        if (ms % it->ms == 0)
            return fmt::format("{}{}", ms / it->ms, it->suffix);
    return fmt::format("{}ms", ms);
}

} // namespace config
