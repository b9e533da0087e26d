// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's immutable settings, their defaults, and the checks on single values.
#include "config/settings.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <algorithm>

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

} // namespace config
