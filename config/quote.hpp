// SPDX-License-Identifier: GPL-3.0-or-later
// Makes untrusted config text safe to echo in one-line error messages; the blank
// trimming the text parsers share.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace config {

// Longest piece of untrusted text echoed in a message; the rest becomes "...", so a
// 1 MiB value cannot turn into a 1 MiB log line.
inline constexpr std::size_t max_echo_chars = 64;

// text cut at limit bytes, with control and non-ASCII bytes as \n, \t or \xNN so a
// message stays one printable line; also '\\' and '"' when quoting is true.
inline std::string escape(std::string_view text, std::size_t limit = max_echo_chars,
                          bool quoting = true)
{
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    const auto shown = text.substr(0, limit);
    for (const char c : shown) {
        const auto b = static_cast<unsigned char>(c);
        if (quoting && (c == '\\' || c == '"')) {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (b < 0x20 || b >= 0x7f) {
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 0xf];
        } else {
            out += c;
        }
    }
    if (shown.size() < text.size())
        out += "...";
    return out;
}

// escape(text) in double quotes, for "(got \"fast\")".
inline std::string quote(std::string_view text)
{
    return '"' + escape(text) + '"';
}

// Spaces and tabs: what config text parsers tolerate around values.
inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

inline std::string_view trim_blanks(std::string_view s)
{
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

} // namespace config
