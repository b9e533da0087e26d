// SPDX-License-Identifier: GPL-3.0-or-later
// The framer on real receiver captures: exact counts a real F9 base and others produce.
#include "gnss/framer.hpp"

#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <set>

using gnss::framer;

namespace {

struct run_result
{
    gnss::framer_counters counters;
    std::size_t pending = 0;
    std::size_t first_frame_offset = 0;
    std::vector<std::uint8_t> station_1005;
};

run_result run(const std::vector<std::uint8_t>& data, std::size_t chunk)
{
    framer f;
    run_result r;
    bool first = true;
    for (std::size_t off = 0; off < data.size(); off += chunk) {
        std::size_t n = std::min(chunk, data.size() - off);
        f.feed(gnss::byte_view(data.data() + off, n), [&](const gnss::frame& fr) {
            if (first) {
                // Offset of the first frame = bytes before it in the stream.
                r.first_frame_offset = f.counters().unframed_bytes;
                first = false;
            }
            if (fr.kind == gnss::frame_kind::rtcm3 && r.station_1005.empty() &&
                (fr.bytes[3] << 4 | fr.bytes[4] >> 4) == 1005)
                r.station_1005.assign(fr.bytes.begin(), fr.bytes.end());
        });
    }
    r.counters = f.counters();
    r.pending = f.pending();
    return r;
}

} // namespace

TEST_CASE("mixed F9 base capture: exact frame counts")
{
    auto data = cairn_test::capture("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    REQUIRE(data.size() == 453027);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, data.size()}) {
        CAPTURE(chunk);
        auto r = run(data, chunk);
        const auto& c = r.counters;
        CHECK(c.rtcm3_frames == 1106);
        for (std::uint16_t t : {1005, 4072, 1077, 1087, 1097, 1127, 1230})
            CHECK(c.rtcm3_types.at(t) == 158);
        CHECK(c.rtcm3_types.size() == 7);
        CHECK(c.ubx_frames == 174);
        CHECK(c.ubx_messages.at(0x0107) == 158);
        CHECK(c.ubx_messages.at(0x013B) == 16);
        CHECK(c.nmea_frames == 4661);
        CHECK(c.unframed_bytes == 0);
        CHECK(c.bad_checksum == 0);
        CHECK(r.pending == 0);
        CHECK(c.bytes_in == data.size());
    }
}

TEST_CASE("RAWX capture resynchronises after its first 377 bytes")
{
    auto data = cairn_test::capture("zed-f9p-hpg111-rawx-nmea.bin");
    auto r = run(data, 4096);
    CHECK(r.first_frame_offset == 377);
    CHECK(r.counters.unframed_bytes == 377);
    CHECK(r.counters.ubx_messages.at(0x0215) == 654); // RXM-RAWX
    CHECK(r.counters.ubx_messages.at(0x0214) == 654); // RXM-MEASX
    CHECK(r.counters.ubx_messages.at(0x0122) == 655); // NAV-CLOCK
    CHECK(r.counters.nmea_frames > 0);
    CHECK(r.pending == 0);
}

TEST_CASE("Septentrio capture yields 35 distinct RTCM3 types")
{
    auto data = cairn_test::capture("septentrio-polarx5-alltypes.rtcm3");
    auto r = run(data, 13);
    CHECK(r.counters.rtcm3_types.size() == 35);
    CHECK(r.counters.rtcm3_frames == 35);
    CHECK(r.counters.unframed_bytes == 0);
    CHECK(r.counters.ubx_frames == 0);
}

TEST_CASE("u-center session: 188 UBX frames and nothing unframed")
{
    auto data = cairn_test::capture("zed-f9p-ucenter-session.ubx");
    auto r = run(data, 64);
    CHECK(r.counters.ubx_frames == 188);
    CHECK(r.counters.unframed_bytes == 0);
    CHECK(r.counters.ubx_messages.at(0x0A04) == 8);  // MON-VER
    CHECK(r.counters.ubx_messages.at(0x068B) == 48); // CFG-VALGET
    CHECK(r.counters.ubx_messages.at(0x0501) == 44); // ACK-ACK
    CHECK(r.counters.ubx_messages.at(0x0500) == 14); // ACK-NAK
}

TEST_CASE("HPG 1.32 NAV capture: one trailing newline is unframed")
{
    auto data = cairn_test::capture("zed-f9p-hpg132-nav.ubx");
    auto r = run(data, 100);
    CHECK(r.counters.ubx_messages.at(0x0107) == 10);
    CHECK(r.counters.ubx_messages.at(0x0135) == 10);
    CHECK(r.counters.unframed_bytes == 1);
}
