// SPDX-License-Identifier: GPL-3.0-or-later
// NTRIP sourcetable records: validation, the body writer and the strict STR parser.
#include "ntrip/sourcetable.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iterator>
#include <optional>
#include <vector>

namespace ntrip {

namespace {

using check = tl::expected<void, std::string>;

// A value quoted for an error message: non-printable bytes as \xHH, long values cut.
std::string quoted(std::string_view v)
{
    constexpr std::size_t max_shown = 40;
    std::string out = "\"";
    for (std::size_t i = 0; i < v.size() && i < max_shown; ++i) {
        auto c = static_cast<unsigned char>(v[i]);
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
            out += fmt::format("\\x{:02X}", c);
        else
            out += static_cast<char>(c);
    }
    out += v.size() > max_shown ? "\"..." : "\"";
    return out;
}

// Sourcetable values: printable ASCII without the field separator.
bool value_char(char ch)
{
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x7F && c != ';';
}

check text(std::string_view record, std::string_view field, std::string_view v, std::size_t cap,
           bool required)
{
    if (required && v.empty())
        return tl::unexpected(fmt::format("{} {}: must be set", record, field));
    if (v.size() > cap)
        return tl::unexpected(
            fmt::format("{} {} {}: longer than {} characters", record, field, quoted(v), cap));
    for (char c : v)
        if (!value_char(c))
            return tl::unexpected(fmt::format(
                "{} {} {}: only printable ASCII without ';' is allowed", record, field, quoted(v)));
    return {};
}

check in_range(std::string_view record, std::string_view field, long long v, long long lo,
               long long hi)
{
    if (v < lo || v > hi)
        return tl::unexpected(fmt::format("{} {} {}: must be {}..{}", record, field, v, lo, hi));
    return {};
}

check position(std::string_view record, double lat, double lon)
{
    if (!std::isfinite(lat) || std::fabs(lat) > max_abs_latitude_deg)
        return tl::unexpected(fmt::format("{} latitude {}: must be -{}..{} degrees", record, lat,
                                          max_abs_latitude_deg, max_abs_latitude_deg));
    if (!std::isfinite(lon) || lon < min_longitude_deg || lon > max_longitude_deg)
        return tl::unexpected(fmt::format("{} longitude {}: must be {}..{} degrees", record, lon,
                                          min_longitude_deg, max_longitude_deg));
    return {};
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
        if (x != y)
            return false;
    }
    return true;
}

bool three_capitals(std::string_view s)
{
    if (s.size() != 3)
        return false;
    for (char c : s)
        if (c < 'A' || c > 'Z')
            return false;
    return true;
}

// Degrees with 2 decimals (about 1 km: enough to pick the nearest base, coarse enough not
// to publish the antenna's exact position). Rounded first so -0.001 prints as 0.00.
std::string degrees(double v)
{
    double r = std::round(v * 100.0) / 100.0;
    if (r == 0)
        r = 0; // drops the sign of -0
    return fmt::format("{:.2f}", r);
}

const char* yes_no(bool b)
{
    return b ? "Y" : "N";
}

} // namespace

bool valid_mountpoint_name(std::string_view name)
{
    if (name.empty() || name.size() > max_str_mountpoint_length)
        return false;
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

tl::expected<void, std::string> validate(const str_record& r)
{
    if (!valid_mountpoint_name(r.mountpoint))
        return tl::unexpected(fmt::format("STR mountpoint {}: must match [A-Za-z0-9_-]{{1,{}}}",
                                          quoted(r.mountpoint), max_str_mountpoint_length));
    const std::string rec = "STR " + r.mountpoint;
    constexpr auto short_cap = max_sourcetable_field_length;
    for (auto c : {text(rec, "identifier", r.identifier, short_cap, true),
                   text(rec, "format", r.format, short_cap, true),
                   text(rec, "format-details", r.format_details, max_format_details_length, false),
                   text(rec, "nav-system", r.nav_system, short_cap, true),
                   text(rec, "network", r.network, short_cap, false),
                   text(rec, "country", r.country, short_cap, true),
                   text(rec, "generator", r.generator, short_cap, false),
                   text(rec, "compr-encryp", r.compr_encryp, short_cap, false),
                   text(rec, "misc", r.misc, max_misc_length, false),
                   in_range(rec, "carrier", r.carrier, 0, 2), in_range(rec, "nmea", r.nmea, 0, 1),
                   in_range(rec, "solution", r.solution, 0, 1),
                   in_range(rec, "bitrate", r.bitrate, 0, max_bitrate),
                   position(rec, r.latitude, r.longitude)})
        if (!c)
            return c;
    if (!three_capitals(r.country))
        return tl::unexpected(fmt::format("{} country {}: must be an ISO 3166 alpha-3 code like "
                                          "\"DEU\" (3 capital letters)",
                                          rec, quoted(r.country)));
    if (r.latitude == 0 && r.longitude == 0)
        return tl::unexpected(fmt::format(
            "{} position: latitude and longitude are 0 (not set); give the base's position", rec));
    if (!iequals(r.compr_encryp, "none"))
        return tl::unexpected(fmt::format("{} compr-encryp {}: must be \"none\" (Cairn sends the "
                                          "stream as is, and gpsd refuses anything else)",
                                          rec, quoted(r.compr_encryp)));
    if (r.authentication != st_auth::none && r.authentication != st_auth::basic)
        return tl::unexpected(fmt::format(
            "{} authentication: must be N (public) or B (Basic); rovers cannot use D", rec));
    return {};
}

tl::expected<void, std::string> validate(const cas_record& r)
{
    const std::string rec = "CAS " + r.host;
    constexpr auto cap = max_sourcetable_field_length;
    for (auto c :
         {text("CAS", "host", r.host, cap, true), in_range(rec, "port", r.port, 1, 65535),
          text(rec, "identifier", r.identifier, cap, false),
          text(rec, "operator", r.operator_name, cap, false), in_range(rec, "nmea", r.nmea, 0, 1),
          text(rec, "country", r.country, cap, false), position(rec, r.latitude, r.longitude),
          text(rec, "fallback host", r.fallback_host, cap, false),
          in_range(rec, "fallback port", r.fallback_port, 0, 65535),
          text(rec, "misc", r.misc, max_misc_length, false)})
        if (!c)
            return c;
    return {};
}

tl::expected<void, std::string> validate(const net_record& r)
{
    const std::string rec = "NET " + r.identifier;
    constexpr auto cap = max_sourcetable_field_length;
    for (auto c : {text("NET", "identifier", r.identifier, cap, true),
                   text(rec, "operator", r.operator_name, cap, false),
                   text(rec, "web-net", r.web_net, max_url_length, false),
                   text(rec, "web-str", r.web_str, max_url_length, false),
                   text(rec, "web-reg", r.web_reg, max_url_length, false),
                   text(rec, "misc", r.misc, max_misc_length, false)})
        if (!c)
            return c;
    if (r.authentication != st_auth::none && r.authentication != st_auth::basic)
        return tl::unexpected(
            fmt::format("{} authentication: must be N (public) or B (Basic)", rec));
    return {};
}

std::string str_line(const str_record& r)
{
    return fmt::format("STR;{};{};{};{};{};{};{};{};{};{};{};{};{};{};{};{};{};{}", r.mountpoint,
                       r.identifier, r.format, r.format_details, r.carrier, r.nav_system, r.network,
                       r.country, degrees(r.latitude), degrees(r.longitude), r.nmea, r.solution,
                       r.generator, r.compr_encryp, static_cast<char>(r.authentication),
                       yes_no(r.fee), r.bitrate, r.misc);
}

std::string cas_line(const cas_record& r)
{
    return fmt::format("CAS;{};{};{};{};{};{};{};{};{};{};{}", r.host, r.port, r.identifier,
                       r.operator_name, r.nmea, r.country, degrees(r.latitude),
                       degrees(r.longitude), r.fallback_host, r.fallback_port, r.misc);
}

std::string net_line(const net_record& r)
{
    return fmt::format("NET;{};{};{};{};{};{};{};{}", r.identifier, r.operator_name,
                       static_cast<char>(r.authentication), yes_no(r.fee), r.web_net, r.web_str,
                       r.web_reg, r.misc);
}

std::string body(std::span<const str_record> streams, std::span<const cas_record> casters,
                 std::span<const net_record> networks)
{
    std::string out;
    auto line = [&out](const std::string& l) {
        out += l;
        out += "\r\n";
    };
    for (const auto& c : casters)
        line(cas_line(c));
    for (const auto& n : networks)
        line(net_line(n));
    for (const auto& s : streams)
        line(str_line(s));
    out += end_sourcetable;
    return out;
}

namespace {

// STR field names, index 0 = field 2 (the mountpoint), for error messages and caps.
struct str_field
{
    const char* name;
    std::size_t cap;
};
constexpr str_field str_fields[] = {
    {"mountpoint", max_str_mountpoint_length},
    {"identifier", max_sourcetable_field_length},
    {"format", max_sourcetable_field_length},
    {"format-details", max_format_details_length},
    {"carrier", max_sourcetable_field_length},
    {"nav-system", max_sourcetable_field_length},
    {"network", max_sourcetable_field_length},
    {"country", max_sourcetable_field_length},
    {"latitude", max_sourcetable_field_length},
    {"longitude", max_sourcetable_field_length},
    {"nmea", max_sourcetable_field_length},
    {"solution", max_sourcetable_field_length},
    {"generator", max_sourcetable_field_length},
    {"compr-encryp", max_sourcetable_field_length},
    {"authentication", max_sourcetable_field_length},
    {"fee", max_sourcetable_field_length},
    {"bitrate", max_sourcetable_field_length},
    {"misc", max_misc_length},
};
static_assert(std::size(str_fields) + 1 == str_field_count);

// Digits only, at most 9 (no overflow), within lo..hi.
std::optional<int> parse_int(std::string_view v, int lo, int hi)
{
    if (v.empty() || v.size() > 9)
        return std::nullopt;
    int n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n < lo || n > hi)
        return std::nullopt;
    return n;
}

// -?D{1,3}(.D{1,12})? within lo..hi: no exponent, inf, nan, '+' or spaces.
std::optional<double> parse_degrees(std::string_view v, double lo, double hi)
{
    constexpr std::size_t max_int_digits = 3;
    constexpr std::size_t max_decimals = 12;
    std::size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
    std::size_t int_digits = 0, decimals = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
        ++i;
        ++int_digits;
    }
    if (i < v.size() && v[i] == '.') {
        ++i;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
            ++i;
            ++decimals;
        }
        if (decimals == 0)
            return std::nullopt;
    }
    if (i != v.size() || int_digits == 0 || int_digits > max_int_digits || decimals > max_decimals)
        return std::nullopt;
    double d = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec != std::errc{} || end != v.data() + v.size() || d < lo || d > hi)
        return std::nullopt;
    return d;
}

std::optional<st_auth> parse_auth(std::string_view v)
{
    if (v.size() != 1)
        return std::nullopt;
    switch (v[0]) {
    case 'N':
    case 'n':
        return st_auth::none;
    case 'B':
    case 'b':
        return st_auth::basic;
    case 'D':
    case 'd':
        return st_auth::digest;
    }
    return std::nullopt;
}

std::optional<bool> parse_fee(std::string_view v)
{
    if (iequals(v, "Y"))
        return true;
    if (iequals(v, "N"))
        return false;
    return std::nullopt;
}

} // namespace

tl::expected<str_record, std::string> parse_str(std::string_view line)
{
    constexpr std::string_view tag = "STR;";
    if (line.size() > max_str_line_length)
        return tl::unexpected(
            fmt::format("STR line: longer than {} characters", max_str_line_length));
    if (line.substr(0, tag.size()) != tag)
        return tl::unexpected(fmt::format("STR line {}: must start with \"STR;\"", quoted(line)));
    // One more than needed, to see a trailing ';' and to stop early on long lines.
    std::vector<std::string_view> f;
    std::string_view rest = line.substr(tag.size());
    while (f.size() <= std::size(str_fields)) {
        auto semi = rest.find(';');
        f.push_back(rest.substr(0, semi));
        if (semi == std::string_view::npos)
            break;
        rest.remove_prefix(semi + 1);
        if (f.size() > std::size(str_fields))
            return tl::unexpected(fmt::format("STR line: more than {} fields", str_field_count));
    }
    if (f.size() == std::size(str_fields) + 1 && f.back().empty())
        f.pop_back(); // "...;misc;": a trailing separator some casters write
    if (f.size() != std::size(str_fields))
        return tl::unexpected(
            fmt::format("STR line: {} fields, expected {}", f.size() + 1, str_field_count));

    for (std::size_t i = 0; i < f.size(); ++i) {
        std::string name = fmt::format("field {} ({})", i + 2, str_fields[i].name);
        if (auto c = text("STR", name, f[i], str_fields[i].cap, false); !c)
            return tl::unexpected(c.error());
    }
    auto bad = [&](std::size_t i, std::string_view expected) {
        return tl::unexpected(fmt::format("STR field {} ({}) {}: expected {}", i + 2,
                                          str_fields[i].name, quoted(f[i]), expected));
    };
    if (!valid_mountpoint_name(f[0]))
        return bad(0, fmt::format("[A-Za-z0-9_-]{{1,{}}}", max_str_mountpoint_length));

    str_record r;
    r.mountpoint = f[0];
    r.identifier = f[1];
    r.format = f[2];
    r.format_details = f[3];
    auto carrier = parse_int(f[4], 0, 2);
    if (!carrier)
        return bad(4, "0, 1 or 2");
    r.carrier = *carrier;
    r.nav_system = f[5];
    r.network = f[6];
    r.country = f[7];
    auto lat = parse_degrees(f[8], -max_abs_latitude_deg, max_abs_latitude_deg);
    if (!lat)
        return bad(8, "decimal degrees -90..90");
    r.latitude = *lat;
    auto lon = parse_degrees(f[9], min_longitude_deg, max_longitude_deg);
    if (!lon)
        return bad(9, "decimal degrees -180..360");
    r.longitude = *lon;
    auto nmea = parse_int(f[10], 0, 1);
    if (!nmea)
        return bad(10, "0 or 1");
    r.nmea = *nmea;
    auto solution = parse_int(f[11], 0, 1);
    if (!solution)
        return bad(11, "0 or 1");
    r.solution = *solution;
    r.generator = f[12];
    r.compr_encryp = f[13];
    auto auth = parse_auth(f[14]);
    if (!auth)
        return bad(14, "N, B or D");
    r.authentication = *auth;
    auto fee = parse_fee(f[15]);
    if (!fee)
        return bad(15, "N or Y");
    r.fee = *fee;
    auto bitrate = parse_int(f[16], 0, max_bitrate);
    if (!bitrate)
        return bad(16, fmt::format("an integer 0..{}", max_bitrate));
    r.bitrate = *bitrate;
    r.misc = f[17];
    return r;
}

} // namespace ntrip
