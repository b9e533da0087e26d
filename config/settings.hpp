// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's immutable settings, their defaults, and the checks on single values.
#pragma once

#include "config/message_list.hpp"
#include "config/serial_settings.hpp"

#include <tl/expected.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace config {

// PATH_MAX on Linux: no device or directory path may be longer.
inline constexpr std::size_t max_path_chars = 4096;

// The levels log_level accepts, most verbose first (syslog names, as journald shows them).
inline constexpr std::array<std::string_view, 5> log_levels{"debug", "info", "notice", "warning",
                                                            "error"};

// What cairnd makes of the receiver at start and after every reconnect (a receiver that
// lost power forgets what was not saved).
enum class receiver_profile
{
    none,       // never write to the receiver (configure it with cairnctl, or elsewhere)
    base_fixed, // a base at [station] position
    survey_in,  // survey the position first
};

// Observation messages the receiver sends: MSM4 (smaller) or MSM7 (full resolution).
enum class msm_set
{
    msm4,
    msm7,
};

struct receiver_settings
{
    // The receiver's own output rates are per 1 Hz epoch in one unsigned byte.
    static constexpr std::int64_t max_message_interval_s = 255;
    static constexpr std::chrono::milliseconds min_survey_duration = std::chrono::seconds{1};
    static constexpr std::chrono::milliseconds max_survey_duration = std::chrono::days{7};
    static constexpr double min_survey_accuracy_m = 0.001; // below an F9P's 0.1 mm unit x 10
    static constexpr double max_survey_accuracy_m = 100;

    std::string device = "auto"; // "auto": the first u-blox port found
    serial_settings serial;
    std::chrono::milliseconds stale_after{5000}; // no frame for this long: receiver is stale
    receiver_profile profile = receiver_profile::none;
    bool save = false; // after verifying, also store the profile in BBR and Flash
    msm_set msm = msm_set::msm7;
    std::uint32_t station_interval_s = 10; // the receiver's own 1005
    std::uint32_t interval_1230_s = 10;    // GLONASS code-phase biases
    std::chrono::milliseconds survey_min_duration = std::chrono::minutes{2};
    double survey_accuracy_m = 2.0;
    // When a survey-in completes: switch the receiver to base-fixed at the surveyed mean.
    bool fixed_after_survey = true;

    bool operator==(const receiver_settings&) const = default;
};

// A configured antenna position: RTKBase's "lat lon height" (degrees, WGS84 ellipsoidal
// metres) or ECEF metres. The loader checks ranges; gnss::geodesy converts.
struct station_position
{
    enum class frame_kind
    {
        llh,
        ecef
    };
    frame_kind frame = frame_kind::llh;
    double a = 0, b = 0, c = 0; // lat, lon, height or x, y, z

    bool operator==(const station_position&) const = default;
};

// RTKBase's antenna text "descriptor[,serial[,setup]]" (RTCM 1008/1033).
struct antenna_settings
{
    static constexpr std::size_t max_descriptor_chars = 31; // RTCM3 string counter limit
    static constexpr std::int64_t max_setup_id = 255;
    std::string descriptor;
    std::string serial;
    std::uint8_t setup_id = 0;

    bool operator==(const antenna_settings&) const = default;
};

// Whose 1005/1006 goes out: the receiver's own, or Cairn's from [station].
enum class arp_source
{
    receiver,
    cairn,
};

// [station]: what the station says about itself in RTCM (1005/1006/1008/1033).
struct station_settings
{
    static constexpr std::int64_t max_station_id = 4095;   // 12 bits
    static constexpr double max_antenna_height_m = 6.5535; // 16 bits of 0.1 mm in 1006
    static constexpr std::chrono::milliseconds min_interval = std::chrono::seconds{1};
    static constexpr std::chrono::milliseconds max_interval = std::chrono::hours{1};

    std::uint16_t station_id = 0; // RTKBase sends 0
    std::optional<station_position> position;
    double antenna_height_m = 0; // above the marker; > 0 makes Cairn send 1006, not 1005
    std::optional<antenna_settings> antenna;
    // 1033's receiver strings; empty: what MON-VER reported (model, firmware).
    std::string receiver_type, receiver_firmware, receiver_serial;
    arp_source arp = arp_source::receiver;
    std::chrono::milliseconds interval = std::chrono::seconds{10}; // Cairn's station messages

    bool operator==(const station_settings&) const = default;
};

struct daemon_settings
{
    std::string state_dir = "/var/lib/cairn";
    std::string runtime_dir = "/run/cairn";
    std::string log_level = "info";

    bool operator==(const daemon_settings&) const = default;
};

// [limits]: what one client, address or user may cost us. auth::rate_limiter enforces
// these; auth::limits_from(config) converts, and a test checks both agree on defaults.
struct limits_settings
{
    // Allowed ranges: a value outside is a config error naming the key.
    static constexpr double min_connections_per_second = 0.001; // one per ~17 min
    static constexpr double max_connections_per_second = 100000;
    static constexpr std::int64_t max_connection_burst = 100000;
    static constexpr std::int64_t max_max_connections = 1 << 20;
    static constexpr std::int64_t max_auth_failures_before_lockout = 1000;
    static constexpr std::chrono::milliseconds min_lockout = std::chrono::seconds{1};
    static constexpr std::chrono::milliseconds max_lockout = std::chrono::days{30};
    static constexpr std::chrono::milliseconds min_failure_window = std::chrono::seconds{1};
    static constexpr std::chrono::milliseconds max_failure_window = std::chrono::days{1};
    static constexpr std::int64_t min_tracked = 16;      // fewer makes per-address limits moot
    static constexpr std::int64_t max_tracked = 1 << 22; // ~150 bytes each: 600 MB at most
    static constexpr std::int64_t max_default_max_sessions = 1000;
    static constexpr std::int64_t min_ipv6_prefix_length = 32; // a /32 is a whole ISP
    static constexpr std::int64_t max_ipv6_prefix_length = 128;

    // New connections per source address: a token bucket refilled at this rate...
    double connections_per_second = 5;
    // ...holding this many, so a rover reconnecting a few times at once is not refused.
    std::uint32_t connection_burst = 20;
    // Open client connections in total (cairnd.service has LimitNOFILE=65536).
    std::uint32_t max_connections = 10000;
    // Failed authentications, per source address and per user, that start a lockout.
    std::uint32_t auth_failures_before_lockout = 5;
    // The first lockout; each further one doubles, up to lockout_max.
    std::chrono::milliseconds lockout_initial = std::chrono::minutes{1};
    std::chrono::milliseconds lockout_max = std::chrono::hours{1};
    // Failures older than this (counted from the first in a series) are forgotten.
    std::chrono::milliseconds failure_window = std::chrono::minutes{15};
    // Addresses and user names remembered; past this the least recently seen is forgotten.
    std::uint32_t max_tracked_addresses = 65536;
    std::uint32_t max_tracked_users = 16384;
    // Concurrent sessions a new token allows unless created with its own number.
    std::uint32_t default_max_sessions = 2;
    // IPv6 clients are limited per prefix of this length: one host usually holds a /64.
    std::uint32_t ipv6_prefix_length = 64;

    bool operator==(const limits_settings&) const = default;
};

// [audit]: the audit writer's queue and the checkpoints it sends to the journal.
struct audit_settings
{
    static constexpr std::int64_t min_queue_capacity = 16;
    static constexpr std::int64_t max_queue_capacity = 1 << 20;
    static constexpr std::int64_t max_checkpoint_every = 1000000;
    static constexpr std::chrono::milliseconds min_checkpoint_interval = std::chrono::seconds{1};
    static constexpr std::chrono::milliseconds max_checkpoint_interval = std::chrono::days{1};

    // Events waiting to be written; when full, new access is refused (no audit, no access).
    std::uint32_t queue_capacity = 4096;
    // A checkpoint (sequence, MAC) goes to the journal after this many rows...
    std::uint32_t checkpoint_every = 100;
    // ...or after this long with at least one new row, whichever comes first.
    std::chrono::milliseconds checkpoint_interval = std::chrono::minutes{5};

    bool operator==(const audit_settings&) const = default;
};

// ---- [caster] ----
// Sourcetable text (NTRIP-COMPAT.md): printable ASCII without ';'. The caps match
// ntrip/sourcetable.hpp (max_sourcetable_field_length and friends), so every mountpoint
// the loader accepts also passes ntrip::validate().
inline constexpr std::size_t max_str_text_chars = 100;      // identifier, network, ...
inline constexpr std::size_t max_str_long_text_chars = 300; // format_details, misc
inline constexpr std::size_t max_mountpoint_name_chars = 100;
inline constexpr std::int64_t max_str_bitrate = 100'000'000;
// A DNS name (RFC 1035): at most 253 characters in labels of at most 63.
inline constexpr std::size_t max_dns_name_chars = 253;
inline constexpr std::size_t max_dns_label_chars = 63;

// One [[caster.listener]]: a TCP port the caster accepts NTRIP clients and sources on.
struct listener_settings
{
    static constexpr std::size_t max_names = 16; // SAN names for a generated certificate

    std::string address = "0.0.0.0"; // an IP literal, stored as inet_ntop() writes it
    std::uint16_t port = 2101;       // required in the file
    bool tls = false;
    std::optional<bool> chunked; // empty: caster_settings::chunked
    // TLS only. Both empty: a self-signed certificate is generated, valid for names.
    std::string certificate;
    std::string key;
    std::vector<std::string> names;

    bool operator==(const listener_settings&) const = default;
};

// Where a mountpoint's stream comes from.
enum class mountpoint_source
{
    receiver, // the local receiver (ZED-F9P)
    remote,   // a remote NTRIP server publishing into us (SOURCE / POST)
};

// One [[caster.mountpoint]] and its sourcetable (STR) fields. The defaults keep a STR
// line from being near-empty (it breaks Lefebure and SW Maps); parse() sets identifier
// to the name when the file has none, and requires latitude and longitude.
struct mountpoint_settings
{
    std::string name; // [A-Za-z0-9_-]{1,100}, case-sensitive, unique
    mountpoint_source source = mountpoint_source::receiver;
    bool is_public = false; // key "public": reading needs no credential (publishing still does)
    std::string identifier; // place; parse() defaults it to name
    std::string country = "XXX";                // ISO 3166 alpha-3; "XXX" (ICAO 9303: unspecified)
    double latitude = 0;                        // degrees north, -90..90
    double longitude = 0;                       // degrees east, -180..180
    std::string nav_system = "GPS+GLO+GAL+BDS"; // what a ZED-F9P tracks
    std::string network = "Cairn";
    std::uint8_t carrier = 2; // 0 none, 1 L1, 2 L1+L2
    std::string format_details;
    std::uint32_t bitrate = 0; // bits per second; 0 is "unknown"
    std::string misc;
    // RTKBase message list ("1005(10),1077,1230(5)"); empty: every frame, unchanged.
    std::optional<message_list> messages;

    bool operator==(const mountpoint_settings&) const = default;
};

// [caster]: the NTRIP caster's own settings, its listeners and its mountpoints. With no
// [caster] in the file there are no listeners and no mountpoints.
struct caster_settings
{
    static constexpr std::size_t max_server_name_chars = max_str_text_chars;
    static constexpr std::chrono::milliseconds min_header_timeout = std::chrono::seconds{1};
    static constexpr std::chrono::milliseconds max_header_timeout = std::chrono::minutes{5};
    static constexpr std::chrono::milliseconds min_idle_timeout = std::chrono::seconds{1};
    static constexpr std::chrono::milliseconds max_idle_timeout = std::chrono::hours{1};
    static constexpr std::int64_t min_client_queue_bytes = 4 * 1024;
    static constexpr std::int64_t max_client_queue_bytes = 16 * 1024 * 1024;
    static constexpr std::chrono::milliseconds min_client_queue_age{100};
    static constexpr std::chrono::milliseconds max_client_queue_age = std::chrono::seconds{60};
    static constexpr std::int64_t max_listen_backlog = 65535;
    static constexpr std::size_t max_listeners = 64;
    static constexpr std::size_t max_mountpoints = 1000;
    static constexpr std::int64_t max_fanout_threads = 8;

    std::string server_name = "cairn"; // Server header and sourcetable; printable, no ';'
    bool chunked = true;               // v2 replies, unless a listener says otherwise
    std::chrono::milliseconds header_timeout = std::chrono::seconds{10};
    std::chrono::milliseconds idle_timeout = std::chrono::seconds{60};    // silent source: closed
    std::uint32_t client_queue_bytes = 256 * 1024;                        // per client
    std::chrono::milliseconds client_queue_age = std::chrono::seconds{5}; // then slow_consumer
    std::uint32_t listen_backlog = 4096;
    // Threads sending to rovers, the event loop's included; more than the cores are not used.
    std::uint32_t fanout_threads = 2;
    std::vector<listener_settings> listeners;
    std::vector<mountpoint_settings> mountpoints;

    // Whether v2 replies on l are chunked: its own switch, else the caster's.
    bool chunked_for(const listener_settings& l) const { return l.chunked.value_or(chunked); }

    bool operator==(const caster_settings&) const = default;
};

struct settings
{
    receiver_settings receiver;
    daemon_settings daemon;
    limits_settings limits;
    audit_settings audit;
    caster_settings caster;
    station_settings station;
    std::string source; // where these came from: the file name given to parse()
    // Problems that do not stop start-up ("FILE:LINE: KEY: message"); cairnd logs them.
    std::vector<std::string> warnings;

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

// Sourcetable text of at most max_chars: printable ASCII (0x20-0x7e) without ';'.
// Empty is allowed; callers that need a value check that themselves.
tl::expected<void, std::string> check_sourcetable_text(std::string_view value,
                                                       std::size_t max_chars);

// A mountpoint name: [A-Za-z0-9_-]{1,100}.
tl::expected<void, std::string> check_mountpoint_name(std::string_view value);

// An ISO 3166 alpha-3 country code: three capital letters.
tl::expected<void, std::string> check_country(std::string_view value);

// An IPv4 or IPv6 literal (no host names, no zone) -> the form inet_ntop() writes, so
// "0:0::0" and "::" compare equal.
tl::expected<std::string, std::string> canonical_ip_address(std::string_view value);

// A name for a certificate's subjectAltName: a DNS name (letters, digits, '-' and '.')
// or an IP literal.
tl::expected<void, std::string> check_certificate_name(std::string_view value);

// "receiver" or "remote", and back.
std::string_view to_string(receiver_profile p); // "none", "base-fixed", "survey-in"
std::optional<receiver_profile> parse_receiver_profile(std::string_view text);
std::string_view to_string(msm_set m); // "msm4", "msm7"
std::optional<msm_set> parse_msm_set(std::string_view text);
std::string_view to_string(arp_source a); // "receiver", "cairn"
std::optional<arp_source> parse_arp_source(std::string_view text);
std::string_view to_string(mountpoint_source source);
std::optional<mountpoint_source> parse_mountpoint_source(std::string_view text);

} // namespace config
