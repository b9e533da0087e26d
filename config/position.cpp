// SPDX-License-Identifier: GPL-3.0-or-later
// Parsers for RTKBase's station text: positions and antenna info.
#include "config/position.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace config {

namespace {

// Drops one pair of matching quotes around the text ('...' or "..."); nullopt when the
// opening quote has no match.
std::optional<std::string_view> unquote(std::string_view s)
{
    s = trim_blanks(s);
    if (s.empty() || (s.front() != '\'' && s.front() != '"'))
        return s;
    if (s.size() < 2 || s.back() != s.front())
        return std::nullopt;
    return trim_blanks(s.substr(1, s.size() - 2));
}

// Three decimal numbers separated by blanks; only plain decimal notation (no hex, no
// inf/nan, no exponents: nobody writes a coordinate that way, and typos stay typos).
tl::expected<std::array<double, 3>, std::string> three_numbers(std::string_view text,
                                                               std::string_view example)
{
    if (text.size() > max_position_chars)
        return tl::unexpected(fmt::format("position text is {} characters; the limit is {}",
                                          text.size(), max_position_chars));
    auto unquoted = unquote(text);
    if (!unquoted)
        return tl::unexpected(fmt::format("unbalanced quote in position {}", quote(text)));
    auto rest = *unquoted;
    std::array<double, 3> out{};
    std::size_t n = 0;
    while (!rest.empty()) {
        std::size_t end = 0;
        while (end < rest.size() && !is_blank(rest[end]))
            ++end;
        const auto word = rest.substr(0, end);
        if (n == 3)
            return tl::unexpected(
                fmt::format("expected three numbers such as {}, found more", example));
        const bool plain = word.find_first_not_of("0123456789.-+") == std::string_view::npos;
        const auto* first = word.data() + (word.front() == '+' ? 1 : 0);
        double v = 0;
        auto [ptr, ec] =
            std::from_chars(first, word.data() + word.size(), v, std::chars_format::fixed);
        if (!plain || ec != std::errc{} || ptr != word.data() + word.size() || !std::isfinite(v))
            return tl::unexpected(
                fmt::format("{} is not a decimal number (expected three numbers such as {})",
                            quote(word), example));
        out[n++] = v;
        rest = trim_blanks(rest.substr(end));
    }
    if (n != 3)
        return tl::unexpected(
            fmt::format("expected three numbers such as {}, found {}", example, n));
    return out;
}

bool printable(std::string_view s)
{
    for (char c : s)
        if (c < 0x20 || c > 0x7e)
            return false;
    return true;
}

} // namespace

tl::expected<station_position, std::string> parse_llh_text(std::string_view text)
{
    auto v = three_numbers(text, "'47.0123456789 2.0123456789 123.456' (lat lon height)");
    if (!v)
        return tl::unexpected(v.error());
    const auto [lat, lon, h] = *v;
    if (lat < -90 || lat > 90)
        return tl::unexpected(fmt::format("latitude {} is outside -90..90 degrees", lat));
    if (lon < -180 || lon > 180)
        return tl::unexpected(fmt::format("longitude {} is outside -180..180 degrees", lon));
    if (h < min_height_m || h > max_height_m)
        return tl::unexpected(
            fmt::format("height {} m is outside {}..{} m (WGS84 ellipsoidal height, in metres)", h,
                        min_height_m, max_height_m));
    return station_position{station_position::frame_kind::llh, lat, lon, h};
}

tl::expected<station_position, std::string> parse_ecef_text(std::string_view text)
{
    auto v = three_numbers(text, "'4444030.8028 3085671.2349 3366658.2560' (ECEF x y z)");
    if (!v)
        return tl::unexpected(v.error());
    const auto [x, y, z] = *v;
    const double r = std::sqrt(x * x + y * y + z * z);
    if (r < min_ecef_radius_m || r > max_ecef_radius_m)
        return tl::unexpected(fmt::format(
            "ECEF point is {:.0f} m from the Earth's centre, not on its surface ({:.0f}..{:.0f} "
            "m); is it in metres, x y z?",
            r, min_ecef_radius_m, max_ecef_radius_m));
    return station_position{station_position::frame_kind::ecef, x, y, z};
}

std::string to_text(const station_position& p)
{
    // Fixed notation, shortest form that reads back exactly: the parser takes no exponents,
    // and "{}" would write 1e-05 for a height of 10 um. The shortest form is never longer
    // than the number it was parsed from, so whatever parsed fits the limit again.
    std::string out;
    for (double v : {p.a, p.b, p.c}) {
        std::array<char, 400> buf; // a double's longest fixed form is under 330 characters
        const auto r =
            std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
        if (!out.empty())
            out += ' ';
        out.append(buf.data(), r.ptr);
    }
    return out;
}

tl::expected<antenna_settings, std::string> parse_antenna_text(std::string_view text)
{
    using a = antenna_settings;
    constexpr std::string_view form = "expected \"descriptor[,serial[,setup]]\"";
    if (text.size() > max_antenna_chars)
        return tl::unexpected(fmt::format("antenna text is {} characters; the limit is {} ({})",
                                          text.size(), max_antenna_chars, form));
    if (!printable(text))
        return tl::unexpected(fmt::format(
            "antenna text {} has characters outside printable ASCII (RTCM strings are ASCII)",
            quote(text)));
    auto rest = unquote(text);
    if (!rest)
        return tl::unexpected(fmt::format("unbalanced quote in antenna text {}", quote(text)));
    std::vector<std::string_view> parts;
    for (;;) {
        const auto comma = rest->find(',');
        parts.push_back(trim_blanks(rest->substr(0, comma)));
        if (comma == std::string_view::npos)
            break;
        rest->remove_prefix(comma + 1);
    }
    if (parts.size() > 3)
        return tl::unexpected(
            fmt::format("antenna text has {} commas; {}", parts.size() - 1, form));
    if (parts[0].empty())
        return tl::unexpected(
            fmt::format("antenna descriptor is empty; {}, such as \"TRM59800.00     NONE\"", form));
    if (parts[0].size() > a::max_descriptor_chars)
        return tl::unexpected(fmt::format("antenna descriptor is {} characters; RTCM allows {}",
                                          parts[0].size(), a::max_descriptor_chars));
    antenna_settings out;
    out.descriptor = std::string{parts[0]};
    if (parts.size() > 1) {
        if (parts[1].size() > a::max_descriptor_chars)
            return tl::unexpected(fmt::format("antenna serial is {} characters; RTCM allows {}",
                                              parts[1].size(), a::max_descriptor_chars));
        out.serial = std::string{parts[1]};
    }
    if (parts.size() > 2) {
        const auto setup = parts[2];
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(setup.data(), setup.data() + setup.size(), value);
        if (setup.empty() || ec != std::errc{} || ptr != setup.data() + setup.size() ||
            value > a::max_setup_id)
            return tl::unexpected(fmt::format("antenna setup id {} is not a number from 0 to {}",
                                              quote(setup), a::max_setup_id));
        out.setup_id = static_cast<std::uint8_t>(value);
    }
    return out;
}

std::string to_text(const antenna_settings& a)
{
    return fmt::format("{},{},{}", a.descriptor, a.serial, a.setup_id);
}

} // namespace config
