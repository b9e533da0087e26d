// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of Cairn's station messages: antenna text, generated 1005/1006/1008/1033 decoded
// back, the pass/replace policy on a real capture, the schedule and station id rewriting.
#include "gnss/station_stream.hpp"

#include "gnss/framer.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_info.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <stdexcept>

using namespace gnss;
using namespace std::chrono_literals;

namespace {

using time_point = station_stream::time_point;
const time_point t0 = time_point{} + 1000h;

const ecef capture_base{4444030.8028, 3085671.2349, 3366658.2560};

std::vector<bytes> rtcm3_frames(const std::string& capture)
{
    const auto data = cairn_test::capture(capture);
    std::vector<bytes> out;
    framer f;
    f.feed(data, [&](const frame& fr) {
        if (fr.kind == frame_kind::rtcm3)
            out.emplace_back(fr.bytes.begin(), fr.bytes.end());
    });
    REQUIRE_FALSE(out.empty());
    return out;
}

std::map<std::uint16_t, bytes> by_type(const std::vector<bytes>& frames)
{
    std::map<std::uint16_t, bytes> out;
    for (const auto& f : frames) {
        auto t = rtcm3::message_type(f);
        REQUIRE(t);
        CHECK(out.count(*t) == 0);
        out[*t] = f;
    }
    return out;
}

station_config replacing(ecef position)
{
    station_config c;
    c.position = position;
    c.policy = arp_policy::replace;
    return c;
}

} // namespace

TEST_CASE("station: the generated 1005 decodes to the configured position")
{
    // From RTKBase's LLH text, through geodesy, to 0.1 mm in the 1005.
    const std::optional<llh> llh_in = llh{32.0658325449, 34.7738190354, 72.13417};
    auto c = replacing(to_ecef(*llh_in));
    c.station_id = 2001;
    station_stream s(c);
    const auto frames = s.due(t0);
    REQUIRE(frames.size() == 1);
    const auto arp = rtcm3::decode_station_arp(frames[0]);
    REQUIRE(arp);
    CHECK(arp->type == 1005);
    CHECK(arp->station_id == 2001);
    CHECK(arp->gps);
    CHECK(arp->glonass);
    CHECK(arp->galileo);
    CHECK(std::fabs(arp->x - capture_base.x) <= 1e-4);
    CHECK(std::fabs(arp->y - capture_base.y) <= 1e-4);
    CHECK(std::fabs(arp->z - capture_base.z) <= 1e-4);
    const llh back = to_llh({arp->x, arp->y, arp->z});
    CHECK(std::fabs(back.height_m - llh_in->height_m) <= 1e-4);
}

TEST_CASE("station: antenna height makes a 1006; 1008 and 1033 carry the text")
{
    auto c = replacing(capture_base);
    c.antenna_height_m = 1.2345;
    c.antenna = antenna_text{"TRM59800.00     NONE", "5000118597", 3};
    c.receiver_type = "u-blox ZED-F9P";
    c.receiver_firmware = "HPG 1.32";
    c.receiver_serial = "SN42";
    station_stream s(c);
    const auto types = by_type(s.due(t0));
    REQUIRE(types.size() == 3);
    const auto arp = rtcm3::decode_station_arp(types.at(1006));
    REQUIRE(arp);
    CHECK(arp->antenna_height == doctest::Approx(1.2345).epsilon(1e-9));
    CHECK(arp->x == doctest::Approx(capture_base.x).epsilon(1e-12));

    const auto a1008 = rtcm3::decode_antenna_info(types.at(1008));
    REQUIRE(a1008);
    CHECK(a1008->descriptor == "TRM59800.00     NONE");
    CHECK(a1008->serial == "5000118597");
    CHECK(a1008->setup_id == 3);
    CHECK(a1008->station_id == 0);
    const auto a1033 = rtcm3::decode_antenna_info(types.at(1033));
    REQUIRE(a1033);
    CHECK(a1033->descriptor == "TRM59800.00     NONE");
    CHECK(a1033->serial == "5000118597");
    CHECK(a1033->setup_id == 3);
    CHECK(a1033->receiver_type == "u-blox ZED-F9P");
    CHECK(a1033->firmware == "HPG 1.32");
    CHECK(a1033->receiver_serial == "SN42");

    // force_1006 sends a 1006 with a zero height.
    c.antenna_height_m = 0;
    c.force_1006 = true;
    const auto forced = by_type(station_stream(c).due(t0));
    REQUIRE(forced.count(1006) == 1);
    CHECK(rtcm3::decode_station_arp(forced.at(1006))->antenna_height == 0);
}

TEST_CASE("station: which messages Cairn sends follows the config")
{
    station_config c; // pass, nothing configured: Cairn sends nothing
    CHECK(station_stream(c).frames().empty());
    c.position = capture_base; // a position alone is used only with replace
    CHECK(station_stream(c).frames().empty());
    c.receiver_serial = "X";
    CHECK(by_type(station_stream(c).frames()).count(1033) == 1);
    CHECK(station_stream(c).frames().size() == 1);
    c.receiver_serial.clear();
    c.antenna = antenna_text{"ADVNULLANTENNA", "", 0};
    auto types = by_type(station_stream(c).frames());
    CHECK(types.size() == 2);
    CHECK(types.count(1008) == 1);
    const auto a1033 = rtcm3::decode_antenna_info(types.at(1033));
    REQUIRE(a1033);
    CHECK(a1033->receiver_type.empty());

    // MON-VER fills the receiver strings the config left empty, made printable and cut.
    station_config learn;
    learn.receiver_firmware = "configured fw";
    station_stream s(learn);
    s.set_receiver_identity("ZED-F9P\x01" + std::string(40, 'x'), "HPG 1.32");
    const auto info = rtcm3::decode_antenna_info(by_type(s.frames()).at(1033));
    REQUIRE(info);
    CHECK(info->receiver_type == "ZED-F9P?" + std::string(23, 'x'));
    CHECK(info->firmware == "configured fw");
}

TEST_CASE("station: pass and replace on the capture's RTCM3 stream")
{
    const auto frames = rtcm3_frames("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    REQUIRE(frames.size() == 7 * 158);
    auto count = [&](const station_stream& s) {
        std::map<std::uint16_t, int> out;
        for (const auto& f : frames)
            if (auto fwd = s.forward(f)) {
                CHECK(s.pass(f));
                CHECK(*fwd == f); // station id 0 everywhere: forwarded unchanged
                ++out[*rtcm3::message_type(*fwd)];
            } else {
                CHECK_FALSE(s.pass(f));
            }
        return out;
    };
    station_stream pass_all{station_config{}};
    auto passed = count(pass_all);
    CHECK(passed.size() == 7);
    CHECK(passed[1005] == 158);

    station_stream replace(replacing(capture_base));
    passed = count(replace);
    CHECK(passed.size() == 6);
    CHECK(passed.count(1005) == 0);
    CHECK(passed[1077] == 158);
    CHECK(passed[4072] == 158);
    // Cairn's 1005 from the same position is the receiver's, bar the oscillator flag
    // (the F9P sets it; Cairn cannot know).
    const auto own = rtcm3::decode_station_arp(replace.frames().at(0));
    const auto theirs = rtcm3::decode_station_arp(frames.at(0));
    REQUIRE(own);
    REQUIRE(theirs);
    CHECK(own->x == theirs->x);
    CHECK(own->y == theirs->y);
    CHECK(own->z == theirs->z);
    CHECK(own->station_id == theirs->station_id);

    // Cairn's antenna info replaces any 1008/1033 from the receiver (Septentrio sends them).
    const auto septentrio = rtcm3_frames("septentrio-polarx5-alltypes.rtcm3");
    station_config with_antenna;
    with_antenna.antenna = antenna_text{"ADVNULLANTENNA", "", 0};
    station_stream s(with_antenna);
    int dropped = 0;
    for (const auto& f : septentrio)
        if (!s.pass(f)) {
            ++dropped;
            const auto t = *rtcm3::message_type(f);
            CHECK((t == 1008 || t == 1033));
        }
    CHECK(dropped == 2); // its 1008 and its 1033
}

TEST_CASE("station: a configured station id is written into every forwarded frame")
{
    const auto frames = rtcm3_frames("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    auto c = replacing(capture_base);
    c.station_id = 4095;
    station_stream s(c);
    int rewritten = 0, unchanged = 0;
    for (const auto& f : frames) {
        const auto fwd = s.forward(f);
        if (!fwd)
            continue;
        REQUIRE_FALSE(rtcm3::payload(*fwd).empty()); // CRC recomputed
        CHECK(fwd->size() == f.size());
        if (auto id = rtcm3::station_id(*fwd)) {
            CHECK(*id == 4095);
            ++rewritten;
            // Only the 12 id bits changed: the MSM header still decodes the same.
            if (auto h = rtcm3::decode_msm_header(f)) {
                auto h2 = rtcm3::decode_msm_header(*fwd);
                REQUIRE(h2);
                CHECK(h2->epoch == h->epoch);
                CHECK(h2->cell_mask == h->cell_mask);
                CHECK(rtcm3::decode_msm7_cells(*fwd)->size() ==
                      rtcm3::decode_msm7_cells(f)->size());
            }
        } else {
            CHECK(*fwd == f); // 4072 carries no DF003 there
            ++unchanged;
        }
    }
    CHECK(rewritten == 5 * 158); // 1077, 1087, 1097, 1127, 1230
    CHECK(unchanged == 158);
    for (const auto& f : s.frames())
        CHECK(rtcm3::station_id(f) == 4095);
}

TEST_CASE("station: rewrite_station_id round trips at every id and refuses bad input")
{
    const auto frames = rtcm3_frames("septentrio-polarx5-alltypes.rtcm3");
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> ids(0, 4095);
    for (const auto& f : frames) {
        const auto type = rtcm3::message_type(f);
        CAPTURE(*type);
        const auto id = static_cast<std::uint16_t>(ids(rng));
        const auto out = rewrite_station_id(f, id);
        REQUIRE(out);
        if (rtcm3::station_id(f)) {
            CHECK(rtcm3::station_id(*out) == id);
            CHECK(rtcm3::message_type(*out) == type);
            const auto back = rewrite_station_id(*out, *rtcm3::station_id(f));
            REQUIRE(back);
            CHECK(*back == f);
        } else {
            CHECK(*out == f);
        }
    }
    CHECK_FALSE(rewrite_station_id(frames[0], 4096));
    bytes broken = frames[0];
    broken.back() ^= 1;
    CHECK_FALSE(rewrite_station_id(broken, 1));
    CHECK_FALSE(rewrite_station_id({}, 1));
    CHECK(rewrite_station_id(rtcm3::make_frame({}), 1) == rtcm3::make_frame({}));
}

TEST_CASE("station: due() sends everything at the first call, then every interval")
{
    auto c = replacing(capture_base);
    c.antenna = antenna_text{"ADVNULLANTENNA", "", 0};
    c.interval = 10s;
    station_stream s(c);
    CHECK(s.due(t0).size() == 3);
    CHECK(s.due(t0).empty());
    CHECK(s.due(t0 + 9999ms).empty());
    CHECK(s.due(t0 + 10s).size() == 3);
    // A late call keeps the phase: the next is due at t0 + 20 s, not 10 s after it.
    CHECK(s.due(t0 + 13s).empty());
    CHECK(s.due(t0 + 17s).empty());
    CHECK(s.due(t0 + 20s).size() == 3);
    CHECK(s.due(t0 + 21s).empty());
    // A long gap sends once, then restarts the phase from that call.
    CHECK(s.due(t0 + 95s).size() == 3);
    CHECK(s.due(t0 + 100s).empty());
    CHECK(s.due(t0 + 105s).size() == 3);
    CHECK(s.due(t0 + 105s).empty());
}

TEST_CASE("station: check() refuses configs that cannot be sent")
{
    const std::pair<station_config, const char*> bad[] = {
        {[] {
             station_config c;
             c.station_id = 4096;
             return c;
         }(),
         "station id 4096"},
        {[] {
             station_config c;
             c.policy = arp_policy::replace;
             return c;
         }(),
         "needs a station position"},
        {[] {
             auto c = replacing({0, 0, 0});
             return c;
         }(),
         "from the WGS84 ellipsoid"},
        {[] {
             auto c = replacing({NAN, 0, 0});
             return c;
         }(),
         "not a finite number"},
        {[] {
             station_config c;
             c.antenna_height_m = 6.5536;
             return c;
         }(),
         "antenna height"},
        {[] {
             station_config c;
             c.antenna_height_m = -0.1;
             return c;
         }(),
         "antenna height"},
        {[] {
             station_config c;
             c.antenna_height_m = NAN;
             return c;
         }(),
         "antenna height"},
        {[] {
             station_config c;
             c.interval = 999ms;
             return c;
         }(),
         "interval 999 ms"},
        {[] {
             station_config c;
             c.interval = 3601s;
             return c;
         }(),
         "interval"},
        {[] {
             station_config c;
             c.antenna = antenna_text{};
             return c;
         }(),
         "descriptor is empty"},
        {[] {
             station_config c;
             c.antenna = antenna_text{std::string(32, 'A'), "", 0};
             return c;
         }(),
         "32 characters"},
        {[] {
             station_config c;
             c.receiver_type = "tab\there";
             return c;
         }(),
         "printable ASCII"},
        {[] {
             station_config c;
             c.receiver_serial = std::string(32, '1');
             return c;
         }(),
         "receiver serial"},
    };
    for (const auto& [config, says] : bad) {
        CAPTURE(says);
        const auto r = station_stream::check(config);
        REQUIRE_FALSE(r);
        CHECK(r.error().find(says) != std::string::npos);
        CHECK_FALSE(station_stream::make(config));
        CHECK_THROWS_AS(station_stream{config}, std::invalid_argument);
    }
    // The limits themselves are fine.
    auto c = replacing(capture_base);
    c.station_id = 4095;
    c.antenna_height_m = station_config::max_antenna_height_m;
    c.interval = station_config::min_interval;
    c.antenna = antenna_text{std::string(31, 'A'), std::string(31, 'B'), 255};
    c.receiver_type = c.receiver_firmware = c.receiver_serial = std::string(31, '~');
    REQUIRE(station_stream::check(c));
    const auto made = station_stream::make(c);
    REQUIRE(made);
    CHECK(made->frames().size() == 3);
    c.interval = station_config::max_interval;
    CHECK(station_stream::check(c));
}
