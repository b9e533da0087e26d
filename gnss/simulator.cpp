// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated ZED-F9P base: the frames an F9P port carries each second, built from the
// sky (simulator_sky) as the configuration asks, and the UBX commands that change it.
#include "gnss/simulator.hpp"

#include "gnss/nmea.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "gnss/ubx.hpp"
#include "gnss/ubx_cfg.hpp"
#include "gnss/ubx_nav.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

namespace gnss {

namespace {

constexpr double pi = std::numbers::pi;
constexpr double deg = pi / 180.0;
constexpr double light_speed = 299'792'458.0; // m/s
constexpr std::uint64_t ms_per_week = 604'800'000;
constexpr std::uint64_t ms_per_day = 86'400'000;
// GPS - UTC since 2017-01-01; no leap second has been announced since.
constexpr std::uint64_t gps_utc_leap_ms = 18'000;
constexpr std::uint64_t bdt_gps_offset_ms = 14'000;         // BDT = GPST - 14 s
constexpr std::uint64_t glonass_utc_offset_ms = 10'800'000; // Moscow time = UTC + 3 h
constexpr int gps_epoch_days_since_unix = 3657;             // 1980-01-06
// A tighter limit would take (10 m / limit)^2 seconds: 0.01 m is already 11.5 days.
constexpr double min_svin_accuracy_limit_m = 0.01;
// Keeps a silly svin_initial_accuracy_m from making the survey-in's arithmetic overflow.
constexpr double min_svin_initial_accuracy_m = 0.001;
constexpr double max_svin_initial_accuracy_m = 100.0;
constexpr double rover_accuracy_m = 1.5;       // NAV-PVT accuracy with TMODE disabled
constexpr std::uint32_t max_msgout_rate = 255; // CFG-MSGOUT-* are U1
constexpr double hp_units = 10'000.0;          // 0.1 mm per metre (TMODE, NAV-SVIN)

// Configuration keys the output follows (UBX-KEYS.md). MSGOUT ids are per port: the USB
// key is the UART1 key + 2 for every message (I2C -1, UART1 0, UART2 +1, USB +2, SPI +3).
namespace key {
constexpr std::uint32_t tmode_mode = 0x20030001;
constexpr std::uint32_t tmode_ecef_x = 0x40030003;
constexpr std::uint32_t tmode_ecef_x_hp = 0x20030006;
constexpr std::uint32_t tmode_svin_min_dur = 0x40030010;
constexpr std::uint32_t tmode_svin_acc_limit = 0x40030011;
constexpr std::uint32_t out_1005 = 0x209102BE;
constexpr std::uint32_t out_1230 = 0x20910304;
constexpr std::uint32_t out_nav_pvt = 0x20910007;
constexpr std::uint32_t out_nav_sat = 0x20910016;
constexpr std::uint32_t out_nav_sig = 0x20910346;
constexpr std::uint32_t out_nav_svin = 0x20910089;
constexpr std::uint32_t usb_offset = 2;
constexpr std::uint32_t uart1_inprot_ubx = 0x10730001;
constexpr std::uint32_t uart1_outprot_ubx = 0x10740001;
constexpr std::uint32_t uart1_outprot_nmea = 0x10740002;
constexpr std::uint32_t uart1_outprot_rtcm3 = 0x10740004;
constexpr std::uint32_t usb_prot_offset = 0x00040000; // 0x1073.. -> 0x1077.., 0x1074.. -> 0x1078..
} // namespace key

enum class tmode : std::uint8_t
{
    disabled = 0,
    survey_in = 1,
    fixed = 2
};
constexpr std::size_t nmea_max_satellites = 12; // u-blox NMEA without extended mode
constexpr std::size_t nmea_gsa_satellites = 12; // satellite fields in a GSA

struct system_info
{
    std::uint8_t gnss_id;
    rtcm3::constellation rtcm;
    const char* talker;             // NMEA talker of its GSV
    int nmea_system;                // NMEA 4.11 system id (GSA)
    int nmea_signal;                // NMEA 4.11 signal id of the primary signal (GSV)
    int nmea_sv_offset;             // GLONASS slots are numbered from 65 in NMEA
    std::vector<int> signals;       // MSM signal ids the F9P sends for this system
    std::uint32_t msm4_key = 0;     // CFG-MSGOUT-RTCM_3X_TYPE10x4_UART1
    std::uint32_t msm7_key = 0;     // CFG-MSGOUT-RTCM_3X_TYPE10x7_UART1
    std::vector<int> ubx_signals{}; // NAV-SIG sigId of each of `signals`
};

// In MSM message order (1077, 1087, 1097, 1127); signals as in the real F9P capture:
// GPS L1C/L2L, GLONASS L1C/L2C, Galileo E1C/E5bQ, BeiDou B1I/B2I.
const std::array<system_info, 4>& systems()
{
    static const std::array<system_info, 4> s = {{
        {0,
         rtcm3::constellation::gps,
         "GP",
         1,
         1,
         0,
         {2, 16},
         0x2091035F,
         0x209102CD,
         {0, 3}}, // L1C/A, L2 CL
        {6,
         rtcm3::constellation::glonass,
         "GL",
         2,
         1,
         64,
         {2, 8},
         0x20910364,
         0x209102D2,
         {0, 2}}, // L1OF, L2OF
        {2,
         rtcm3::constellation::galileo,
         "GA",
         3,
         7,
         0,
         {2, 15},
         0x20910369,
         0x20910319,
         {0, 6}}, // E1C, E5bQ
        {3,
         rtcm3::constellation::beidou,
         "GB",
         4,
         1,
         0,
         {2, 14},
         0x2091036E,
         0x209102D7,
         {0, 2}}, // B1I D1, B2I D1
    }};
    return s;
}

struct civil
{
    int year;
    unsigned month, day;
};

// Howard Hinnant's days_from_civil inverse (days since 1970-01-01).
civil civil_from_days(std::int64_t z)
{
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(yoe + era * 400 + (m <= 2)), m, d};
}

struct survey
{
    std::uint32_t duration_s;
    double accuracy_m;
    double x, y, z;
    bool valid;
};

} // namespace

simulator::simulator(simulator_options options)
    : options_(std::move(options)), config_(options_.receiver),
      sky_(options_.seed, options_.ecef_x_m, options_.ecef_y_m, options_.ecef_z_m)
{
    if (options_.station_interval == 0)
        options_.station_interval = 1;
    options_.station_id = std::min(options_.station_id, max_station_id);
    if (!options_.factory)
        seed_configured_base();
}

// The store of a base someone configured and saved: the output set the simulator always
// had, in RAM and Flash (so a power cycle keeps it), on both UART1 and USB.
void simulator::seed_configured_base()
{
    constexpr std::uint8_t saved = ubx::layer_bit::ram | ubx::layer_bit::flash;
    auto put = [&](std::uint32_t k, std::int64_t v) {
        config_.set(k, ubx::cfg_value::of_signed(k, v).raw, saved);
    };
    put(key::tmode_mode,
        static_cast<std::int64_t>(options_.svin ? tmode::survey_in : tmode::fixed));
    const double ecef[3] = {options_.ecef_x_m, options_.ecef_y_m, options_.ecef_z_m};
    for (std::uint32_t i = 0; i < 3; ++i) {
        // cm + 0.1 mm, as the F9P splits it; beyond the I4 range (21,000 km) stays 0.
        const double units = ecef[i] * hp_units;
        if (!(std::fabs(units) < 2e11))
            continue;
        const std::int64_t total = std::llround(units);
        put(key::tmode_ecef_x + i, total / 100);
        put(key::tmode_ecef_x_hp + i, total % 100);
    }
    put(key::tmode_svin_min_dur, options_.svin_min_duration_s);
    const double limit = options_.svin_accuracy_limit_m * hp_units;
    put(key::tmode_svin_acc_limit,
        limit >= 0 && limit < 4e9 ? std::llround(limit) : 0); // also NaN: 0
    for (std::uint32_t port : {0u, key::usb_offset}) {
        put(key::out_1005 + port, std::min(options_.station_interval, max_msgout_rate));
        for (const system_info& sys : systems())
            put(sys.msm7_key + port, 1);
        put(key::out_1230 + port, 1);
        put(key::out_nav_pvt + port, 1);
        put(key::out_nav_sat + port, 1);
        put(key::out_nav_svin + port, options_.svin ? 1 : 0);
    }
}

std::uint64_t simulator::gps_time_ms(std::uint32_t index) const
{
    return options_.gps_week * ms_per_week + options_.start_tow_ms +
           std::uint64_t{index} * epoch_interval_ms;
}

std::vector<sky_satellite> simulator::sky(std::uint32_t index) const
{
    return sky_.at(gps_time_ms(index), index);
}

namespace {

struct survey_setup
{
    std::uint32_t min_duration_s; // CFG-TMODE-SVIN_MIN_DUR
    double limit_m;               // CFG-TMODE-SVIN_ACC_LIMIT
    double initial_accuracy_m;    // k of k / sqrt(t)
    std::uint32_t start;          // epoch index the survey-in (re)started at
};

// Survey-in at epoch `index`: the accuracy shrinks as k / sqrt(n) for n seconds since the
// start, and the mean walks in from a direction chosen by the seed and the start; it stops
// (valid) once both limits are met.
survey survey_at(const simulator_options& o, const survey_setup& setup, std::uint32_t index)
{
    const double limit =
        setup.limit_m >= min_svin_accuracy_limit_m ? setup.limit_m : min_svin_accuracy_limit_m;
    const double k = std::clamp(setup.initial_accuracy_m >= min_svin_initial_accuracy_m
                                    ? setup.initial_accuracy_m
                                    : min_svin_initial_accuracy_m, // also NaN
                                min_svin_initial_accuracy_m, max_svin_initial_accuracy_m);
    const double ratio = k / limit;
    const auto needed = static_cast<std::uint32_t>(std::ceil(ratio * ratio));
    const std::uint32_t done = std::max({setup.min_duration_s, needed, std::uint32_t{1}});
    const std::uint32_t elapsed = index >= setup.start ? index - setup.start : 0;
    const std::uint32_t n = std::min(elapsed, done - 1) + 1;
    survey s;
    s.duration_s = n;
    s.accuracy_m = k / std::sqrt(static_cast<double>(n));
    s.valid = n >= done;
    const double spread = 0.5 * s.accuracy_m;
    s.x = o.ecef_x_m + spread * (2 * simulator_noise(o.seed, setup.start, 1001) - 1);
    s.y = o.ecef_y_m + spread * (2 * simulator_noise(o.seed, setup.start, 1002) - 1);
    s.z = o.ecef_z_m + spread * (2 * simulator_noise(o.seed, setup.start, 1003) - 1);
    return s;
}

std::uint32_t msm_epoch(rtcm3::constellation c, std::uint64_t gps_ms)
{
    switch (c) {
    case rtcm3::constellation::glonass: {
        // 3-bit day of week and milliseconds of day, both in Moscow time.
        std::uint64_t moscow =
            (gps_ms + ms_per_week - gps_utc_leap_ms + glonass_utc_offset_ms) % ms_per_week;
        return static_cast<std::uint32_t>((moscow / ms_per_day) << 27 | (moscow % ms_per_day));
    }
    case rtcm3::constellation::beidou:
        return static_cast<std::uint32_t>((gps_ms + ms_per_week - bdt_gps_offset_ms) % ms_per_week);
    default:
        return static_cast<std::uint32_t>(gps_ms % ms_per_week);
    }
}

// 1230 as the F9P sends it: biases indicated, no bias values.
bytes glonass_biases(std::uint16_t station_id)
{
    bit_writer w;
    w.u(1230, 12);
    w.u(station_id, 12);
    w.u(1, 1); // code-phase bias indicator
    w.u(0, 3); // reserved
    w.u(0, 4); // FDMA signal mask: none
    return rtcm3::make_frame(w.data());
}

void append(bytes& out, const bytes& frame)
{
    out.insert(out.end(), frame.begin(), frame.end());
}

void append(bytes& out, const std::string& sentence)
{
    out.insert(out.end(), sentence.begin(), sentence.end());
}

struct dops
{
    double pdop, hdop, vdop;
};

// The NMEA block an F9P writes after its UBX messages (the capture's order): RMC, VTG,
// GGA, one GSA per system, GSV per system for its primary signal, GLL.
void append_nmea(bytes& out, const nmea::gga& gga, const civil& date,
                 const std::vector<sky_satellite>& sats, const dops& d)
{
    const std::string time = nmea::time_field(gga.time_ms);
    const std::string lat = nmea::latitude_field(gga.lat_deg);
    const std::string lon = nmea::longitude_field(gga.lon_deg);
    append(out,
           nmea::make_sentence(fmt::format("GNRMC,{},A,{},{},0.000,,{:02d}{:02d}{:02d},,,A,V", time,
                                           lat, lon, date.day, date.month, date.year % 100)));
    append(out, nmea::make_sentence("GNVTG,,T,,M,0.000,N,0.000,K,A"));
    append(out, nmea::encode_gga(gga));
    for (const system_info& s : systems()) {
        std::string used;
        std::size_t n = 0;
        for (const sky_satellite& sat : sats)
            if (sat.gnss_id == s.gnss_id && n++ < nmea_gsa_satellites)
                used += fmt::format(",{:02d}", sat.sv_id + s.nmea_sv_offset);
        for (; n < nmea_gsa_satellites; ++n)
            used += ',';
        append(out, nmea::make_sentence(fmt::format("GNGSA,A,3{},{:.2f},{:.2f},{:.2f},{}", used,
                                                    d.pdop, d.hdop, d.vdop, s.nmea_system)));
    }
    for (const system_info& s : systems()) {
        std::vector<const sky_satellite*> in;
        for (const sky_satellite& sat : sats)
            if (sat.gnss_id == s.gnss_id)
                in.push_back(&sat);
        const std::size_t total = std::max<std::size_t>(1, (in.size() + 3) / 4);
        for (std::size_t k = 0; k < total; ++k) {
            std::string body = fmt::format("{}GSV,{},{},{:02d}", s.talker, total, k + 1, in.size());
            for (std::size_t i = 4 * k; i < std::min(in.size(), 4 * k + 4); ++i)
                body += fmt::format(",{:02d},{:02d},{:03d},{:02d}", in[i]->sv_id + s.nmea_sv_offset,
                                    std::lround(in[i]->elevation_deg),
                                    std::lround(in[i]->azimuth_deg) % 360,
                                    std::lround(in[i]->cno_dbhz));
            append(out, nmea::make_sentence(fmt::format("{},{}", body, s.nmea_signal)));
        }
    }
    append(out, nmea::make_sentence(fmt::format("GNGLL,{},{},{},A,A", lat, lon, time)));
}

} // namespace

bytes simulator::epoch(std::uint32_t index) const
{
    const bool usb = options_.port == simulator_port::usb;
    const std::uint32_t prot = usb ? key::usb_prot_offset : 0;
    // A message is due when its rate on our port is N > 0 and the index a multiple of N.
    auto due = [&](std::uint32_t uart1_key) {
        const std::uint64_t rate = config_.ram(uart1_key + (usb ? key::usb_offset : 0));
        return rate != 0 && index % rate == 0;
    };
    const bool rtcm_out = config_.ram(key::uart1_outprot_rtcm3 + prot) != 0;
    const bool ubx_out = config_.ram(key::uart1_outprot_ubx + prot) != 0;
    const bool nmea_out = config_.ram(key::uart1_outprot_nmea + prot) != 0;

    const std::uint64_t gps_ms = gps_time_ms(index);
    const auto tow = static_cast<std::uint32_t>(gps_ms % ms_per_week);
    const std::vector<sky_satellite> sats = sky(index);
    const auto mode = static_cast<tmode>(config_.ram(key::tmode_mode));
    const survey svin =
        survey_at(options_,
                  {static_cast<std::uint32_t>(config_.ram(key::tmode_svin_min_dur)),
                   static_cast<double>(config_.ram(key::tmode_svin_acc_limit)) / hp_units,
                   options_.svin_initial_accuracy_m, svin_start_},
                  index);
    const bool surveying = mode == tmode::survey_in;
    const bool position_known = mode == tmode::fixed || (surveying && svin.valid);
    bytes out;
    out.reserve(max_epoch_bytes);

    // RTCM3 first, as the F9P does: station position, observations, GLONASS biases. In
    // rover mode (TMODE disabled) the F9P still sends the MSMs it is asked for, but no 1005.
    if (rtcm_out && position_known && due(key::out_1005)) {
        rtcm3::station_arp arp;
        arp.station_id = options_.station_id;
        const ecef fixed = config_.tmode_position();
        arp.x = surveying ? svin.x : fixed.x;
        arp.y = surveying ? svin.y : fixed.y;
        arp.z = surveying ? svin.z : fixed.z;
        append(out, rtcm3::encode_station_arp(arp));
    }
    std::vector<std::pair<const system_info*, std::vector<rtcm3::msm_satellite>>> observed;
    for (const system_info& s : systems()) {
        std::vector<rtcm3::msm_satellite> list;
        for (const sky_satellite& sat : sats)
            if (sat.gnss_id == s.gnss_id)
                list.push_back(
                    {sat.sv_id, s.signals, sat.range_m / light_speed * 1000.0, sat.cno_dbhz});
        if (!list.empty())
            observed.emplace_back(&s, std::move(list));
    }
    // MSM4 then MSM7 per system with satellites; the multiple-message bit tells a decoder
    // that more of this epoch follows, so it is clear on the last one only.
    struct msm_job
    {
        const system_info* system;
        const std::vector<rtcm3::msm_satellite>* list;
        bool msm7;
    };
    std::vector<msm_job> jobs;
    for (bool msm7 : {false, true})
        for (const auto& [system, list] : observed)
            if (rtcm_out && due(msm7 ? system->msm7_key : system->msm4_key))
                jobs.push_back({system, &list, msm7});
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const msm_job& j = jobs[i];
        const auto encode = j.msm7 ? rtcm3::encode_msm7 : rtcm3::encode_msm4;
        if (auto f = encode(j.system->rtcm, options_.station_id, msm_epoch(j.system->rtcm, gps_ms),
                            i + 1 < jobs.size(), *j.list))
            append(out, *f);
    }
    if (rtcm_out && due(key::out_1230))
        append(out, glonass_biases(options_.station_id));

    // UBX NAV-PVT, NAV-SAT and NAV-SIG.
    const std::uint64_t utc_ms = gps_ms >= gps_utc_leap_ms ? gps_ms - gps_utc_leap_ms : 0;
    const auto day_ms = static_cast<std::uint32_t>(utc_ms % ms_per_day);
    const civil date =
        civil_from_days(static_cast<std::int64_t>(utc_ms / ms_per_day) + gps_epoch_days_since_unix);
    ubx::nav_pvt pvt;
    pvt.itow_ms = tow;
    pvt.year = static_cast<std::uint16_t>(date.year);
    pvt.month = static_cast<std::uint8_t>(date.month);
    pvt.day = static_cast<std::uint8_t>(date.day);
    pvt.hour = static_cast<std::uint8_t>(day_ms / 3'600'000);
    pvt.minute = static_cast<std::uint8_t>(day_ms / 60'000 % 60);
    pvt.second = static_cast<std::uint8_t>(day_ms / 1000 % 60);
    pvt.valid = 0x37; // date, time, fully resolved, magnetic declination: as the capture
    pvt.time_accuracy_ns =
        15 + static_cast<std::uint32_t>(10 * simulator_noise(options_.seed, index, 2001));
    pvt.fix_type = position_known ? 5 : 3; // time-only in fixed mode, 3D otherwise
    pvt.flags = 0x01;                      // gnssFixOK
    pvt.flags2 = 0xE0;                     // confirmed date and time available
    pvt.satellites_used = static_cast<std::uint8_t>(sats.size());
    pvt.lat_deg = sky_.latitude() / deg;
    pvt.lon_deg = sky_.longitude() / deg;
    pvt.height_m = sky_.height();
    pvt.height_msl_m = sky_.height() - options_.geoid_separation_m;
    const double accuracy = position_known ? 0.01 : surveying ? svin.accuracy_m : rover_accuracy_m;
    pvt.h_accuracy_m = accuracy;
    pvt.v_accuracy_m = position_known ? 0.01 : 1.5 * accuracy;
    const double dop = sats.empty() ? 99.99 : std::min(99.99, 6.0 / std::sqrt(sats.size()));
    pvt.pdop = std::round(dop * 100) / 100;
    if (ubx_out && due(key::out_nav_pvt))
        append(out, ubx::encode_nav_pvt(pvt));
    if (ubx_out && due(key::out_nav_sat))
        append(out, ubx::encode_nav_sat(nav_sat_of(tow, index, sats)));
    if (ubx_out && due(key::out_nav_sig))
        append(out, ubx::encode_nav_sig(nav_sig_of(tow, index, sats)));

    // The NMEA block (the F9P's six default sentences while NMEA output is on), then the
    // survey-in status (the capture has NAV-SVIN after NMEA).
    if (nmea_out) {
        nmea::gga gga;
        gga.time_ms = day_ms;
        gga.lat_deg = pvt.lat_deg;
        gga.lon_deg = pvt.lon_deg;
        gga.fix_quality = 1;
        gga.satellites = static_cast<int>(std::min(sats.size(), nmea_max_satellites));
        gga.hdop = std::round(dop * 0.8 * 100) / 100;
        gga.altitude_m = pvt.height_msl_m;
        gga.geoid_separation_m = options_.geoid_separation_m;
        append_nmea(out, gga, date, sats, {pvt.pdop, gga.hdop, std::round(dop * 0.6 * 100) / 100});
    }
    if (ubx_out && due(key::out_nav_svin)) {
        // Outside survey-in the F9P reports an idle survey: all zero, neither active nor valid.
        ubx::nav_svin s;
        s.itow_ms = tow;
        if (surveying) {
            s.duration_s = svin.duration_s;
            s.mean_x_m = svin.x;
            s.mean_y_m = svin.y;
            s.mean_z_m = svin.z;
            s.mean_accuracy_m = svin.accuracy_m;
            s.observations = svin.duration_s;
            s.valid = svin.valid;
            s.active = !svin.valid;
        }
        append(out, ubx::encode_nav_svin(s));
    }
    return out;
}

ubx::nav_sat simulator::nav_sat_of(std::uint32_t tow, std::uint32_t index,
                                   const std::vector<sky_satellite>& sats) const
{
    ubx::nav_sat sat_msg;
    sat_msg.itow_ms = tow;
    for (const sky_satellite& s : sats) {
        ubx::nav_sat_sv sv;
        sv.gnss_id = s.gnss_id;
        sv.sv_id = s.sv_id;
        sv.cno_dbhz = static_cast<std::uint8_t>(std::lround(s.cno_dbhz));
        sv.elevation_deg = static_cast<std::int8_t>(std::lround(s.elevation_deg));
        sv.azimuth_deg = static_cast<std::int16_t>(std::lround(s.azimuth_deg) % 360);
        sv.pr_residual_dm = static_cast<std::int16_t>(std::lround(
            20 * simulator_noise(options_.seed, index, 3000 + s.gnss_id, s.sv_id) - 10));
        sv.flags = 0x07 | 0x08 | 0x10; // code and carrier locked, used, healthy
        sat_msg.svs.push_back(sv);
    }
    return sat_msg;
}

// One entry per tracked signal (the MSMs' cells), with NAV-SAT's residual and C/N0.
ubx::nav_sig simulator::nav_sig_of(std::uint32_t tow, std::uint32_t index,
                                   const std::vector<sky_satellite>& sats) const
{
    ubx::nav_sig msg;
    msg.itow_ms = tow;
    for (const sky_satellite& s : sats) {
        const system_info* sys = nullptr;
        for (const system_info& candidate : systems())
            if (candidate.gnss_id == s.gnss_id)
                sys = &candidate;
        if (!sys)
            continue;
        for (std::size_t k = 0; k < sys->ubx_signals.size(); ++k) {
            ubx::nav_sig_signal sig;
            sig.gnss_id = s.gnss_id;
            sig.sv_id = s.sv_id;
            sig.sig_id = static_cast<std::uint8_t>(sys->ubx_signals[k]);
            if (sys->rtcm == rtcm3::constellation::glonass)
                sig.freq_id = static_cast<std::uint8_t>(
                    rtcm3::glonass_frequency_channel(s.sv_id).value_or(0) + 7);
            sig.pr_residual_dm = static_cast<std::int16_t>(std::lround(
                20 * simulator_noise(options_.seed, index, 3000 + s.gnss_id, s.sv_id) - 10));
            // The second frequency arrives a few dB weaker, as on a real patch antenna.
            sig.cno_dbhz = static_cast<std::uint8_t>(std::lround(s.cno_dbhz - 3.0 * k));
            sig.quality = 7;  // code and carrier locked
            sig.flags = 0x39; // healthy, pseudorange, carrier and Doppler used
            msg.signals.push_back(sig);
        }
    }
    return msg;
}

std::vector<bytes> simulator::command(byte_view frame)
{
    const std::uint32_t prot = options_.port == simulator_port::usb ? key::usb_prot_offset : 0;
    auto v = ubx::parse_frame(frame);
    if (!v || config_.ram(key::uart1_inprot_ubx + prot) == 0)
        return {}; // a port with UBX input off does not listen to UBX
    auto survey_keys = [&] {
        return std::array{config_.ram(key::tmode_mode), config_.ram(key::tmode_svin_min_dur),
                          config_.ram(key::tmode_svin_acc_limit)};
    };
    const auto before = survey_keys();
    const std::uint64_t resets = config_.resets();
    std::vector<bytes> out = config_.handle(*v);
    const auto after = survey_keys();
    // Survey-in starts over when it is switched on, its limits change, or on a reset.
    if (after[0] == static_cast<std::uint64_t>(tmode::survey_in) &&
        (config_.resets() != resets || after != before))
        svin_start_ = next_index_;
    // Answers go out as UBX on the same port (after the command took effect).
    if (config_.ram(key::uart1_outprot_ubx + prot) == 0)
        out.clear();
    return out;
}

} // namespace gnss
