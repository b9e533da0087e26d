// SPDX-License-Identifier: GPL-3.0-or-later
// NMEA 0183 sentences: framing with the XOR checksum, and a strict GGA codec shared by
// the receiver path, the simulator and the caster (rover GGA is untrusted input).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gnss::nmea {

// Longest GGA line accepted, "$" to LF included. NMEA 0183 says 82; rovers send up to 128
// (high-precision positions), see NTRIP-COMPAT.md.
constexpr std::size_t max_gga_length = 128;
// Value ranges a GGA field may take; anything outside is refused, not clamped.
constexpr std::uint32_t ms_per_day = 86'400'000;
constexpr int max_fix_quality = 8; // 0 invalid .. 8 simulation
constexpr int max_satellites = 99; // two digits
constexpr double max_hdop = 99.99; // receivers report 99.99 for "unknown"
constexpr double min_altitude_m = -1'000.0;
constexpr double max_altitude_m = 100'000.0;
constexpr double max_geoid_separation_m = 200.0; // the real geoid stays within +-110 m
constexpr double max_age_s = 9'999.9;
constexpr int max_station = 4095; // RTCM reference station ids are 12 bits

// Wraps a sentence body ("GNGGA,...") as "$" body "*HH\r\n".
std::string make_sentence(std::string_view body);

// Field formats shared by the sentences Cairn writes: "hhmmss.ss" (milliseconds when
// needed) and "ddmm.mmmmmmm,N" / "dddmm.mmmmmmm,E" (7 decimal minutes, 0.2 mm).
std::string time_field(std::uint32_t time_ms);
std::string latitude_field(double deg);
std::string longitude_field(double deg);

// Sentence type without its talker ("$GNGGA,..." -> "GGA"); proprietary sentences keep
// their whole address ("$PUBX,..." -> "PUBX"). Checks only the shape of the address, not
// the checksum: it classifies, parse_* functions verify.
std::optional<std::string> sentence_type(std::string_view line);

// True for the talkers of GNSS receivers (GP, GN, GL, GA, GB, GQ, GI, BD).
bool known_talker(std::string_view talker);

// GGA: time, position and fix data.
struct gga
{
    std::string talker = "GN";
    std::uint32_t time_ms = 0; // UTC since midnight
    double lat_deg = 0;        // north positive
    double lon_deg = 0;        // east positive
    int fix_quality = 0;       // 0 invalid, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, ...
    int satellites = 0;
    double hdop = 0;
    double altitude_m = 0;         // above mean sea level
    double geoid_separation_m = 0; // geoid above the ellipsoid
    std::optional<double> age_s;   // age of differential corrections
    std::optional<int> station;    // differential reference station id
};

// Whole sentence, "$" to CR LF. Time with centiseconds (milliseconds when needed),
// positions with 7 decimal minutes (0.2 mm), heights with millimetres.
std::string encode_gga(const gga& g);

// Strict: the checksum must match, any known talker, exactly 14 fields, every field in
// range, at most max_gga_length bytes. The line may end in CR LF, LF or nothing (an
// Ntrip-GGA header value). Sentences without time or position (no fix yet) are refused.
std::optional<gga> parse_gga(std::string_view line);

} // namespace gnss::nmea
