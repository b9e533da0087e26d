// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the receiver status kept from frames: real captures replayed with a fake clock,
// synthetic NAV-SAT/NAV-SIG merging, staleness, RTCM3 epochs and intervals, and bounds.
#include "gnss/receiver_monitor.hpp"

#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "gnss/ubx.hpp"
#include "gnss/ubx_nav.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace gnss;
using namespace std::chrono_literals;

namespace {

using time_point = receiver_monitor::time_point;
const time_point t0 = time_point{} + 1000h;

// Replays a capture as a 1 Hz receiver would send it: each epoch ends with its NAV-PVT,
// frames within an epoch arrive 2 ms apart. Returns the time of the last frame.
time_point replay(receiver_monitor& m, const std::string& capture, std::size_t chunk = 4096)
{
    const auto data = cairn_test::capture(capture);
    framer f;
    int epoch = 0, in_epoch = 0;
    time_point now = t0;
    const auto sink = [&](const frame& fr) {
        now = t0 + epoch * 1s + in_epoch++ * 2ms;
        m.on_frame(fr.kind, fr.bytes, now);
        if (fr.kind == frame_kind::ubx) {
            const auto v = ubx::parse_frame(fr.bytes);
            if (v && v->msg_class == ubx::cls::nav && v->msg_id == ubx::id::nav_pvt) {
                ++epoch;
                in_epoch = 0;
            }
        }
    };
    for (std::size_t at = 0; at < data.size(); at += chunk)
        f.feed(byte_view(data).subspan(at, std::min(chunk, data.size() - at)), sink);
    f.finish(sink);
    return now;
}

} // namespace

TEST_CASE("monitor: the F9 base capture: fix, survey-in and seven RTCM3 types at 1 Hz")
{
    receiver_monitor m;
    const auto end = replay(m, "u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    const auto s = m.status(end);
    CHECK(s.undecodable == 0);
    REQUIRE(s.pvt);
    CHECK_FALSE(s.pvt->stale);
    const auto& pvt = s.pvt->value;
    CHECK(pvt.itow_ms == 204294000);
    CHECK(pvt.fix_type == 5);
    CHECK(pvt.fix_name == "time only");
    CHECK(pvt.gnss_fix_ok);
    CHECK(pvt.satellites_used == 32);
    CHECK(pvt.position.lat_deg == doctest::Approx(32.0658325).epsilon(1e-12));
    CHECK(pvt.position.lon_deg == doctest::Approx(34.7738190).epsilon(1e-12));
    CHECK(pvt.position.height_m == doctest::Approx(72.134).epsilon(1e-12));
    CHECK(pvt.h_accuracy_m == doctest::Approx(0.685));
    CHECK(pvt.v_accuracy_m == doctest::Approx(0.484));

    REQUIRE(s.survey);
    CHECK_FALSE(s.survey->stale); // the last NAV-SVIN came 6 s before the end
    const auto& svin = s.survey->value;
    CHECK(svin.itow_ms == 204288000);
    CHECK(svin.elapsed_s == 30);
    CHECK(svin.mean_accuracy_m == doctest::Approx(0.8383).epsilon(1e-4));
    CHECK(svin.observations == 31);
    CHECK(svin.valid);
    CHECK_FALSE(svin.active);
    CHECK(std::fabs(svin.mean.x - 4444030.8029) < 1e-4);
    CHECK(std::fabs(svin.mean.y - 3085671.2349) < 1e-4);
    CHECK(std::fabs(svin.mean.z - 3366658.2560) < 1e-4);

    CHECK_FALSE(s.identity); // no MON-VER in this capture
    CHECK_FALSE(s.satellites);
    REQUIRE(s.rtcm.size() == 7);
    for (std::uint16_t type : {1005, 1077, 1087, 1097, 1127, 1230, 4072}) {
        CAPTURE(type);
        REQUIRE(s.rtcm.count(type) == 1);
        const auto& r = s.rtcm.at(type);
        CHECK(r.frames == 158);
        CHECK(r.epochs == 158);
        REQUIRE(r.interval);
        CHECK(r.interval->count() >= 990);
        CHECK(r.interval->count() <= 1010);
        CHECK(end - r.last < 1s);
    }

    // Ageing: PVT goes stale after 5 s, the survey after 30 s; counts stay.
    auto later = m.status(end + receiver_monitor::stale_after + 1ms);
    CHECK(later.pvt->stale);
    CHECK_FALSE(later.survey->stale);
    later = m.status(end + receiver_monitor::survey_stale_after);
    CHECK(later.survey->stale);
    CHECK(later.rtcm.at(1077).frames == 158);
    CHECK(m.status(end + receiver_monitor::stale_after).pvt->stale == false);

    m.reset();
    const auto empty = m.status(end);
    CHECK_FALSE(empty.pvt);
    CHECK(empty.rtcm.empty());
}

TEST_CASE("monitor: the same capture fed one byte at a time gives the same status")
{
    receiver_monitor whole, bytewise;
    const auto end = replay(whole, "u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    CHECK(replay(bytewise, "u-blox-f9-base-mixed-nmea-ubx-rtcm3.log", 1) == end);
    const auto a = whole.status(end), b = bytewise.status(end);
    REQUIRE(b.pvt);
    CHECK(a.pvt->value.itow_ms == b.pvt->value.itow_ms);
    CHECK(a.survey->value.observations == b.survey->value.observations);
    REQUIRE(a.rtcm.size() == b.rtcm.size());
    for (const auto& [type, r] : a.rtcm) {
        CHECK(b.rtcm.at(type).frames == r.frames);
        CHECK(b.rtcm.at(type).interval == r.interval);
    }
}

TEST_CASE("monitor: NAV-SAT of a rover capture and MON-VER of a u-center session")
{
    receiver_monitor m;
    auto end = replay(m, "zed-f9p-hpg132-nav.ubx");
    auto s = m.status(end);
    REQUIRE(s.satellites);
    CHECK_FALSE(s.satellites->stale);
    const auto& sats = s.satellites->value;
    REQUIRE(sats.size() == 54);
    CHECK(s.satellites_seen == 32);
    CHECK(s.satellites_used == 19);
    CHECK(s.pvt->value.satellites_used == 19); // agrees with NAV-PVT
    CHECK(sats.front().system == "GPS");
    CHECK(sats.front().sv_id == 1);
    CHECK(sats.front().cno_dbhz == 38);
    CHECK(sats.front().elevation_deg == 3);
    CHECK(sats.front().azimuth_deg == 161);
    CHECK_FALSE(sats.front().used);
    CHECK(sats.back().system == "GLONASS");
    CHECK(sats.back().sv_id == 24);
    CHECK(sats.back().cno_dbhz == 22);
    CHECK(sats.back().elevation_deg == 32);
    CHECK(sats.back().azimuth_deg == 319);
    CHECK(sats.back().signals.empty()); // no NAV-SIG in this capture
    CHECK(s.pvt->value.fix_name == "3D");
    CHECK(m.status(end + 5001ms).satellites->stale);

    receiver_monitor u;
    end = replay(u, "zed-f9p-ucenter-session.ubx");
    s = u.status(end);
    REQUIRE(s.identity);
    CHECK(s.identity->value.model == "ZED-F9P");
    CHECK(s.identity->value.firmware == "HPG 1.32");
    CHECK(s.identity->value.protocol == "27.31");
    CHECK(s.identity->value.software == "EXT CORE 1.00 (0fa0ae)");
    CHECK(s.identity->value.hardware == "00190000");
    CHECK_FALSE(s.identity->stale);
    REQUIRE(s.satellites);
    CHECK(s.satellites->value.size() == 15);
    CHECK(s.satellites_seen == 11);
    CHECK(s.satellites_used == 8);
    REQUIRE(s.survey);
    CHECK_FALSE(s.survey->value.valid);
    CHECK(s.survey->value.observations == 0);
}

TEST_CASE("monitor: NAV-SIG signals are merged into NAV-SAT's satellites")
{
    ubx::nav_sat sat;
    sat.svs.push_back({0, 5, 44, 60, 120, 0, 0x08}); // GPS 5, used
    sat.svs.push_back({2, 11, 0, -91, 0, 0, 0x00});  // Galileo 11, not seen
    ubx::nav_sig sig;
    sig.signals.push_back({0, 5, 0, 0, 0, 44, 7, 0, 0, 0x08});  // GPS 5 L1C/A used
    sig.signals.push_back({0, 5, 3, 0, 0, 40, 7, 0, 0, 0x00});  // GPS 5 L2 CL
    sig.signals.push_back({3, 22, 2, 0, 0, 35, 5, 0, 0, 0x08}); // BeiDou 22 B2I D1, no NAV-SAT
    sig.signals.push_back({6, 4, 2, 0, 0, 30, 4, 0, 0, 0x00});  // GLONASS 4 L2 OF
    sig.signals.push_back({6, 4, 0, 0, 0, 33, 4, 0, 0, 0x00});  // GLONASS 4 L1 OF
    receiver_monitor m;
    m.on_frame(frame_kind::ubx, ubx::encode_nav_sig(sig), t0); // order does not matter
    m.on_frame(frame_kind::ubx, ubx::encode_nav_sat(sat), t0 + 10ms);
    const auto s = m.status(t0 + 20ms);
    REQUIRE(s.satellites);
    const auto& v = s.satellites->value;
    REQUIRE(v.size() == 4);
    CHECK(v[0].system == "GPS");
    REQUIRE(v[0].signals.size() == 2);
    CHECK(v[0].signals[0].name == "L1C/A");
    CHECK(v[0].signals[0].band == "L1");
    CHECK(v[0].signals[0].used);
    CHECK(v[0].signals[0].quality == 7);
    CHECK(v[0].signals[1].name == "L2 CL");
    CHECK(v[0].signals[1].cno_dbhz == 40);
    CHECK_FALSE(v[0].signals[1].used);
    CHECK(v[1].system == "Galileo");
    CHECK(v[1].signals.empty());
    CHECK(v[2].system == "BeiDou"); // added from NAV-SIG alone
    CHECK(v[2].sv_id == 22);
    CHECK(v[2].elevation_deg == -91); // unknown
    CHECK(v[2].cno_dbhz == 35);
    CHECK(v[2].used);
    CHECK(v[2].signals.at(0).name == "B2I D1");
    CHECK(v[2].signals.at(0).band == "B2I");
    CHECK(v[3].system == "GLONASS");
    CHECK(v[3].cno_dbhz == 33); // the strongest signal
    CHECK_FALSE(v[3].used);
    CHECK(v[3].signals.size() == 2);
    CHECK(s.satellites_seen == 3);
    CHECK(s.satellites_used == 2);
    CHECK(s.satellites->received == t0 + 10ms);
}

TEST_CASE("monitor: names of systems, signals and fix types")
{
    CHECK(gnss_name(0) == "GPS");
    CHECK(gnss_name(1) == "SBAS");
    CHECK(gnss_name(2) == "Galileo");
    CHECK(gnss_name(3) == "BeiDou");
    CHECK(gnss_name(5) == "QZSS");
    CHECK(gnss_name(6) == "GLONASS");
    CHECK(gnss_name(7) == "NavIC");
    CHECK(gnss_name(8) == "unknown");
    // The ZED-F9P's signals (F9 HPG interface description).
    CHECK(signal_name(0, 0) == "L1C/A");
    CHECK(signal_name(0, 3) == "L2 CL");
    CHECK(signal_name(0, 4) == "L2 CM");
    CHECK(signal_name(1, 0) == "L1C/A");
    CHECK(signal_name(2, 0) == "E1 C");
    CHECK(signal_name(2, 1) == "E1 B");
    CHECK(signal_name(2, 5) == "E5 bI");
    CHECK(signal_name(2, 6) == "E5 bQ");
    CHECK(signal_band(2, 6) == "E5b");
    CHECK(signal_name(3, 0) == "B1I D1");
    CHECK(signal_name(3, 1) == "B1I D2");
    CHECK(signal_name(3, 2) == "B2I D1");
    CHECK(signal_name(3, 3) == "B2I D2");
    CHECK(signal_name(5, 0) == "L1C/A");
    CHECK(signal_name(5, 1) == "L1S");
    CHECK(signal_name(5, 4) == "L2 CM");
    CHECK(signal_name(5, 5) == "L2 CL");
    CHECK(signal_name(6, 0) == "L1 OF");
    CHECK(signal_name(6, 2) == "L2 OF");
    CHECK(signal_name(0, 1) == "unknown");
    CHECK(signal_band(9, 0) == "unknown");
    CHECK(fix_type_name(0) == "no fix");
    CHECK(fix_type_name(3) == "3D");
    CHECK(fix_type_name(5) == "time only");
    CHECK(fix_type_name(6) == "unknown");
}

TEST_CASE("monitor: RTCM3 epochs: split MSM frames count once, intervals follow arrivals")
{
    const std::vector<rtcm3::msm_satellite> sats = {{3, {2, 15}, 70.0, 45.0}};
    receiver_monitor m;
    // 1077 split into two frames per epoch (multiple-message bit), 1005 every 10 s, and
    // a 1230 twice within 50 ms (one epoch).
    for (int e = 0; e < 20; ++e) {
        const time_point at = t0 + e * 1s;
        const auto epoch = static_cast<std::uint32_t>(1000 * e);
        m.on_frame(frame_kind::rtcm3,
                   *rtcm3::encode_msm7(rtcm3::constellation::gps, 0, epoch, true, sats), at);
        // The second part arrives 300 ms later (a slow link): same epoch time, one epoch.
        m.on_frame(frame_kind::rtcm3,
                   *rtcm3::encode_msm7(rtcm3::constellation::gps, 0, epoch, false, sats),
                   at + 300ms);
        if (e % 10 == 0)
            m.on_frame(frame_kind::rtcm3, rtcm3::encode_station_arp({}), at);
        if (e % 2 == 0) {
            m.on_frame(frame_kind::rtcm3, rtcm3::make_frame(bytes{0x4C, 0xE0, 0x00}), at);
            m.on_frame(frame_kind::rtcm3, rtcm3::make_frame(bytes{0x4C, 0xE0, 0x00}), at + 49ms);
        }
    }
    const auto s = m.status(t0 + 20s);
    const auto& msm = s.rtcm.at(1077);
    CHECK(msm.frames == 40);
    CHECK(msm.epochs == 20);
    CHECK(msm.interval == 1000ms);
    CHECK(msm.last == t0 + 19s + 300ms);
    CHECK(s.rtcm.at(1005).epochs == 2);
    CHECK(s.rtcm.at(1005).interval == 10000ms);
    CHECK(s.rtcm.at(1230).frames == 20);
    CHECK(s.rtcm.at(1230).epochs == 10);
    CHECK(s.rtcm.at(1230).interval == 2000ms);

    // The interval is the mean over the last interval_window epochs: after a change of
    // rate it follows within that many epochs.
    receiver_monitor r;
    auto at = t0;
    for (int i = 0; i < 20; ++i, at += 1s)
        r.on_frame(frame_kind::rtcm3, rtcm3::encode_station_arp({}), at);
    for (std::size_t i = 0; i < receiver_monitor::interval_window; ++i, at += 5s)
        r.on_frame(frame_kind::rtcm3, rtcm3::encode_station_arp({}), at);
    CHECK(r.status(at).rtcm.at(1005).interval == 5000ms);
    r.on_frame(frame_kind::rtcm3, rtcm3::encode_station_arp({}), at + 1s);
    CHECK(r.status(at).rtcm.at(1005).interval == std::chrono::milliseconds((5000 * 6 + 6000) / 7));
}

TEST_CASE("monitor: bounded by RTCM's 4096 types; bad payloads are counted")
{
    receiver_monitor m;
    for (unsigned type = 0; type < 4096; ++type) {
        const bytes payload{static_cast<std::uint8_t>(type >> 4),
                            static_cast<std::uint8_t>((type & 0xF) << 4), 0};
        m.on_frame(frame_kind::rtcm3, rtcm3::make_frame(payload), t0);
        m.on_frame(frame_kind::rtcm3, rtcm3::make_frame(payload), t0 + 1s);
    }
    auto s = m.status(t0 + 1s);
    CHECK(s.rtcm.size() == receiver_monitor::max_rtcm_types);
    CHECK(s.rtcm.at(4095).frames == 2);

    // A NAV-SAT with the most satellites a frame can hold keeps them all.
    ubx::nav_sat big;
    for (std::size_t i = 0; i < ubx::max_nav_sat_svs; ++i)
        big.svs.push_back(
            {static_cast<std::uint8_t>(i % 7), static_cast<std::uint8_t>(i), 30, 10, 100, 0, 0x08});
    m.on_frame(frame_kind::ubx, ubx::encode_nav_sat(big), t0);
    s = m.status(t0);
    REQUIRE(s.satellites);
    CHECK(s.satellites->value.size() == receiver_monitor::max_satellites);
    CHECK(s.satellites_used == 255);

    // NAV frames whose payload does not decode (wrong length) are counted, not kept.
    m.on_frame(frame_kind::ubx, ubx::make_frame(ubx::cls::nav, ubx::id::nav_pvt, bytes(91)), t0);
    m.on_frame(frame_kind::ubx, ubx::make_frame(ubx::cls::nav, ubx::id::nav_svin, bytes(3)), t0);
    m.on_frame(frame_kind::ubx, ubx::make_frame(ubx::cls::mon, ubx::id::mon_ver, bytes(41)), t0);
    m.on_frame(frame_kind::rtcm3, rtcm3::make_frame(bytes{0x3E}), t0);       // no message number
    m.on_frame(frame_kind::ubx, ubx::make_frame(0x01, 0x02, bytes(28)), t0); // NAV-POSLLH: ignored
    m.on_frame(frame_kind::nmea, as_bytes("$GPGGA,*56\r\n"), t0);
    s = m.status(t0);
    CHECK(s.undecodable == 4);
    CHECK_FALSE(s.pvt);
    CHECK_FALSE(s.survey);
    CHECK_FALSE(s.identity);
}

TEST_CASE("monitor: fixed-seed random frames never break the status")
{
    std::mt19937 rng(99);
    std::uniform_int_distribution<int> byte(0, 255), len(0, 300), pick(0, 5);
    receiver_monitor m;
    auto now = t0;
    const std::uint8_t ids[] = {ubx::id::nav_pvt,  ubx::id::nav_sat, ubx::id::nav_sig,
                                ubx::id::nav_svin, ubx::id::mon_ver, 0x99};
    for (int i = 0; i < 20000; ++i, now += 7ms) {
        bytes payload(static_cast<std::size_t>(len(rng)));
        for (auto& b : payload)
            b = static_cast<std::uint8_t>(byte(rng));
        const auto which = ids[pick(rng)];
        m.on_frame(frame_kind::ubx,
                   ubx::make_frame(which == ubx::id::mon_ver ? ubx::cls::mon : ubx::cls::nav, which,
                                   payload),
                   now);
        m.on_frame(frame_kind::rtcm3, rtcm3::make_frame(payload), now);
    }
    const auto s = m.status(now);
    CHECK(s.rtcm.size() <= receiver_monitor::max_rtcm_types);
    CHECK(s.undecodable > 0);
    if (s.satellites)
        CHECK(s.satellites->value.size() <= receiver_monitor::max_satellites);
}
