// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated F9P base: deterministic, every frame valid, the per-epoch frame set of a
// real base, consistent MSM/NAV-SAT/NAV-PVT/GGA content, and a converging survey-in.
#include "gnss/simulator.hpp"

#include "gnss/framer.hpp"
#include "gnss/nmea.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "gnss/ubx.hpp"
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
