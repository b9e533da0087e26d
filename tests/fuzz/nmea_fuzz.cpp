// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the NMEA parsers: parse_gga and sentence_type on the input cut
// into lines at points the input chooses, and once more with its checksum repaired;
// whatever parses must re-encode and re-parse.
#include "gnss/crc.hpp"
#include "gnss/nmea.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

void one_line(std::string_view line)
{
    auto type = gnss::nmea::sentence_type(line);
    if (type)
        check(!type->empty() && type->size() <= line.size());
    auto g = gnss::nmea::parse_gga(line);
    if (!g)
        return;
    // Accepted: within the cap, a GGA, and its checksum really holds.
    check(line.size() <= gnss::nmea::max_gga_length);
    check(type && *type == "GGA");
    std::string_view s = line;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    check(s.size() >= 4 && s[s.size() - 3] == '*');
    check((hex(s[s.size() - 2]) << 4 | hex(s[s.size() - 1])) ==
          gnss::nmea_checksum(s.substr(1, s.size() - 4)));
    check(g->lat_deg >= -90 && g->lat_deg <= 90 && g->lon_deg >= -180 && g->lon_deg <= 180);
    check(g->time_ms < gnss::nmea::ms_per_day);

    // What we write we must read back, to the precision we write.
    auto again = gnss::nmea::parse_gga(gnss::nmea::encode_gga(*g));
    check(again.has_value());
    check(again->talker == g->talker && again->time_ms == g->time_ms);
    check(std::fabs(again->lat_deg - g->lat_deg) < 1e-8);
    check(std::fabs(again->lon_deg - g->lon_deg) < 1e-8);
    check(again->fix_quality == g->fix_quality && again->satellites == g->satellites);
    check(std::fabs(again->hdop - g->hdop) <= 0.0051);
    check(std::fabs(again->altitude_m - g->altitude_m) <= 0.00051);
    check(std::fabs(again->geoid_separation_m - g->geoid_separation_m) <= 0.00051);
    check(again->age_s.has_value() == g->age_s.has_value());
    if (g->age_s)
        check(std::fabs(*again->age_s - *g->age_s) <= 0.051);
    check(again->station == g->station);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The first byte picks how many cut points follow (0-3), each one byte: the rest of
    // the input is parsed as pieces between those points, and also whole.
    std::string_view all(reinterpret_cast<const char*>(data), size);
    std::size_t cuts = all.empty() ? 0 : static_cast<std::uint8_t>(all[0]) % 4;
    if (all.size() < 1 + cuts)
        return 0;
    std::string_view points = all.substr(1, cuts);
    std::string_view text = all.substr(1 + cuts);
    one_line(text);
    std::size_t at = 0;
    for (char p : points) {
        std::size_t next = std::min(text.size(), at + static_cast<std::uint8_t>(p));
        one_line(text.substr(at, next - at));
        at = next;
    }
    one_line(text.substr(at));
    // Again with a correct checksum, so the field checks behind it get explored too.
    if (!text.empty() && text.front() == '$')
        one_line(gnss::nmea::make_sentence(text.substr(1, text.rfind('*') - 1)));
    return 0;
}
