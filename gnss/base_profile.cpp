// SPDX-License-Identifier: GPL-3.0-or-later
// Base-station profile validation and its CFG key/values (ids from the ubx_cfg key table).
#include "gnss/base_profile.hpp"

#include <array>
#include <cmath>
#include <fmt/format.h>

namespace gnss::ubx {
namespace {

// 0.1 mm per metre and 1e-9 deg per degree: the high-precision units of CFG-TMODE.
constexpr double hp_per_metre = 1e4;
constexpr double hp_per_degree = 1e9;

// Every name below is in the key table (tested); the lookup keeps one source of ids.
class value_list
{
public:
    void add(std::string_view key, std::uint64_t v)
    {
        if (const auto* k = find_key(key))
            values_.push_back(cfg_value::of_unsigned(k->id, v));
        else
            missing_ = key;
    }
    void add_signed(std::string_view key, std::int64_t v)
    {
        add(key, static_cast<std::uint64_t>(v));
    }
    // Both output ports Cairn may be wired to.
    void add_ports(std::string_view prefix, std::uint64_t v)
    {
        add(fmt::format("{}_UART1", prefix), v);
        add(fmt::format("{}_USB", prefix), v);
    }
    tl::expected<std::vector<cfg_value>, std::string> take()
    {
        if (!missing_.empty())
            return tl::unexpected(
                fmt::format("internal error: {} is not in the key table", missing_));
        return std::move(values_);
    }

private:
    std::vector<cfg_value> values_;
    std::string missing_;
};

std::string check_accuracy(std::string_view field, double v)
{
    if (!std::isfinite(v) || v <= 0 || v > max_accuracy_m || std::llround(v * hp_per_metre) < 1)
        return fmt::format("{}: {} m is not a valid accuracy (expected 0.0001 to {} m)", field, v,
                           max_accuracy_m);
    return {};
}

std::string check_interval(std::string_view field, std::uint32_t v)
{
    if (v < 1 || v > max_message_interval_s)
        return fmt::format("{}: {} s is out of range (expected 1 to {} s; the receiver counts "
                           "1 Hz epochs in one byte)",
                           field, v, max_message_interval_s);
    return {};
}

std::string check_position(const fixed_position& pos)
{
    if (const auto* e = std::get_if<fixed_ecef>(&pos)) {
        if (!std::isfinite(e->x_m) || !std::isfinite(e->y_m) || !std::isfinite(e->z_m))
            return "position: ECEF x/y/z must be finite numbers in metres";
        const double r = std::sqrt(e->x_m * e->x_m + e->y_m * e->y_m + e->z_m * e->z_m);
        if (r < min_ecef_radius_m || r > max_ecef_radius_m)
            return fmt::format(
                "position: ECEF ({:.4f}, {:.4f}, {:.4f}) m is {:.0f} m from Earth's centre, "
                "not near its surface ({:.0f} to {:.0f} m); are the units metres?",
                e->x_m, e->y_m, e->z_m, r, min_ecef_radius_m, max_ecef_radius_m);
        return {};
    }
    const auto& l = std::get<fixed_llh>(pos);
    if (!std::isfinite(l.lat_deg) || l.lat_deg < -90 || l.lat_deg > 90)
        return fmt::format("position: latitude {} is out of range (expected -90 to 90 degrees)",
                           l.lat_deg);
    if (!std::isfinite(l.lon_deg) || l.lon_deg < -180 || l.lon_deg > 180)
        return fmt::format("position: longitude {} is out of range (expected -180 to 180 degrees)",
                           l.lon_deg);
    if (!std::isfinite(l.height_m) || l.height_m < min_height_m || l.height_m > max_height_m)
        return fmt::format("position: height {} m is out of range (expected {} to {} m above "
                           "the WGS84 ellipsoid)",
                           l.height_m, min_height_m, max_height_m);
    return {};
}

std::string check(const base_profile& p)
{
    std::string e;
    if (p.mode == base_mode::fixed) {
        if (e = check_position(p.position); !e.empty())
            return e;
        if (e = check_accuracy("fixed_accuracy_m", p.fixed_accuracy_m); !e.empty())
            return e;
    } else {
        if (p.svin_min_duration_s < 1 || p.svin_min_duration_s > max_svin_min_duration_s)
            return fmt::format("svin_min_duration_s: {} s is out of range (expected 1 to {} s)",
                               p.svin_min_duration_s, max_svin_min_duration_s);
        if (e = check_accuracy("svin_accuracy_limit_m", p.svin_accuracy_limit_m); !e.empty())
            return e;
    }
    if (e = check_interval("station_interval_s", p.station_interval_s); !e.empty())
        return e;
    return check_interval("interval_1230_s", p.interval_1230_s);
}

// Position keys: POS_TYPE then standard and HP parts. The caller has range-checked, so the
// splits cannot overflow.
void add_position(value_list& out, const fixed_position& pos)
{
    const auto put = [&](std::string_view key, double v, double units) {
        const auto parts = split_hp(v, units).value_or(hp_parts{});
        out.add_signed(key, parts.standard);
        out.add_signed(fmt::format("{}_HP", key), parts.hp);
    };
    if (const auto* e = std::get_if<fixed_ecef>(&pos)) {
        out.add("CFG-TMODE-POS_TYPE", 0);
        put("CFG-TMODE-ECEF_X", e->x_m, hp_per_metre);
        put("CFG-TMODE-ECEF_Y", e->y_m, hp_per_metre);
        put("CFG-TMODE-ECEF_Z", e->z_m, hp_per_metre);
        return;
    }
    const auto& l = std::get<fixed_llh>(pos);
    out.add("CFG-TMODE-POS_TYPE", 1);
    put("CFG-TMODE-LAT", l.lat_deg, hp_per_degree);
    put("CFG-TMODE-LON", l.lon_deg, hp_per_degree);
    put("CFG-TMODE-HEIGHT", l.height_m, hp_per_metre);
}

struct msm_pair
{
    std::string_view msm4, msm7;
};
// GPS, GLONASS, Galileo, BeiDou: the constellations the ZED-F9P tracks and encodes.
constexpr std::array msm_types{
    msm_pair{"CFG-MSGOUT-RTCM_3X_TYPE1074", "CFG-MSGOUT-RTCM_3X_TYPE1077"},
    msm_pair{"CFG-MSGOUT-RTCM_3X_TYPE1084", "CFG-MSGOUT-RTCM_3X_TYPE1087"},
    msm_pair{"CFG-MSGOUT-RTCM_3X_TYPE1094", "CFG-MSGOUT-RTCM_3X_TYPE1097"},
    msm_pair{"CFG-MSGOUT-RTCM_3X_TYPE1124", "CFG-MSGOUT-RTCM_3X_TYPE1127"},
};

constexpr std::array nav_messages{"CFG-MSGOUT-UBX_NAV_PVT", "CFG-MSGOUT-UBX_NAV_SAT",
                                  "CFG-MSGOUT-UBX_NAV_SIG", "CFG-MSGOUT-UBX_NAV_SVIN"};

} // namespace

const char* to_string(base_mode m)
{
    return m == base_mode::fixed ? "base-fixed" : "survey-in";
}

std::optional<base_mode> parse_base_mode(std::string_view s)
{
    if (s == "base-fixed")
        return base_mode::fixed;
    if (s == "survey-in")
        return base_mode::survey_in;
    return std::nullopt;
}

const char* to_string(msm_kind k)
{
    return k == msm_kind::msm4 ? "msm4" : "msm7";
}

std::optional<msm_kind> parse_msm_kind(std::string_view s)
{
    if (s == "msm4")
        return msm_kind::msm4;
    if (s == "msm7")
        return msm_kind::msm7;
    return std::nullopt;
}

std::optional<hp_parts> split_hp(double value, double hp_units_per_unit)
{
    const double scaled = std::round(value * hp_units_per_unit);
    // The standard part is I4: |scaled| / 100 must stay below 2^31.
    constexpr double limit = 2147483647.0 * 100.0;
    if (!std::isfinite(scaled) || std::fabs(scaled) > limit)
        return std::nullopt;
    const auto total = static_cast<std::int64_t>(scaled);
    // C++ division truncates toward zero, so both parts carry the value's sign, as u-blox
    // documents (value = standard + 0.01 x hp).
    return hp_parts{static_cast<std::int32_t>(total / 100), static_cast<std::int8_t>(total % 100)};
}

tl::expected<std::vector<cfg_value>, std::string> profile_values(const base_profile& p)
{
    if (auto e = check(p); !e.empty())
        return tl::unexpected(std::move(e));
    value_list out;
    // Output protocols: UBX for monitoring and configuration replies, RTCM3 for corrections.
    for (const auto* port : {"CFG-UART1OUTPROT", "CFG-USBOUTPROT"}) {
        out.add(fmt::format("{}-UBX", port), 1);
        out.add(fmt::format("{}-RTCM3X", port), 1);
    }
    // 1 Hz measurements, one solution per measurement: MSGOUT rates become seconds.
    out.add("CFG-RATE-MEAS", 1000);
    out.add("CFG-RATE-NAV", 1);
    out.add("CFG-NAVSPG-DYNMODEL", 2); // stationary
    for (const auto& t : msm_types) {
        out.add_ports(t.msm4, p.msm == msm_kind::msm4 ? 1 : 0);
        out.add_ports(t.msm7, p.msm == msm_kind::msm7 ? 1 : 0);
    }
    out.add_ports("CFG-MSGOUT-RTCM_3X_TYPE1005", p.station_interval_s);
    out.add_ports("CFG-MSGOUT-RTCM_3X_TYPE1230", p.interval_1230_s);
    out.add_ports("CFG-MSGOUT-RTCM_3X_TYPE4072_0", 0); // moving-base data: not for a static base
    for (const auto* nav : nav_messages)
        out.add_ports(nav, p.monitoring ? 1 : 0);
    if (p.mode == base_mode::fixed) {
        add_position(out, p.position);
        out.add("CFG-TMODE-FIXED_POS_ACC",
                static_cast<std::uint64_t>(std::llround(p.fixed_accuracy_m * hp_per_metre)));
        out.add("CFG-TMODE-MODE", 2);
    } else {
        out.add("CFG-TMODE-SVIN_MIN_DUR", p.svin_min_duration_s);
        out.add("CFG-TMODE-SVIN_ACC_LIMIT",
                static_cast<std::uint64_t>(std::llround(p.svin_accuracy_limit_m * hp_per_metre)));
        out.add("CFG-TMODE-MODE", 1);
    }
    return out.take();
}

} // namespace gnss::ubx
