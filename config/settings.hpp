// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's immutable settings, their defaults, and the checks on single values.
#pragma once

#include "config/serial_settings.hpp"

#include <tl/expected.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace config {

// PATH_MAX on Linux: no device or directory path may be longer.
inline constexpr std::size_t max_path_chars = 4096;

// The levels log_level accepts, most verbose first (syslog names, as journald shows them).
inline constexpr std::array<std::string_view, 5> log_levels{"debug", "info", "notice", "warning",
                                                            "error"};

struct receiver_settings
{
    std::string device = "auto"; // "auto": the first u-blox port found
    serial_settings serial;
    std::chrono::milliseconds stale_after{5000}; // no frame for this long: receiver is stale

    bool operator==(const receiver_settings&) const = default;
};

struct daemon_settings
{
    std::string state_dir = "/var/lib/cairn";
    std::string runtime_dir = "/run/cairn";
    std::string log_level = "info";

    bool operator==(const daemon_settings&) const = default;
};

struct settings
{
    receiver_settings receiver;
    daemon_settings daemon;
    std::string source; // where these came from: the file name given to parse()

    bool operator==(const settings&) const = default;
};

// A config problem a person can fix: where it is, which key, what was expected.
struct error
{
    std::string file;
    std::size_t line = 0;   // 1-based; 0 when the file could not be read at all
    std::size_t column = 0; // 1-based; 0 when unknown
    std::string key;        // "receiver.stale_after"; empty for syntax and read errors
    std::string message;

    // "FILE:LINE:COL: KEY: MESSAGE", leaving out the parts that are unknown.
    std::string to_string() const;
};

// Single-value checks shared by the file loader and, later, the panel's runtime overlay.
// Each returns what was expected when value does not fit.

// An absolute path without control characters, at most max_path_chars long.
tl::expected<void, std::string> check_absolute_path(std::string_view value);

// "auto" or an absolute path (check_absolute_path).
tl::expected<void, std::string> check_device(std::string_view value);

// One of log_levels.
tl::expected<void, std::string> check_log_level(std::string_view value);

} // namespace config
