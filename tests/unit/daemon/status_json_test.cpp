// SPDX-License-Identifier: GPL-3.0-or-later
// Status JSON shapes: the keys cairnctl scan and status share.
#include "daemon/status_json.hpp"

#include <doctest/doctest.h>

TEST_CASE("counters JSON names UBX messages and RTCM types")
{
    gnss::framer_counters c;
    c.rtcm3_frames = 3;
    c.rtcm3_types[1005] = 1;
    c.rtcm3_types[1077] = 2;
    c.ubx_frames = 1;
    c.ubx_messages[0x0107] = 1;
    c.nmea_frames = 2;
    c.nmea_sentences["GGA"] = 2;
    c.bad_checksum = 4;
    c.unframed_bytes = 5;
    auto j = status_json::counters(c);
    CHECK(j["rtcm3"]["frames"] == 3);
    CHECK(j["rtcm3"]["types"]["1077"] == 2);
    CHECK(j["ubx"]["messages"]["NAV-PVT"] == 1);
    CHECK(j["nmea"]["frames"] == 2);
    CHECK(j["nmea"]["sentences"]["GGA"] == 2);
    CHECK(j["bad_checksum"] == 4);
    CHECK(j["unframed_bytes"] == 5);
}

TEST_CASE("empty summary gives nulls")
{
    gnss::capture_summary s;
    CHECK(status_json::station(s).is_null());
    CHECK(status_json::receiver(s).is_null());
    CHECK(status_json::fix(s).is_null());
}
