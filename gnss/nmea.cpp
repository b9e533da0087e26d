// SPDX-License-Identifier: GPL-3.0-or-later
// NMEA sentence framing and the strict GGA codec.
#include "gnss/nmea.hpp"

#include "gnss/crc.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace gnss::nmea {

namespace {

constexpr std::size_t gga_fields = 15; // address + 14 data fields
constexpr std::size_t address_length = 5;
// Proprietary addresses ("PUBX", "PGRMZ", "PSTMVER") are short; longer is not NMEA.
constexpr std::size_t max_address_length = 10;
constexpr std::array<std::string_view, 8> talkers = {"GP", "GN", "GL", "GA",
                                                     "GB", "GQ", "GI", "BD"};

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
bool is_upper_or_digit(char c)
{
    return (c >= 'A' && c <= 'Z') || is_digit(c);
}

std::optional<std::uint8_t> hex_digit(char c)
{
    if (is_digit(c))
        return static_cast<std::uint8_t>(c - '0');
    if (c >= 'A' && c <= 'F')
        return static_cast<std::uint8_t>(c - 'A' + 10);
    if (c >= 'a' && c <= 'f')
        return static_cast<std::uint8_t>(c - 'a' + 10);
    return std::nullopt;
}

bool all_digits(std::string_view s)
{
    for (char c : s)
        if (!is_digit(c))
            return false;
    return !s.empty();
}

// Plain decimal: optional '-' (when allowed), digits, optionally '.' and more digits.
// No exponents, no "inf"/"nan", no '+', no leading or trailing '.'.
std::optional<double> decimal(std::string_view s, bool allow_sign)
{
    std::string_view rest = s;
    if (allow_sign && !rest.empty() && rest.front() == '-')
        rest.remove_prefix(1);
    std::size_t dot = rest.find('.');
    std::string_view whole = rest.substr(0, dot);
    if (!all_digits(whole))
        return std::nullopt;
    if (dot != std::string_view::npos && !all_digits(rest.substr(dot + 1)))
        return std::nullopt;
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

std::optional<int> small_integer(std::string_view s, std::size_t max_digits)
{
    if (s.size() > max_digits || !all_digits(s))
        return std::nullopt;
    int v = 0;
    for (char c : s)
        v = v * 10 + (c - '0');
    return v;
}

// "hhmmss" with optional fraction; fractions past milliseconds are truncated.
std::optional<std::uint32_t> utc_time(std::string_view s)
{
    std::string_view hms = s.substr(0, s.find('.'));
    if (hms.size() != 6 || !all_digits(hms))
        return std::nullopt;
    int hh = *small_integer(hms.substr(0, 2), 2);
    int mm = *small_integer(hms.substr(2, 2), 2);
    int ss = *small_integer(hms.substr(4, 2), 2);
    if (hh > 23 || mm > 59 || ss > 59) // a leap second's 60 is refused: one lost GGA
        return std::nullopt;
    std::uint32_t ms = 0;
    if (s.size() > hms.size()) {
        std::string_view frac = s.substr(hms.size() + 1);
        if (!all_digits(frac))
            return std::nullopt;
        for (std::size_t i = 0; i < 3; ++i)
            ms = ms * 10 + (i < frac.size() ? static_cast<std::uint32_t>(frac[i] - '0') : 0);
    }
    return static_cast<std::uint32_t>((hh * 60 + mm) * 60 + ss) * 1000 + ms;
}

// "ddmm.mmmm" (degree_digits = 2) or "dddmm.mmmm" (3) plus hemisphere.
std::optional<double> angle(std::string_view s, std::size_t degree_digits, std::string_view hemi,
                            char positive, char negative, double max_deg)
{
    if (s.substr(0, s.find('.')).size() != degree_digits + 2)
        return std::nullopt;
    auto deg = small_integer(s.substr(0, degree_digits), degree_digits);
    auto minutes = decimal(s.substr(degree_digits), false);
    if (!deg || !minutes || *minutes >= 60.0)
        return std::nullopt;
    double v = *deg + *minutes / 60.0;
    if (v > max_deg || hemi.size() != 1)
        return std::nullopt;
    if (hemi[0] == positive)
        return v;
    if (hemi[0] == negative)
        return -v;
    return std::nullopt;
}

std::string format_angle(double deg, int degree_digits, char positive, char negative)
{
    // Whole 1e-7 minutes as an integer, so rounding 59.99999999' carries into degrees.
    constexpr std::int64_t units_per_minute = 10'000'000;
    auto units = std::llround(std::fabs(deg) * 60.0 * units_per_minute);
    std::int64_t d = units / (60 * units_per_minute);
    std::int64_t rem = units % (60 * units_per_minute);
    return fmt::format("{:0{}d}{:02d}.{:07d},{}", d, degree_digits, rem / units_per_minute,
                       rem % units_per_minute, deg < 0 ? negative : positive);
}

} // namespace

std::string make_sentence(std::string_view body)
{
    return fmt::format("${}*{:02X}\r\n", body, nmea_checksum(body));
}

bool known_talker(std::string_view talker)
{
    for (std::string_view t : talkers)
        if (t == talker)
            return true;
    return false;
}

std::optional<std::string> sentence_type(std::string_view line)
{
    if (line.size() < 2 || line.front() != '$')
        return std::nullopt;
    std::size_t end = line.find_first_of(",*", 1);
    if (end == std::string_view::npos || end - 1 > max_address_length)
        return std::nullopt;
    std::string_view address = line.substr(1, end - 1);
    for (char c : address)
        if (!is_upper_or_digit(c))
            return std::nullopt;
    if (address.size() >= 2 && address.front() == 'P')
        return std::string(address);
    if (address.size() != address_length)
        return std::nullopt;
    return std::string(address.substr(2));
}

std::string time_field(std::uint32_t time_ms)
{
    std::uint32_t t = time_ms % ms_per_day;
    std::uint32_t sec = t / 1000;
    std::string frac =
        t % 10 == 0 ? fmt::format("{:02d}", t % 1000 / 10) : fmt::format("{:03d}", t % 1000);
    return fmt::format("{:02d}{:02d}{:02d}.{}", sec / 3600, sec / 60 % 60, sec % 60, frac);
}

std::string latitude_field(double deg)
{
    return format_angle(deg, 2, 'N', 'S');
}
std::string longitude_field(double deg)
{
    return format_angle(deg, 3, 'E', 'W');
}

std::string encode_gga(const gga& g)
{
    std::string body = fmt::format(
        "{}GGA,{},{},{},{},{:02d},{:.2f},{:.3f},M,{:.3f},M,{},{}", g.talker, time_field(g.time_ms),
        latitude_field(g.lat_deg), longitude_field(g.lon_deg), g.fix_quality, g.satellites, g.hdop,
        g.altitude_m, g.geoid_separation_m, g.age_s ? fmt::format("{:.1f}", *g.age_s) : "",
        g.station ? fmt::format("{:04d}", *g.station) : "");
    return make_sentence(body);
}

std::optional<gga> parse_gga(std::string_view line)
{
    if (line.size() > max_gga_length)
        return std::nullopt;
    if (line.ends_with("\r\n"))
        line.remove_suffix(2);
    else if (line.ends_with('\n'))
        line.remove_suffix(1);
    // "$" body "*HH"
    if (line.size() < 4 || line.front() != '$' || line[line.size() - 3] != '*')
        return std::nullopt;
    std::string_view body = line.substr(1, line.size() - 4);
    for (char c : body)
        if (c < 0x20 || c > 0x7E || c == '$' || c == '*')
            return std::nullopt;
    auto hi = hex_digit(line[line.size() - 2]);
    auto lo = hex_digit(line[line.size() - 1]);
    if (!hi || !lo || nmea_checksum(body) != (*hi << 4 | *lo))
        return std::nullopt;

    std::vector<std::string_view> f;
    for (std::size_t pos = 0;;) {
        std::size_t comma = body.find(',', pos);
        f.push_back(body.substr(pos, comma - pos));
        if (comma == std::string_view::npos || f.size() > gga_fields)
            break;
        pos = comma + 1;
    }
    if (f.size() != gga_fields || f[0].size() != address_length || f[0].substr(2) != "GGA" ||
        !known_talker(f[0].substr(0, 2)))
        return std::nullopt;

    gga g;
    g.talker = std::string(f[0].substr(0, 2));
    auto time = utc_time(f[1]);
    auto lat = angle(f[2], 2, f[3], 'N', 'S', 90.0);
    auto lon = angle(f[4], 3, f[5], 'E', 'W', 180.0);
    auto quality = small_integer(f[6], 1);
    auto sats = small_integer(f[7], 2);
    auto hdop = decimal(f[8], false);
    auto alt = decimal(f[9], true);
    if (!time || !lat || !lon || !quality || *quality > max_fix_quality || !sats || !hdop ||
        *hdop > max_hdop || !alt || *alt < min_altitude_m || *alt > max_altitude_m || f[10] != "M")
        return std::nullopt;
    g.time_ms = *time;
    g.lat_deg = *lat;
    g.lon_deg = *lon;
    g.fix_quality = *quality;
    g.satellites = *sats;
    g.hdop = *hdop;
    g.altitude_m = *alt;

    // Older receivers leave the geoid separation (and its unit) empty.
    if (!f[11].empty() || !f[12].empty()) {
        auto sep = decimal(f[11], true);
        if (!sep || std::fabs(*sep) > max_geoid_separation_m || f[12] != "M")
            return std::nullopt;
        g.geoid_separation_m = *sep;
    }
    if (!f[13].empty()) {
        auto age = decimal(f[13], false);
        if (!age || *age > max_age_s)
            return std::nullopt;
        g.age_s = *age;
    }
    if (!f[14].empty()) {
        auto station = small_integer(f[14], 4);
        if (!station || *station > max_station)
            return std::nullopt;
        g.station = *station;
    }
    return g;
}

} // namespace gnss::nmea
