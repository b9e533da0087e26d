// SPDX-License-Identifier: GPL-3.0-or-later
// Durations written as "5s", "250ms", "2m", "1h" or "90d" in the config file.
#pragma once

#include <tl/expected.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace config {

// Longest duration any setting may take; anything longer is a typo, not a plan.
inline constexpr std::chrono::milliseconds max_duration = std::chrono::days{400};

// Longest duration text accepted; "34560000000ms" (400 days) has 13 characters.
inline constexpr std::size_t max_duration_chars = 32;

// "<digits><unit>" with unit ms, s, m, h or d -> milliseconds; the result is > 0 and
// <= max_duration. No sign, spaces, fractions or compound forms ("1h30m").
tl::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// The shortest text parse_duration reads back as d ("90d", "1500ms"); d must be > 0.
std::string format_duration(std::chrono::milliseconds d);

} // namespace config
