// SPDX-License-Identifier: GPL-3.0-or-later
// NTRIP sourcetable: STR, CAS and NET records, their config-time validation, the body
// writer ("...ENDSOURCETABLE\r\n") and a strict STR line parser (SOURCE "STR:" header).
#pragma once

#include <tl/expected.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ntrip {

// ---- Limits -----------------------------------------------------------------------------
// Mountpoints are case-sensitive [A-Za-z0-9_-]{1,100} (NTRIP-COMPAT.md).
inline constexpr std::size_t max_str_mountpoint_length = 100;
// Short text fields (identifier, format, nav-system, network, country, generator,
// compr-encryp, CAS host, CAS/NET names).
inline constexpr std::size_t max_sourcetable_field_length = 100;
// Message list like "1005(10),1077(1),..." and free text.
inline constexpr std::size_t max_format_details_length = 300;
inline constexpr std::size_t max_misc_length = 300;
// NET web-net, web-str and web-reg (URLs or mail addresses).
inline constexpr std::size_t max_url_length = 300;
// One STR line without CR LF; gpsd reads the table in 8 KiB buffers and drops longer lines.
inline constexpr std::size_t max_str_line_length = 2048;
// Bits per second; RTCM3 streams are 1-10 kbit/s.
inline constexpr int max_bitrate = 100'000'000;
// Degrees. Some tables write east longitudes as 0..360, so both ranges are accepted.
inline constexpr double min_longitude_deg = -180.0;
inline constexpr double max_longitude_deg = 360.0;
inline constexpr double max_abs_latitude_deg = 90.0;

// STR/NET authentication letter. gpsd 3.22 sends no credentials for N and gives up on D.
enum class st_auth : char
{
    none = 'N',
    basic = 'B',
    digest = 'D'
};

// One stream, written as the 19 fields
// STR;mountpoint;identifier;format;format-details;carrier;nav-system;network;country;
// latitude;longitude;nmea;solution;generator;compr-encryp;authentication;fee;bitrate;misc
// Defaults suit one Cairn base; identifier, nav-system, country and position have none
// on purpose and validate() refuses the record until they are set.
struct str_record
{
    std::string mountpoint;
    std::string identifier;          // place, e.g. "Graz"
    std::string format = "RTCM 3.3"; // gpsd 3.22 knows "RTCM 3".."RTCM 3.3" only
    std::string format_details;      // "1005(10),1077(1),1087(1)"
    int carrier = 2;                 // 0 none, 1 L1, 2 L1+L2
    std::string nav_system;          // "GPS+GLO+GAL+BDS"
    std::string network;             // free text
    std::string country;             // ISO 3166 alpha-3, "AUT"
    double latitude = 0;             // degrees north, written with 2 decimals
    double longitude = 0;            // degrees east, written with 2 decimals
    int nmea = 0;                    // 1 when the stream needs the rover's GGA
    int solution = 0;                // 0 single base, 1 network
    std::string generator = "Cairn"; // hardware or software producing the stream
    std::string compr_encryp = "none";
    st_auth authentication = st_auth::basic; // N only for public mountpoints
    bool fee = false;                        // written Y / N
    int bitrate = 0;                         // bits per second
    std::string misc;

    bool operator==(const str_record&) const = default;
};

// One caster: the 12 fields
// CAS;host;port;identifier;operator;nmea;country;latitude;longitude;fallback-host;
// fallback-port;misc
struct cas_record
{
    std::string host;
    int port = 2101;
    std::string identifier;
    std::string operator_name; // "operator" is a keyword
    int nmea = 0;              // 1 when the caster accepts GGA from rovers
    std::string country;
    double latitude = 0;
    double longitude = 0;
    std::string fallback_host = "0.0.0.0"; // the customary "none"
    int fallback_port = 0;
    std::string misc;

    bool operator==(const cas_record&) const = default;
};

// One network: the 9 fields
// NET;identifier;operator;authentication;fee;web-net;web-str;web-reg;misc
struct net_record
{
    std::string identifier;
    std::string operator_name;
    st_auth authentication = st_auth::basic;
    bool fee = false;
    std::string web_net; // network information URL
    std::string web_str; // stream information URL
    std::string web_reg; // registration URL or address
    std::string misc;

    bool operator==(const net_record&) const = default;
};

// Field counts of each record type, the type tag included.
inline constexpr std::size_t str_field_count = 19;
inline constexpr std::size_t cas_field_count = 12;
inline constexpr std::size_t net_field_count = 9;

// The last line of every sourcetable; Content-Length counts it.
inline constexpr std::string_view end_sourcetable = "ENDSOURCETABLE\r\n";

// ---- Validation (config time) -----------------------------------------------------------
// Values are printable ASCII without ';' (no CR, LF or other control characters), within
// the length caps; numbers in range. The message names the record and the field.

// Also refuses a near-empty STR (it breaks Lefebure and SW Maps): identifier, format,
// nav-system and country (3 capital letters) must be set, and the position must not be
// (0, 0); compr-encryp must be "none" and authentication N or B (what gpsd reads).
tl::expected<void, std::string> validate(const str_record& r);
tl::expected<void, std::string> validate(const cas_record& r);
tl::expected<void, std::string> validate(const net_record& r);

// True for [A-Za-z0-9_-]{1,100}.
bool valid_mountpoint_name(std::string_view name);

// ---- Writer -----------------------------------------------------------------------------
// Lines without CR LF. Records must have passed validate(): the writer does not check.
std::string str_line(const str_record& r);
std::string cas_line(const cas_record& r);
std::string net_line(const net_record& r);

// The whole body: CAS lines, NET lines, STR lines, each ended by CR LF, then
// ENDSOURCETABLE CR LF. Its size() is the Content-Length.
std::string body(std::span<const str_record> streams, std::span<const cas_record> casters = {},
                 std::span<const net_record> networks = {});

// ---- Parser -----------------------------------------------------------------------------
// A strict STR line, "STR;" and 19 fields, without CR LF: the characters and caps of
// validate(), a valid mountpoint, integer carrier (0-2), nmea and solution (0-1), bitrate,
// decimal latitude/longitude in range, authentication N/B/D and fee N/Y (either case).
// Empty text fields are accepted (validate() is the policy). One extra empty field, from
// a trailing ';' that some casters write, is tolerated.
tl::expected<str_record, std::string> parse_str(std::string_view line);

} // namespace ntrip
