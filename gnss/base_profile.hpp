// SPDX-License-Identifier: GPL-3.0-or-later
// Base-station profiles (fixed position or survey-in, RTCM MSM set, monitoring) turned into
// the CFG-VALSET key/values a ZED-F9P needs.
#pragma once

#include "gnss/geodesy.hpp"
#include "gnss/ubx_cfg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

namespace gnss::ubx {

enum class base_mode : std::uint8_t
{
    fixed,    // "base-fixed": the position comes from the configuration
    survey_in // "survey-in": the receiver averages its own position first
};
enum class msm_kind : std::uint8_t
{
    msm4, // 1074/1084/1094/1124: pseudorange, phase, CNR
    msm7  // 1077/1087/1097/1127: adds Doppler and full resolution
};

const char* to_string(base_mode m);                           // "base-fixed", "survey-in"
std::optional<base_mode> parse_base_mode(std::string_view s); // exact names above
const char* to_string(msm_kind k);                            // "msm4", "msm7"
std::optional<msm_kind> parse_msm_kind(std::string_view s);   // exact names above

struct fixed_ecef
{
    double x_m = 0, y_m = 0, z_m = 0;
};
struct fixed_llh
{
    double lat_deg = 0, lon_deg = 0;
    double height_m = 0; // WGS84 ellipsoidal height, not above sea level
};
using fixed_position = std::variant<fixed_ecef, fixed_llh>;

// Limits a profile is checked against (names are what the error messages cite). The
// height and ECEF-radius bands are geodesy's (gnss::min_height_m, gnss::min_ecef_radius_m).
// Accuracies travel in 0.1 mm units (U4); beyond 100 m a base is useless for RTK anyway.
constexpr double max_accuracy_m = 100.0;
// Survey-in minimum duration: a week is far beyond any sensible survey.
constexpr std::uint32_t max_svin_min_duration_s = 7 * 24 * 3600;
// CFG-MSGOUT rates are U1 "every N navigation epochs"; 0 would switch the message off.
constexpr std::uint32_t max_message_interval_s = 255;

struct base_profile
{
    // Survey-in until the mean is within 2 m and at least 60 s have passed: a clear sky
    // reaches 2 m in a few minutes; a tighter limit can keep a poor site surveying forever.
    static constexpr std::uint32_t default_svin_min_duration_s = 60;
    static constexpr double default_svin_accuracy_limit_m = 2.0;
    // A PPP-processed or surveyed position is typically good to a few centimetres.
    static constexpr double default_fixed_accuracy_m = 0.05;
    // Station position (1005) and GLONASS biases (1230) rarely change: every 10 s, as
    // RTKBase sends 1005(10); rovers need both before they can fix.
    static constexpr std::uint32_t default_station_interval_s = 10;
    static constexpr std::uint32_t default_interval_1230_s = 10;

    base_mode mode = base_mode::survey_in;
    fixed_position position = fixed_ecef{}; // used only in base_mode::fixed
    double fixed_accuracy_m = default_fixed_accuracy_m;
    std::uint32_t svin_min_duration_s = default_svin_min_duration_s;
    double svin_accuracy_limit_m = default_svin_accuracy_limit_m;
    msm_kind msm = msm_kind::msm7; // full-resolution observations; MSM4 saves ~40% radio
    // 1005 every N s (1..255). The measurement rate is fixed at 1 Hz, so N epochs = N s.
    std::uint32_t station_interval_s = default_station_interval_s;
    std::uint32_t interval_1230_s = default_interval_1230_s; // 1..255 s
    bool monitoring = true; // UBX NAV-PVT, NAV-SAT, NAV-SIG, NAV-SVIN at 1 Hz
};

// A coordinate split into the standard CFG-TMODE field and its high-precision part:
// value = standard + hp / 100 in the standard unit, hp in -99..99 with the sign of the value.
struct hp_parts
{
    std::int32_t standard = 0;
    std::int8_t hp = 0;
    bool operator==(const hp_parts&) const = default;
};
// hp_units_per_unit: 1e4 for metres (cm + 0.1 mm), 1e9 for degrees (1e-7 + 1e-9 deg).
// Rounds to the nearest hp unit; nullopt if not finite or the standard part overflows I4.
std::optional<hp_parts> split_hp(double value, double hp_units_per_unit);

// Every key/value the profile needs, for both UART1 and USB outputs (Cairn does not know
// which port is wired): TMODE, RTCM MSM/1005/1230 rates, 4072_0 off, NAV monitoring, output
// protocols, 1 Hz measurement rate, stationary dynamic model. TMODE-MODE comes last so a
// key-by-key retry sets the position before the mode that needs it.
// Errors name the field and the allowed range.
tl::expected<std::vector<cfg_value>, std::string> profile_values(const base_profile& p);

} // namespace gnss::ubx
