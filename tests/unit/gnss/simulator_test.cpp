// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated F9P base: deterministic, every frame valid, the per-epoch frame set of a
// real base, consistent MSM/NAV-SAT/NAV-PVT/GGA content, a converging survey-in, and the
// output following the configuration store that UBX commands change.
#include "gnss/simulator.hpp"

#include "gnss/geodesy.hpp"

#include "gnss/framer.hpp"
#include "gnss/nmea.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "gnss/ubx.hpp"
#include "gnss/ubx_cfg.hpp"
#include "gnss/ubx_nav.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

using gnss::simulator;
using gnss::simulator_options;

namespace {

// What one epoch holds, decoded.
struct decoded
{
    gnss::framer_counters counters;
    std::size_t pending = 0;
    std::vector<gnss::rtcm3::msm_header> msm;
    std::vector<std::size_t> msm_sizes;
    std::optional<gnss::rtcm3::station_arp> arp;
    std::optional<gnss::ubx::nav_pvt> pvt;
    std::optional<gnss::ubx::nav_sat> sat;
    std::optional<gnss::ubx::nav_svin> svin;
    std::optional<gnss::nmea::gga> gga;
    std::vector<std::string> order; // frame names in stream order
};

decoded decode(const gnss::bytes& epoch)
{
    decoded d;
    gnss::framer f;
    f.feed(epoch, [&](const gnss::frame& fr) {
        if (fr.kind == gnss::frame_kind::rtcm3) {
            auto type = gnss::rtcm3::message_type(fr.bytes);
            d.order.push_back(std::to_string(type.value_or(0)));
            if (auto h = gnss::rtcm3::decode_msm_header(fr.bytes)) {
                d.msm.push_back(*h);
                d.msm_sizes.push_back(fr.bytes.size());
            }
            if (type == 1005)
                d.arp = gnss::rtcm3::decode_station_arp(fr.bytes);
        } else if (fr.kind == gnss::frame_kind::ubx) {
            auto v = gnss::ubx::parse_frame(fr.bytes);
            REQUIRE(v);
            d.order.push_back(gnss::ubx::message_name(v->msg_class, v->msg_id));
            if (v->msg_id == gnss::ubx::id::nav_pvt)
                d.pvt = gnss::ubx::decode_nav_pvt(*v);
            if (v->msg_id == gnss::ubx::id::nav_sat)
                d.sat = gnss::ubx::decode_nav_sat(*v);
            if (v->msg_id == gnss::ubx::id::nav_svin)
                d.svin = gnss::ubx::decode_nav_svin(*v);
        } else {
            auto line = gnss::as_chars(fr.bytes);
            d.order.push_back(gnss::nmea::sentence_type(line).value_or("?"));
            if (d.order.back() == "GGA")
                d.gga = gnss::nmea::parse_gga(line);
        }
    });
    d.counters = f.counters();
    d.pending = f.pending();
    return d;
}

// UBX gnssId of an RTCM constellation.
int ubx_gnss(gnss::rtcm3::constellation c)
{
    switch (c) {
    case gnss::rtcm3::constellation::gps:
        return 0;
    case gnss::rtcm3::constellation::galileo:
        return 2;
    case gnss::rtcm3::constellation::beidou:
        return 3;
    case gnss::rtcm3::constellation::glonass:
        return 6;
    default:
        return -1;
    }
}

// (gnss_id, sv_id) pairs an MSM header lists.
std::set<std::pair<int, int>> msm_satellites(const gnss::rtcm3::msm_header& h)
{
    std::set<std::pair<int, int>> out;
    for (int id = 1; id <= 64; ++id)
        if (h.satellite_mask >> (64 - id) & 1u)
            out.insert({ubx_gnss(h.system), id});
    return out;
}

// MSM epoch time converted to GPS milliseconds of week.
std::uint64_t gps_ms_of_week(const gnss::rtcm3::msm_header& h)
{
    constexpr std::uint64_t week = 604'800'000, day = 86'400'000;
    switch (h.system) {
    case gnss::rtcm3::constellation::beidou:
        return (h.epoch + 14'000) % week;
    case gnss::rtcm3::constellation::glonass: {
        std::uint64_t moscow = (h.epoch >> 27) * day + (h.epoch & ((1u << 27) - 1));
        return (moscow + week - 3 * 3'600'000 + 18'000) % week;
    }
    default:
        return h.epoch;
    }
}

} // namespace

TEST_CASE("simulator: same seed, same bytes; another seed, other bytes")
{
    simulator a({.seed = 7});
    simulator b({.seed = 7});
    simulator c({.seed = 8});
    bool differs = false;
    for (std::uint32_t i = 0; i < 100; ++i) {
        gnss::bytes e = a.next();
        CHECK(e == b.epoch(i));
        differs = differs || e != c.epoch(i);
    }
    CHECK(differs);
    CHECK(a.next() == b.epoch(100)); // next() keeps counting
    CHECK(simulator({.seed = 7}).sky(5).size() == a.sky(5).size());
}

TEST_CASE("simulator: every frame is valid and each epoch has one of each message")
{
    simulator sim;
    gnss::framer all;
    for (std::uint32_t i = 0; i < 100; ++i) {
        CAPTURE(i);
        gnss::bytes e = sim.epoch(i);
        all.feed(e, nullptr);
        decoded d = decode(e);
        CHECK(d.counters.bad_checksum == 0);
        CHECK(d.counters.unframed_bytes == 0);
        CHECK(d.counters.oversize == 0);
        CHECK(d.pending == 0);
        REQUIRE(d.msm.size() == 4);
        const std::map<std::uint16_t, std::uint64_t> rtcm = {{1005, 1}, {1077, 1}, {1087, 1},
                                                             {1097, 1}, {1127, 1}, {1230, 1}};
        CHECK(d.counters.rtcm3_types == rtcm);
        const std::map<std::uint16_t, std::uint64_t> ubx = {{0x0107, 1}, {0x0135, 1}};
        CHECK(d.counters.ubx_messages == ubx);
        // GSV: one sentence per four satellites of each system (at least one).
        std::uint64_t gsv = 0;
        for (const auto& h : d.msm)
            gsv += std::max(1, (h.satellites + 3) / 4);
        const std::map<std::string, std::uint64_t> nmea = {{"RMC", 1}, {"VTG", 1},   {"GGA", 1},
                                                           {"GSA", 4}, {"GSV", gsv}, {"GLL", 1}};
        CHECK(d.counters.nmea_sentences == nmea);
        // The order a real F9P base port shows: RTCM3, then UBX NAV, then the NMEA block.
        std::vector<std::string> order = {"1005", "1077",    "1087",    "1097", "1127",
                                          "1230", "NAV-PVT", "NAV-SAT", "RMC",  "VTG",
                                          "GGA",  "GSA",     "GSA",     "GSA",  "GSA"};
        order.insert(order.end(), gsv, "GSV");
        order.push_back("GLL");
        CHECK(d.order == order);
        CHECK(e.size() <= simulator::max_epoch_bytes);
        CHECK(e.size() >= 1500); // a real base sends ~2-3 KB a second; far less is implausible
    }
    CHECK(all.counters().ubx_frames == 200);
    CHECK(all.counters().rtcm3_frames == 600);
    CHECK(all.counters().bad_checksum == 0);
    CHECK(all.counters().unframed_bytes == 0);
}

TEST_CASE("simulator: byte budget holds across seeds, latitudes and a whole day")
{
    constexpr double pi = 3.14159265358979323846;
    for (double lat : {-89.0, -45.0, 0.0, 32.0, 60.0, 89.0}) {
        for (std::uint32_t seed : {1u, 2u, 99u}) {
            simulator_options o;
            o.seed = seed;
            o.svin = true; // the largest epochs: NAV-SVIN on top of everything
            o.ecef_x_m = 6'378'137.0 * std::cos(lat * pi / 180) * std::cos(seed);
            o.ecef_y_m = 6'378'137.0 * std::cos(lat * pi / 180) * std::sin(seed);
            o.ecef_z_m = 6'356'752.0 * std::sin(lat * pi / 180);
            simulator sim(o);
            for (std::uint32_t i = 0; i < 86'400; i += 3'600) {
                CAPTURE(lat);
                CAPTURE(seed);
                CAPTURE(i);
                gnss::bytes e = sim.epoch(i);
                CHECK(e.size() <= simulator::max_epoch_bytes);
                decoded d = decode(e);
                CHECK(d.counters.bad_checksum == 0);
                CHECK(d.counters.oversize == 0);
                CHECK(d.msm.size() == 4);
                for (std::size_t n : d.msm_sizes)
                    CHECK(n <= gnss::rtcm3::max_payload + 6);
            }
        }
    }
}

TEST_CASE("simulator: MSM7 headers, epoch times and satellite counts")
{
    simulator sim({.seed = 3});
    std::uint32_t tow = sim.options().start_tow_ms;
    for (std::uint32_t i = 0; i < 100; ++i, tow += 1000) {
        CAPTURE(i);
        decoded d = decode(sim.epoch(i));
        REQUIRE(d.msm.size() == 4);
        const gnss::rtcm3::constellation systems[] = {
            gnss::rtcm3::constellation::gps, gnss::rtcm3::constellation::glonass,
            gnss::rtcm3::constellation::galileo, gnss::rtcm3::constellation::beidou};
        const int min_sats[] = {5, 4, 4, 5}, max_sats[] = {14, 12, 12, 16};
        for (std::size_t k = 0; k < 4; ++k) {
            const auto& h = d.msm[k];
            CHECK(h.system == systems[k]);
            CHECK(h.msm == 7);
            CHECK(h.station_id == 0);
            CHECK(gps_ms_of_week(h) == tow);
            CHECK(h.multiple_message == (k < 3));
            CHECK(h.signals == 2);
            CHECK(h.cells == 2 * h.satellites);
            CHECK(h.satellites >= min_sats[k]);
            CHECK(h.satellites <= max_sats[k]);
            CHECK(d.msm_sizes[k] >= 100);
            CHECK(d.msm_sizes[k] <= 600);
        }
        CHECK(d.msm[0].epoch == tow); // GPS: time of week as is
    }
}

TEST_CASE("simulator: NAV-SAT matches the MSMs and the sky moves slowly")
{
    simulator sim({.seed = 11});
    std::optional<gnss::ubx::nav_sat> previous;
    for (std::uint32_t i = 0; i < 120; ++i) {
        CAPTURE(i);
        decoded d = decode(sim.epoch(i));
        REQUIRE(d.sat);
        REQUIRE(d.pvt);
        std::set<std::pair<int, int>> from_msm, from_sat;
        for (const auto& h : d.msm)
            for (auto s : msm_satellites(h))
                from_msm.insert(s);
        for (const auto& sv : d.sat->svs) {
            from_sat.insert({sv.gnss_id, sv.sv_id});
            CHECK(sv.elevation_deg >= 10);
            CHECK(sv.elevation_deg <= 90);
            CHECK(sv.azimuth_deg >= 0);
            CHECK(sv.azimuth_deg < 360);
            CHECK(sv.cno_dbhz >= 29);
            CHECK(sv.cno_dbhz <= 51);
            CHECK(sv.used());
        }
        CHECK(from_msm == from_sat);
        CHECK(d.pvt->satellites_used == d.sat->svs.size());
        CHECK(d.sat->itow_ms == d.pvt->itow_ms);
        if (previous) {
            for (const auto& sv : d.sat->svs)
                for (const auto& old : previous->svs)
                    if (old.gnss_id == sv.gnss_id && old.sv_id == sv.sv_id) {
                        CHECK(std::abs(sv.elevation_deg - old.elevation_deg) <= 1);
                        int daz = std::abs(sv.azimuth_deg - old.azimuth_deg);
                        CHECK(std::min(daz, 360 - daz) <= 2);
                    }
        }
        previous = d.sat;
    }
}

TEST_CASE("simulator: satellites rise and set over an hour")
{
    simulator sim({.seed = 5});
    auto ids = [&](std::uint32_t i) {
        std::set<std::pair<int, int>> s;
        for (const auto& sat : sim.sky(i))
            s.insert({sat.gnss_id, sat.sv_id});
        return s;
    };
    auto first = ids(0);
    auto later = ids(3600);
    CHECK(first != later);
    // Within a minute, at most a couple of satellites come or go.
    auto minute = ids(60);
    std::size_t changed = 0;
    for (const auto& s : first)
        changed += minute.count(s) == 0;
    for (const auto& s : minute)
        changed += first.count(s) == 0;
    CHECK(changed <= 3);
}

TEST_CASE("simulator: 1005, NAV-PVT and GGA carry the configured station")
{
    simulator_options o;
    o.station_id = 1234;
    o.ecef_x_m = 4'027'893.6719; // another real-looking point
    o.ecef_y_m = 307'045.9064;
    o.ecef_z_m = 4'919'475.1704;
    simulator sim(o);
    decoded d = decode(sim.epoch(0));
    REQUIRE(d.arp);
    CHECK(d.arp->station_id == 1234);
    CHECK(d.arp->x == doctest::Approx(o.ecef_x_m).epsilon(1e-12));
    CHECK(d.arp->y == doctest::Approx(o.ecef_y_m).epsilon(1e-12));
    CHECK(d.arp->z == doctest::Approx(o.ecef_z_m).epsilon(1e-12));
    CHECK(std::fabs(d.arp->x - o.ecef_x_m) < 0.0001);
    for (const auto& h : d.msm)
        CHECK(h.station_id == 1234);

    // The default station is the real capture's base: its NAV-PVT said 32.0658325 N,
    // 34.7738190 E, 72.134 m, and its GGA 54.6 m above mean sea level.
    decoded base = decode(simulator().epoch(0));
    REQUIRE(base.pvt);
    CHECK(std::fabs(base.pvt->lat_deg - 32.0658325) < 2e-7);
    CHECK(std::fabs(base.pvt->lon_deg - 34.7738190) < 2e-7);
    CHECK(std::fabs(base.pvt->height_m - 72.134) < 0.02);
    CHECK(base.pvt->year == 2022);
    CHECK(base.pvt->month == 2);
    CHECK(base.pvt->day == 8);
    CHECK(base.pvt->hour == 8);
    CHECK(base.pvt->minute == 41);
    CHECK(base.pvt->second == 59);
    CHECK(base.pvt->itow_ms == 204'137'000);
    CHECK(base.pvt->fix_type == 5); // time-only: a base in fixed mode
    CHECK(base.pvt->gnss_fix_ok());
    REQUIRE(base.gga);
    CHECK(base.gga->time_ms == (8 * 3600 + 41 * 60 + 59) * 1000);
    CHECK(std::fabs(base.gga->lat_deg - 32.0658325) < 2e-7);
    CHECK(std::fabs(base.gga->altitude_m - 54.6) < 0.05);
    CHECK(base.gga->satellites <= 12);
}

TEST_CASE("simulator: 1005 every N epochs")
{
    simulator sim({.station_interval = 5});
    for (std::uint32_t i = 0; i < 12; ++i) {
        CAPTURE(i);
        decoded d = decode(sim.epoch(i));
        CHECK(d.arp.has_value() == (i % 5 == 0));
        CHECK(d.msm.size() == 4);
    }
}

TEST_CASE("simulator: times wrap at the end of a GPS week")
{
    simulator sim({.gps_week = 2300, .start_tow_ms = 604'798'000});
    decoded last = decode(sim.epoch(1));
    decoded first = decode(sim.epoch(2));
    REQUIRE(last.pvt);
    REQUIRE(first.pvt);
    CHECK(last.pvt->itow_ms == 604'799'000);
    CHECK(first.pvt->itow_ms == 0);
    REQUIRE(first.msm.size() == 4);
    for (const auto& h : first.msm)
        CHECK(gps_ms_of_week(h) == 0);
    CHECK(sim.gps_time_ms(2) == 2301ull * 604'800'000);
}

TEST_CASE("simulator: survey-in converges, then 1005 carries the surveyed mean")
{
    simulator_options o;
    o.svin = true;
    o.svin_min_duration_s = 30;
    o.svin_accuracy_limit_m = 2.0;
    simulator sim(o);
    double last_accuracy = 1e9;
    std::optional<std::uint32_t> valid_at;
    for (std::uint32_t i = 0; i < 40; ++i) {
        CAPTURE(i);
        decoded d = decode(sim.epoch(i));
        REQUIRE(d.svin);
        REQUIRE(d.pvt);
        CHECK(d.counters.bad_checksum == 0);
        CHECK(d.order.back() == "NAV-SVIN");
        CHECK(d.svin->itow_ms == d.pvt->itow_ms);
        CHECK(d.svin->mean_accuracy_m <= last_accuracy);
        CHECK(d.svin->active == !d.svin->valid);
        last_accuracy = d.svin->mean_accuracy_m;
        if (!d.svin->valid) {
            CHECK(d.svin->duration_s == i + 1);
            CHECK(!d.arp); // no reference position to send yet
            CHECK(d.pvt->fix_type == 3);
            continue;
        }
        if (!valid_at)
            valid_at = i;
        CHECK(d.svin->duration_s >= o.svin_min_duration_s);
        CHECK(d.svin->mean_accuracy_m <= o.svin_accuracy_limit_m);
        CHECK(d.pvt->fix_type == 5);
        REQUIRE(d.arp);
        CHECK(std::fabs(d.arp->x - d.svin->mean_x_m) < 0.001);
        CHECK(std::fabs(d.arp->y - d.svin->mean_y_m) < 0.001);
        CHECK(std::fabs(d.arp->z - d.svin->mean_z_m) < 0.001);
        double dx = d.arp->x - o.ecef_x_m, dy = d.arp->y - o.ecef_y_m, dz = d.arp->z - o.ecef_z_m;
        CHECK(std::sqrt(dx * dx + dy * dy + dz * dz) <= o.svin_accuracy_limit_m);
    }
    CHECK(valid_at == o.svin_min_duration_s - 1);
}

TEST_CASE("simulator: odd options are tamed, not trusted")
{
    simulator_options o;
    o.station_id = 5000;    // over 12 bits
    o.station_interval = 0; // would divide by zero
    o.svin = true;
    o.svin_accuracy_limit_m = 0; // would never finish (and divide by zero)
    o.gps_week = 0;
    o.start_tow_ms = 0; // before the first leap second offset: no wrap-around date
    simulator sim(o);
    CHECK(sim.options().station_id == simulator::max_station_id);
    CHECK(sim.options().station_interval == 1);
    for (std::uint32_t i : {0u, 1u, 4'000'000'000u}) {
        CAPTURE(i);
        decoded d = decode(sim.epoch(i));
        CHECK(d.counters.bad_checksum == 0);
        REQUIRE(d.msm.size() == 4);
        CHECK(d.msm[0].station_id == simulator::max_station_id);
        REQUIRE(d.svin);
        CHECK(std::isfinite(d.svin->mean_accuracy_m));
    }
    decoded first = decode(sim.epoch(0));
    REQUIRE(first.pvt);
    CHECK(first.pvt->year == 1980);
    CHECK(first.pvt->month == 1);
    CHECK(first.pvt->day == 6);
    CHECK(first.svin->active);
}

TEST_CASE("simulator: MON-VER of a ZED-F9P with HPG 1.32")
{
    gnss::bytes f = simulator().mon_ver();
    auto v = gnss::ubx::parse_frame(f);
    REQUIRE(v);
    auto mv = gnss::ubx::decode_mon_ver(*v);
    REQUIRE(mv);
    CHECK(mv->model() == "ZED-F9P");
    CHECK(mv->firmware() == "HPG 1.32");
    CHECK(mv->protocol() == "27.31");
    CHECK(mv->hardware == "00190000");
}

// ---- The configuration store drives the output (commands through simulator::command) ----

namespace {

namespace key {
constexpr std::uint32_t tmode_mode = 0x20030001;
constexpr std::uint32_t tmode_pos_type = 0x20030002;
constexpr std::uint32_t ecef_x = 0x40030003;
constexpr std::uint32_t ecef_x_hp = 0x20030006;
constexpr std::uint32_t lat = 0x40030009;
constexpr std::uint32_t lon = 0x4003000A;
constexpr std::uint32_t height = 0x4003000B;
constexpr std::uint32_t lat_hp = 0x2003000C;
constexpr std::uint32_t lon_hp = 0x2003000D;
constexpr std::uint32_t height_hp = 0x2003000E;
constexpr std::uint32_t svin_min_dur = 0x40030010;
constexpr std::uint32_t svin_acc_limit = 0x40030011;
constexpr std::uint32_t out_1005 = 0x209102BE;
constexpr std::uint32_t out_1230 = 0x20910304;
constexpr std::uint32_t msm4[] = {0x2091035F, 0x20910364, 0x20910369, 0x2091036E};
constexpr std::uint32_t msm7[] = {0x209102CD, 0x209102D2, 0x20910319, 0x209102D7};
constexpr std::uint32_t nav_pvt = 0x20910007;
constexpr std::uint32_t nav_sat = 0x20910016;
constexpr std::uint32_t nav_sig = 0x20910346;
constexpr std::uint32_t nav_svin = 0x20910089;
constexpr std::uint32_t usb = 2; // USB MSGOUT key = UART1 key + 2
constexpr std::uint32_t uart1_inprot_ubx = 0x10730001;
constexpr std::uint32_t uart1_outprot_nmea = 0x10740002;
constexpr std::uint32_t uart1_outprot_rtcm3 = 0x10740004;
} // namespace key

gnss::ubx::cfg_value val(std::uint32_t k, std::int64_t v)
{
    return gnss::ubx::cfg_value::of_signed(k, v);
}

gnss::bytes valset(std::vector<gnss::ubx::cfg_value> values,
                   std::uint8_t layers = gnss::ubx::layer_bit::ram)
{
    auto f = gnss::ubx::encode_valset({layers, gnss::ubx::transaction::none, std::move(values)});
    REQUIRE(f);
    return *f;
}

// Sends a command and requires exactly one ACK-ACK (or ACK-NAK) back.
void command(simulator& sim, const gnss::bytes& frame, bool accepted = true)
{
    auto answer = sim.command(frame);
    REQUIRE(answer.size() == 1);
    auto v = gnss::ubx::parse_frame(answer[0]);
    REQUIRE(v);
    REQUIRE(v->msg_class == gnss::ubx::cls::ack);
    auto a = gnss::ubx::decode_ack(*v);
    REQUIRE(a);
    CHECK(a->accepted == accepted);
}

std::map<std::uint16_t, std::uint64_t> rtcm_types(const gnss::bytes& epoch)
{
    return decode(epoch).counters.rtcm3_types;
}

} // namespace

TEST_CASE("simulator: the default store is a configured base, saved to Flash")
{
    simulator sim({.station_interval = 5});
    const auto& c = sim.config();
    CHECK(c.ram(key::tmode_mode) == 2);
    CHECK(c.get(key::tmode_mode, gnss::ubx::layer::flash) == 2);
    CHECK(c.ram(key::out_1005) == 5);
    CHECK(c.ram(key::out_1005 + key::usb) == 5);
    for (std::uint32_t k : key::msm7)
        CHECK(c.ram(k) == 1);
    for (std::uint32_t k : key::msm4)
        CHECK(c.ram(k) == 0);
    CHECK(c.ram(key::nav_svin) == 0);
    CHECK(simulator({.svin = true}).config().ram(key::tmode_mode) == 1);
    CHECK(simulator({.svin = true}).config().ram(key::nav_svin) == 1);
    // The configured position is stored as cm + 0.1 mm, as the F9P splits it.
    const auto p = c.tmode_position();
    CHECK(std::fabs(p.x - sim.options().ecef_x_m) < 0.00005);
    CHECK(std::fabs(p.z - sim.options().ecef_z_m) < 0.00005);
    // 1005 rates are U1: a longer interval is kept at 255.
    CHECK(simulator({.station_interval = 1000}).config().ram(key::out_1005) == 255);
}

TEST_CASE("simulator: a factory receiver sends NMEA only until configured")
{
    simulator sim({.factory = true});
    for (std::uint32_t i = 0; i < 5; ++i) {
        decoded d = decode(sim.next());
        CHECK(d.counters.rtcm3_frames == 0);
        CHECK(d.counters.ubx_frames == 0);
        CHECK(d.counters.nmea_frames >= 9);
        CHECK(d.counters.unframed_bytes == 0);
    }
    // Configure it into a survey-in base over the port.
    command(sim, valset({val(key::tmode_mode, 1), val(key::svin_min_dur, 5),
                         val(key::svin_acc_limit, 20'000), val(key::nav_svin, 1),
                         val(key::out_1005, 1), val(key::msm7[0], 1), val(key::nav_pvt, 1)}));
    decoded d = decode(sim.next());
    CHECK(d.counters.rtcm3_types == std::map<std::uint16_t, std::uint64_t>{{1077, 1}});
    REQUIRE(d.svin);
    CHECK(d.svin->active);
    CHECK(d.svin->duration_s == 1);
    REQUIRE(d.pvt);
    CHECK(d.pvt->fix_type == 3);
}

TEST_CASE("simulator: MSM7 -> MSM4 after a VALSET, and back")
{
    simulator sim({.seed = 4});
    CHECK(rtcm_types(sim.next()) ==
          std::map<std::uint16_t, std::uint64_t>{
              {1005, 1}, {1077, 1}, {1087, 1}, {1097, 1}, {1127, 1}, {1230, 1}});
    std::vector<gnss::ubx::cfg_value> to_msm4;
    for (std::size_t i = 0; i < 4; ++i) {
        to_msm4.push_back(val(key::msm7[i], 0));
        to_msm4.push_back(val(key::msm4[i], 1));
    }
    command(sim, valset(to_msm4));
    for (int n = 0; n < 3; ++n) {
        const gnss::bytes e = sim.next();
        decoded d = decode(e);
        CHECK(d.counters.rtcm3_types ==
              std::map<std::uint16_t, std::uint64_t>{
                  {1005, 1}, {1074, 1}, {1084, 1}, {1094, 1}, {1124, 1}, {1230, 1}});
        REQUIRE(d.msm.size() == 4);
        for (std::size_t k = 0; k < 4; ++k) {
            CHECK(d.msm[k].msm == 4);
            CHECK(d.msm[k].multiple_message == (k < 3));
        }
        CHECK(d.counters.bad_checksum == 0);
        CHECK(e.size() < simulator::max_epoch_bytes); // MSM4 is the smaller set
    }
    // Both at once: MSM4 set then MSM7 set, the multiple-message bit clear on the last.
    command(sim, valset({val(key::msm7[0], 1), val(key::msm7[3], 1)}));
    decoded both = decode(sim.next());
    std::vector<int> numbers;
    for (const auto& h : both.msm)
        numbers.push_back(h.type);
    CHECK(numbers == std::vector<int>{1074, 1084, 1094, 1124, 1077, 1127});
    for (std::size_t k = 0; k < both.msm.size(); ++k)
        CHECK(both.msm[k].multiple_message == (k + 1 < both.msm.size()));
}

TEST_CASE("simulator: MSGOUT rates are every N epochs; 0 is off")
{
    simulator sim;
    command(sim, valset({val(key::out_1005, 3), val(key::out_1230, 5), val(key::nav_sat, 0),
                         val(key::nav_sig, 2), val(key::nav_pvt, 4)}));
    for (std::uint32_t i = 0; i < 12; ++i) {
        CAPTURE(i);
        decoded d = decode(sim.next());
        CHECK(d.counters.rtcm3_types.count(1005) == (i % 3 == 0));
        CHECK(d.counters.rtcm3_types.count(1230) == (i % 5 == 0));
        CHECK(d.counters.rtcm3_types.count(1077) == 1);
        CHECK(d.counters.ubx_messages.count(0x0135) == 0);
        CHECK(d.counters.ubx_messages.count(0x0143) == (i % 2 == 0));
        CHECK(d.counters.ubx_messages.count(0x0107) == (i % 4 == 0));
    }
}

TEST_CASE("simulator: NAV-SIG lists every signal of the MSMs")
{
    simulator sim({.seed = 9});
    command(sim, valset({val(key::nav_sig, 1)}));
    const gnss::bytes e = sim.next();
    std::optional<gnss::ubx::nav_sig> sig;
    gnss::framer f;
    f.feed(e, [&](const gnss::frame& fr) {
        auto v = gnss::ubx::parse_frame(fr.bytes);
        if (v && v->msg_id == gnss::ubx::id::nav_sig)
            sig = gnss::ubx::decode_nav_sig(*v);
    });
    REQUIRE(sig);
    decoded d = decode(e);
    REQUIRE(d.sat);
    std::size_t cells = 0;
    for (const auto& h : d.msm)
        cells += static_cast<std::size_t>(h.cells);
    CHECK(sig->signals.size() == cells);
    CHECK(sig->signals.size() == 2 * d.sat->svs.size());
    CHECK(sig->itow_ms == d.sat->itow_ms);
    for (const auto& s : sig->signals) {
        CHECK(s.used());
        CHECK(s.cno_dbhz >= 25);
        if (s.gnss_id == 6)
            CHECK(s.freq_id <= 13);
        else
            CHECK(s.freq_id == 0);
    }
    // Order of the stream: NAV-SIG after NAV-SAT, before NMEA.
    auto at = [&](const std::string& name) {
        return std::find(d.order.begin(), d.order.end(), name) - d.order.begin();
    };
    CHECK(at("NAV-SAT") + 1 == at("NAV-SIG"));
    CHECK(at("NAV-SIG") + 1 == at("RMC"));
}

TEST_CASE("simulator: output protocols, input protocol and the port")
{
    simulator sim;
    command(sim, valset({val(key::uart1_outprot_nmea, 0)}));
    decoded d = decode(sim.next());
    CHECK(d.counters.nmea_frames == 0);
    CHECK(d.counters.rtcm3_frames == 6);
    command(sim, valset({val(key::uart1_outprot_rtcm3, 0)}));
    d = decode(sim.next());
    CHECK(d.counters.rtcm3_frames == 0);
    CHECK(d.counters.ubx_frames == 2);
    // UBX input off: the port stops listening (no answer, no change).
    command(sim, valset({val(key::uart1_inprot_ubx, 0)}));
    CHECK(sim.command(valset({val(key::uart1_outprot_rtcm3, 1)})).empty());
    CHECK(sim.config().ram(key::uart1_outprot_rtcm3) == 0);
    // Not a UBX frame at all: nothing.
    CHECK(simulator().command(gnss::as_bytes("$GNGGA,,*00\r\n")).empty());

    // On USB, the USB keys count and the UART1 ones do not.
    simulator on_usb({.port = gnss::simulator_port::usb});
    command(on_usb, valset({val(key::msm7[0], 0)}));
    CHECK(rtcm_types(on_usb.next()).count(1077) == 1);
    command(on_usb, valset({val(key::msm7[0] + key::usb, 0)}));
    CHECK(rtcm_types(on_usb.next()).count(1077) == 0);
}

TEST_CASE("simulator: survey-in started by command converges, then 1005 has the mean")
{
    simulator_options o;
    o.seed = 21;
    o.svin_initial_accuracy_m = 1.0; // k / sqrt(t): 0.5 m after 4 s
    simulator sim(o);
    for (int i = 0; i < 3; ++i)
        CHECK(decode(sim.next()).arp.has_value()); // fixed mode until told otherwise
    command(sim, valset({val(key::tmode_mode, 1), val(key::svin_min_dur, 10),
                         val(key::svin_acc_limit, 5000), val(key::nav_svin, 1)}));
    CHECK(sim.survey_start() == 3);
    std::optional<std::uint32_t> valid_at;
    double last_accuracy = 1e9;
    for (std::uint32_t n = 1; n <= 20; ++n) {
        CAPTURE(n);
        decoded d = decode(sim.next());
        REQUIRE(d.svin);
        REQUIRE(d.pvt);
        CHECK(d.svin->mean_accuracy_m <= last_accuracy);
        last_accuracy = d.svin->mean_accuracy_m;
        if (!d.svin->valid) {
            CHECK(d.svin->active);
            CHECK(d.svin->duration_s == n);
            CHECK(d.svin->mean_accuracy_m == doctest::Approx(1.0 / std::sqrt(n)).epsilon(1e-3));
            CHECK_FALSE(d.arp);
            CHECK(d.pvt->fix_type == 3);
            continue;
        }
        if (!valid_at)
            valid_at = n;
        CHECK_FALSE(d.svin->active);
        CHECK(d.svin->duration_s == 10); // min duration rules: accuracy was met at 4 s
        CHECK(d.svin->mean_accuracy_m <= 0.5);
        CHECK(d.pvt->fix_type == 5);
        REQUIRE(d.arp);
        CHECK(std::fabs(d.arp->x - d.svin->mean_x_m) < 0.0002);
        CHECK(std::fabs(d.arp->y - d.svin->mean_y_m) < 0.0002);
        CHECK(std::fabs(d.arp->z - d.svin->mean_z_m) < 0.0002);
        const double dx = d.arp->x - o.ecef_x_m, dy = d.arp->y - o.ecef_y_m,
                     dz = d.arp->z - o.ecef_z_m;
        CHECK(std::sqrt(dx * dx + dy * dy + dz * dz) <= 0.5);
    }
    CHECK(valid_at == 10u);

    // Restart: disabled (no 1005, MSM continue, idle NAV-SVIN), then survey-in again.
    command(sim, valset({val(key::tmode_mode, 0)}));
    decoded idle = decode(sim.next());
    CHECK_FALSE(idle.arp);
    CHECK(idle.msm.size() == 4);
    REQUIRE(idle.svin);
    CHECK_FALSE(idle.svin->active);
    CHECK_FALSE(idle.svin->valid);
    CHECK(idle.svin->duration_s == 0);
    REQUIRE(idle.pvt);
    CHECK(idle.pvt->fix_type == 3);
    command(sim, valset({val(key::tmode_mode, 1)}));
    decoded again = decode(sim.next());
    REQUIRE(again.svin);
    CHECK(again.svin->active);
    CHECK(again.svin->duration_s == 1);
    // Sending the same survey-in settings again does not restart it.
    command(sim, valset({val(key::tmode_mode, 1), val(key::svin_min_dur, 10)}));
    decoded same = decode(sim.next());
    REQUIRE(same.svin);
    CHECK(same.svin->duration_s == 2);
}

TEST_CASE("simulator: fixed mode sends the configured ECEF or LLH position in 1005")
{
    simulator sim;
    // ECEF: cm + 0.1 mm, exactly what 1005's 0.1 mm fields carry.
    command(sim, valset({val(key::tmode_mode, 2), val(key::tmode_pos_type, 0),
                         val(key::ecef_x, 402789367), val(key::ecef_x_hp, 19),
                         val(key::ecef_x + 1, 30704590), val(key::ecef_x_hp + 1, -36),
                         val(key::ecef_x + 2, 491947517), val(key::ecef_x_hp + 2, 4)}));
    decoded d = decode(sim.next());
    REQUIRE(d.arp);
    CHECK(std::llround(d.arp->x * 10'000) == 40'278'936'719);
    CHECK(std::llround(d.arp->y * 10'000) == 3'070'458'964);
    CHECK(std::llround(d.arp->z * 10'000) == 49'194'751'704);

    // LLH with the HP parts: 48.8583701234 N, 2.2944813456 E, 357.1234 m.
    command(sim, valset({val(key::tmode_pos_type, 1), val(key::lat, 488583701),
                         val(key::lat_hp, 23), val(key::lon, 22944813), val(key::lon_hp, 46),
                         val(key::height, 35712), val(key::height_hp, 34)}));
    d = decode(sim.next());
    REQUIRE(d.arp);
    const auto want = gnss::to_ecef({48.858370123, 2.294481346, 357.1234});
    CHECK(std::fabs(d.arp->x - want.x) < 0.0001);
    CHECK(std::fabs(d.arp->y - want.y) < 0.0001);
    CHECK(std::fabs(d.arp->z - want.z) < 0.0001);
    // Sanity of the conversion itself: about 6371 km from the centre, in France.
    CHECK(std::hypot(want.x, want.y, want.z) == doctest::Approx(6'366'000).epsilon(0.001));
}

TEST_CASE("simulator: a reset keeps what was saved to Flash and drops RAM-only changes")
{
    simulator sim;
    command(sim, valset({val(key::msm7[0], 0)})); // RAM
    command(sim, valset({val(key::out_1230, 0)},
                        gnss::ubx::layer_bit::ram | gnss::ubx::layer_bit::flash)); // saved
    CHECK(rtcm_types(sim.next()) ==
          std::map<std::uint16_t, std::uint64_t>{{1005, 1}, {1087, 1}, {1097, 1}, {1127, 1}});
    const gnss::bytes reset =
        gnss::ubx::make_frame(gnss::ubx::cls::cfg, 0x04, gnss::bytes{0xFF, 0xFF, 0x01, 0x00});
    CHECK(sim.command(reset).empty());
    CHECK(rtcm_types(sim.next()) == std::map<std::uint16_t, std::uint64_t>{
                                        {1005, 1}, {1077, 1}, {1087, 1}, {1097, 1}, {1127, 1}});
}

TEST_CASE("simulator: everything on stays within max_epoch_bytes_all_messages")
{
    for (std::uint32_t seed : {1u, 2u, 3u}) {
        simulator_options o;
        o.seed = seed;
        o.svin = true;
        simulator sim(o);
        std::vector<gnss::ubx::cfg_value> all;
        for (std::size_t i = 0; i < 4; ++i) {
            all.push_back(val(key::msm4[i], 1));
            all.push_back(val(key::msm7[i], 1));
        }
        all.push_back(val(key::nav_sig, 1));
        command(sim, valset(all));
        for (std::uint32_t i = 0; i < 86'400; i += 7'200) {
            CAPTURE(seed);
            CAPTURE(i);
            gnss::bytes e = sim.epoch(i);
            CHECK(e.size() <= simulator::max_epoch_bytes_all_messages);
            decoded d = decode(e);
            CHECK(d.msm.size() == 8);
            CHECK(d.counters.bad_checksum == 0);
            CHECK(d.counters.unframed_bytes == 0);
        }
    }
}

TEST_CASE("simulator: MON-VER of the configured model answers a poll")
{
    simulator_options o;
    o.receiver.model = "NEO-M8P";
    o.receiver.firmware = "HPG 1.13";
    simulator sim(o);
    auto answer =
        sim.command(gnss::ubx::make_frame(gnss::ubx::cls::mon, gnss::ubx::id::mon_ver, {}));
    REQUIRE(answer.size() == 1);
    CHECK(answer[0] == sim.mon_ver());
    auto mv = gnss::ubx::decode_mon_ver(*gnss::ubx::parse_frame(answer[0]));
    REQUIRE(mv);
    CHECK(mv->model() == "NEO-M8P");
    CHECK(mv->firmware() == "HPG 1.13");
}
