// SPDX-License-Identifier: GPL-3.0-or-later
// The message filter: decimation with jitter, and the filter frame by frame on the real F9 base capture.
#include "ntrip/message_filter.hpp"

#include "gnss/epoch_pacer.hpp"
#include "gnss/framer.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "unit/test_data.hpp"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using ntrip::message_entry;
using ntrip::message_filter;
using ntrip::message_list;
using ntrip::parse_message_list;

namespace {

constexpr const char* rtkbase_full = "1004,1005(10),1006,1008(10),1012,1019,1020,1033(10),1042,"
                                     "1045,1046,1077,1087,1097,1107,1127,1230";
constexpr const char* rtkbase_f9p = "1005(10),1077,1087,1097,1127,1230(5)";
constexpr const char* capture_name = "u-blox-f9-base-mixed-nmea-ubx-rtcm3.log";

message_list must_parse(std::string_view text)
{
    auto l = parse_message_list(text);
    REQUIRE_MESSAGE(l.has_value(), (l ? std::string() : l.error()));
    return *l;
}

const message_filter::clock::time_point t0{};

// A minimal RTCM3 frame of the given type (12-bit number, then padding).
gnss::bytes frame_of(std::uint16_t type)
{
    gnss::bytes payload{static_cast<std::uint8_t>(type >> 4),
                        static_cast<std::uint8_t>((type & 0xF) << 4), 0, 0};
    return gnss::rtcm3::make_frame(payload);
}

} // namespace

TEST_CASE("message filter: unlisted types dropped, every-epoch types all kept, counters")
{
    message_filter f(must_parse("1077,1005(10)"));
    for (int i = 0; i < 5; ++i) {
        CHECK(f.keep(1077, t0 + i * 1s));
        CHECK_FALSE(f.keep(1087, t0 + i * 1s));
    }
    CHECK(f.counters().at(1077).kept == 5);
    CHECK(f.counters().at(1077).dropped == 0);
    CHECK(f.counters().at(1087).kept == 0);
    CHECK(f.counters().at(1087).dropped == 5);
}

TEST_CASE("message filter: early tolerance and same-epoch window are exact")
{
    static_assert(message_filter::early_tolerance == 500ms);
    static_assert(message_filter::same_epoch_window == 50ms);
    message_filter f(must_parse("1005(10),1077(10)"));
    CHECK(f.keep(1005, t0));
    CHECK_FALSE(f.keep(1005, t0 + 9499ms));
    CHECK(f.keep(1005, t0 + 9500ms)); // due within 0.5 s early: counts
    CHECK_FALSE(f.keep(1005, t0 + 9500ms + 9499ms));

    // An MSM split over several frames in one epoch goes out whole, then not again.
    CHECK(f.keep(1077, t0));
    CHECK(f.keep(1077, t0 + 10ms));
    CHECK(f.keep(1077, t0 + 49ms));
    CHECK_FALSE(f.keep(1077, t0 + 50ms));
    CHECK_FALSE(f.keep(1077, t0 + 1s));
    CHECK(f.keep(1077, t0 + 10s));
    CHECK(f.counters().at(1077).kept == 4);
    CHECK(f.counters().at(1077).dropped == 2);
}

TEST_CASE("message filter: an MSM split by the multiple-message bit goes out whole")
{
    static_assert(message_filter::max_split_epoch_span == 500ms);
    auto msm = [](bool more) {
        auto f = gnss::rtcm3::encode_msm7(gnss::rtcm3::constellation::gps, 1, 1000, more,
                                          {{3, {2}}, {7, {2, 15}}});
        REQUIRE(f.has_value());
        return *f;
    };
    message_filter f(must_parse("1077(10)"));
    CHECK(f.keep(msm(true), t0));
    CHECK(f.keep(msm(true), t0 + 200ms)); // slow link: past same_epoch_window, bit says more
    CHECK(f.keep(msm(false), t0 + 400ms));
    CHECK_FALSE(f.keep(msm(false), t0 + 450ms)); // the last part came: epoch over
    CHECK(f.keep(msm(true), t0 + 10s));
    CHECK_FALSE(f.keep(msm(false), t0 + 10s + 500ms)); // a lost last part does not leak
    CHECK(f.counters().at(1077).kept == 4);

    message_filter g(must_parse("1087(5)"));
    CHECK(g.keep(1087, t0, true));
    CHECK(g.keep(1087, t0 + 499ms, false));
    CHECK_FALSE(g.keep(1087, t0 + 600ms, false));
}

TEST_CASE("message filter: a clock going backwards sends at once")
{
    message_filter f(must_parse("1005(10)"));
    CHECK(f.keep(1005, t0 + 100s));
    CHECK(f.keep(1005, t0 + 5s));
    CHECK_FALSE(f.keep(1005, t0 + 6s));
    CHECK(f.keep(1005, t0 + 15s));
}

TEST_CASE("message filter: whole frames, unreadable ones counted")
{
    message_filter f(must_parse("1005(10),1077"));
    CHECK(f.keep(frame_of(1077), t0));
    CHECK(f.keep(frame_of(1005), t0));
    CHECK_FALSE(f.keep(frame_of(1005), t0 + 1s));
    CHECK_FALSE(f.keep(frame_of(4072), t0));
    auto bad = frame_of(1077);
    bad.back() ^= 0x01; // CRC
    CHECK_FALSE(f.keep(bad, t0));
    CHECK(f.unreadable() == 1);
    CHECK(f.counters().at(4072).dropped == 1);
}

TEST_CASE("message filter: 1 Hz with random jitter keeps an exact 10 s cadence (fixed seed)")
{
    std::mt19937 rng(20240601);
    std::uniform_int_distribution<int> jitter(-200, 200);
    message_filter f(must_parse("1005(10)"));
    for (int k = 0; k < 1000; ++k) {
        auto now = t0 + std::chrono::seconds(k) + std::chrono::milliseconds(jitter(rng));
        CAPTURE(k);
        CHECK(f.keep(1005, now) == (k % 10 == 0));
    }
    CHECK(f.counters().at(1005).kept == 100);
}

namespace {

// Every RTCM3 frame of the capture with the index of the epoch it belongs to.
struct timed_frame
{
    std::size_t epoch;
    std::chrono::milliseconds offset;
    gnss::bytes bytes;
};

std::vector<timed_frame> capture_rtcm3_frames(std::size_t& epochs)
{
    static const auto data = cairn_test::capture(capture_name);
    gnss::byte_view all(data);
    auto split = gnss::epoch_pacer::split_epochs(all);
    epochs = split.size();
    std::vector<timed_frame> out;
    gnss::framer fr;
    for (std::size_t i = 0; i < split.size(); ++i)
        fr.feed(split[i].bytes(all), [&](const gnss::frame& f) {
            if (f.kind == gnss::frame_kind::rtcm3)
                out.push_back({i, split[i].offset, gnss::bytes(f.bytes.begin(), f.bytes.end())});
        });
    fr.finish([](const gnss::frame&) {});
    return out;
}

} // namespace

TEST_CASE("message filter: real F9 base capture, frame by frame")
{
    std::size_t epochs = 0;
    auto frames = capture_rtcm3_frames(epochs);
    REQUIRE(epochs == 158);
    REQUIRE(frames.size() == 7 * 158);

    struct row
    {
        const char* list;
        std::map<std::uint16_t, std::size_t> every; // type -> keep one epoch in this many
    };
    const row rows[] = {
        {"1005(10),1077", {{1005, 10}, {1077, 1}}},
        {"1005", {{1005, 30}}},
        {rtkbase_f9p, {{1005, 10}, {1077, 1}, {1087, 1}, {1097, 1}, {1127, 1}, {1230, 5}}},
        {rtkbase_full, {{1005, 10}, {1077, 1}, {1087, 1}, {1097, 1}, {1127, 1}, {1230, 30}}},
    };
    for (const auto& r : rows) {
        CAPTURE(r.list);
        message_filter f(must_parse(r.list));
        std::map<std::uint16_t, std::size_t> kept;
        for (const auto& fr : frames) {
            auto type = gnss::rtcm3::message_type(fr.bytes);
            REQUIRE(type.has_value());
            bool k = f.keep(fr.bytes, t0 + fr.offset);
            auto it = r.every.find(*type);
            CAPTURE(*type);
            CAPTURE(fr.epoch);
            CHECK(k == (it != r.every.end() && fr.epoch % it->second == 0));
            kept[*type] += k ? 1 : 0;
        }
        for (const auto& [type, every] : r.every) {
            CAPTURE(type);
            CHECK(kept[type] == (158 + every - 1) / every);
            CHECK(f.counters().at(type).kept == kept[type]);
        }
        CHECK(kept[4072] == 0);
        CHECK(f.counters().at(4072).dropped == 158);
        CHECK(f.unreadable() == 0);
    }
}
