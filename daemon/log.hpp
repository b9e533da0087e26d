// SPDX-License-Identifier: GPL-3.0-or-later
// Log lines to stderr with syslog "<N>" level prefixes; journald adds time and name.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace daemon_log {

// syslog levels
constexpr int err = 3;
constexpr int warning = 4;
constexpr int notice = 5;
constexpr int info = 6;
constexpr int debug = 7;

// Lines above this level are dropped.
void set_max_level(int level);
int max_level();
// "debug", "info", ... -> level; -1 if unknown.
int level_from_name(std::string_view name);

// Writes one line "<N>text\n" in a single write(2) so lines never interleave.
void write(int level, std::string_view text);

template <typename... Args>
void log(int level, fmt::format_string<Args...> format, Args&&... args)
{
    if (level > max_level())
        return;
    write(level, fmt::format(format, std::forward<Args>(args)...));
}

} // namespace daemon_log
